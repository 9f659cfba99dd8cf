using System.Text.Json;
using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>Writes an Anthropic Messages request body from Microsoft.Extensions.AI messages and options.</summary>
internal static class AnthropicRequestWriter
{
    public static void Write(Utf8JsonWriter writer, IEnumerable<ChatMessage> messages, ChatOptions? options, string model, bool stream, int defaultMaxTokens, bool promptCaching = false)
    {
        AdditionalPropertiesDictionary? extra = options?.AdditionalProperties;
        AnthropicPromptCaching cache = promptCaching ? AnthropicPromptCaching.Place(messages, options, model) : AnthropicPromptCaching.None;
        writer.WriteStartObject();
        if (!JsonValues.Overrides(extra, "model"))
        {
            writer.WriteString("model"u8, model);
        }

        int? thinkingBudget = ThinkingBudget(options);
        if (!JsonValues.Overrides(extra, "max_tokens"))
        {
            // max_tokens is required and must exceed the thinking budget.
            int maxTokens = options?.MaxOutputTokens ?? defaultMaxTokens;
            if (thinkingBudget is { } budget && maxTokens <= budget)
            {
                maxTokens = budget + defaultMaxTokens;
            }

            writer.WriteNumber("max_tokens"u8, maxTokens);
        }

        if (!JsonValues.Overrides(extra, "system"))
        {
            WriteSystem(writer, messages, options?.Instructions, cache.System);
        }

        if (!JsonValues.Overrides(extra, "messages"))
        {
            writer.WriteStartArray("messages"u8);
            int index = 0;
            foreach (ChatMessage message in messages)
            {
                if (message.Role != ChatRole.System)
                {
                    WriteMessage(writer, message, index++ == cache.Message ? AnthropicPromptCaching.LastBlock(message) : -1);
                }
            }

            writer.WriteEndArray();
        }

        if (stream)
        {
            writer.WriteBoolean("stream"u8, true);
        }

        if (options is not null)
        {
            WriteOptions(writer, options, extra, thinkingBudget, cache.Tool);
        }

        JsonValues.WriteProperties(writer, extra);
        writer.WriteEndObject();
    }

    private static int? ThinkingBudget(ChatOptions? options) => options?.Reasoning?.Effort switch
    {
        null or ReasoningEffort.None => null,
        ReasoningEffort.Low => 1024,
        ReasoningEffort.Medium => 4096,
        ReasoningEffort.High => 16384,
        _ => 32768,
    };

    private static void WriteSystem(Utf8JsonWriter writer, IEnumerable<ChatMessage> messages, string? instructions, bool cache)
    {
        // The breakpoint goes on the last block, so the whole system prompt (and the tools before it) is the cached prefix.
        string? pending = string.IsNullOrEmpty(instructions) ? null : instructions;
        bool started = false;
        foreach (ChatMessage message in messages)
        {
            if (message.Role != ChatRole.System)
            {
                continue;
            }

            foreach (AIContent content in message.Contents)
            {
                if (content is TextContent { Text: { Length: > 0 } text })
                {
                    if (pending is not null)
                    {
                        StartSystem(writer, ref started);
                        WriteText(writer, pending);
                    }

                    pending = text;
                }
            }
        }

        if (pending is not null)
        {
            StartSystem(writer, ref started);
            WriteText(writer, pending, cache);
        }

        if (started)
        {
            writer.WriteEndArray();
        }
    }

    private static void StartSystem(Utf8JsonWriter writer, ref bool started)
    {
        if (!started)
        {
            writer.WriteStartArray("system"u8);
            started = true;
        }
    }

    private static void WriteOptions(Utf8JsonWriter writer, ChatOptions options, AdditionalPropertiesDictionary? extra, int? thinkingBudget, int cachedTool)
    {
        if (options.Temperature is { } temperature && !JsonValues.Overrides(extra, "temperature"))
        {
            writer.WriteNumber("temperature"u8, temperature);
        }

        if (options.TopP is { } topP && !JsonValues.Overrides(extra, "top_p"))
        {
            writer.WriteNumber("top_p"u8, topP);
        }

        if (options.TopK is { } topK && !JsonValues.Overrides(extra, "top_k"))
        {
            writer.WriteNumber("top_k"u8, topK);
        }

        if (options.StopSequences is { Count: > 0 } stops && !JsonValues.Overrides(extra, "stop_sequences"))
        {
            JsonValues.WriteStrings(writer, "stop_sequences"u8, stops);
        }

        if (thinkingBudget is { } budget && !JsonValues.Overrides(extra, "thinking"))
        {
            writer.WriteStartObject("thinking"u8);
            writer.WriteString("type"u8, "enabled"u8);
            writer.WriteNumber("budget_tokens"u8, budget);
            writer.WriteEndObject();
        }

        // Structured output: a schema constrains the answer's text to JSON that matches it. Anthropic has no mode for JSON
        // without a schema, so ChatResponseFormat.Json alone is left to the prompt.
        if (options.ResponseFormat is ChatResponseFormatJson { Schema: { } schema } && !JsonValues.Overrides(extra, "output_config"))
        {
            writer.WriteStartObject("output_config"u8);
            writer.WriteStartObject("format"u8);
            writer.WriteString("type"u8, "json_schema"u8);
            writer.WritePropertyName("schema"u8);
            schema.WriteTo(writer);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        bool anyTools = false;
        if (options.Tools is { Count: > 0 } tools && !JsonValues.Overrides(extra, "tools"))
        {
            for (int i = 0; i < tools.Count; i++)
            {
                if (tools[i] is not AIFunctionDeclaration function)
                {
                    continue;
                }

                if (!anyTools)
                {
                    writer.WriteStartArray("tools"u8);
                    anyTools = true;
                }

                writer.WriteStartObject();
                JsonValues.WriteFunction(writer, function, "input_schema"u8);
                if (i == cachedTool)
                {
                    WriteCacheControl(writer);
                }

                writer.WriteEndObject();
            }

            if (anyTools)
            {
                writer.WriteEndArray();
            }
        }

        if (!anyTools || JsonValues.Overrides(extra, "tool_choice") || (options.ToolMode is null && options.AllowMultipleToolCalls is not false))
        {
            return;
        }

        writer.WriteStartObject("tool_choice"u8);
        switch (options.ToolMode)
        {
            case NoneChatToolMode:
                writer.WriteString("type"u8, "none"u8);
                break;
            case RequiredChatToolMode { RequiredFunctionName: { } name }:
                writer.WriteString("type"u8, "tool"u8);
                writer.WriteString("name"u8, name);
                break;
            case RequiredChatToolMode:
                writer.WriteString("type"u8, "any"u8);
                break;
            default:
                writer.WriteString("type"u8, "auto"u8);
                break;
        }

        if (options.AllowMultipleToolCalls is false && options.ToolMode is not NoneChatToolMode)
        {
            writer.WriteBoolean("disable_parallel_tool_use"u8, true);
        }

        writer.WriteEndObject();
    }

    private static void WriteMessage(Utf8JsonWriter writer, ChatMessage message, int cachedBlock)
    {
        writer.WriteStartObject();
        writer.WriteString("role"u8, message.Role == ChatRole.Assistant ? "assistant"u8 : "user"u8);
        writer.WriteStartArray("content"u8);
        IList<AIContent> contents = message.Contents;
        for (int i = 0; i < contents.Count; i++)
        {
            WriteBlock(writer, contents[i], i == cachedBlock);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteBlock(Utf8JsonWriter writer, AIContent content, bool cache)
    {
        switch (content)
        {
            case TextContent { Text: { Length: > 0 } text }:
                WriteText(writer, text, cache);
                break;

            case TextReasoningContent { Text: { Length: > 0 } thinking } reasoning:
                writer.WriteStartObject();
                writer.WriteString("type"u8, "thinking"u8);
                writer.WriteString("thinking"u8, thinking);
                writer.WriteString("signature"u8, reasoning.ProtectedData ?? string.Empty);
                writer.WriteEndObject();
                break;

            case TextReasoningContent { ProtectedData: { Length: > 0 } data }:
                writer.WriteStartObject();
                writer.WriteString("type"u8, "redacted_thinking"u8);
                writer.WriteString("data"u8, data);
                writer.WriteEndObject();
                break;

            case DataContent data when data.HasTopLevelMediaType("image") || data.MediaType == "application/pdf":
                writer.WriteStartObject();
                writer.WriteString("type"u8, data.HasTopLevelMediaType("image") ? "image"u8 : "document"u8);
                writer.WriteStartObject("source"u8);
                writer.WriteString("type"u8, "base64"u8);
                writer.WriteString("media_type"u8, data.MediaType);
                writer.WriteString("data"u8, data.Base64Data.Span);
                writer.WriteEndObject();
                writer.WriteEndObject();
                break;

            case UriContent uri when uri.HasTopLevelMediaType("image") || uri.MediaType == "application/pdf":
                writer.WriteStartObject();
                writer.WriteString("type"u8, uri.HasTopLevelMediaType("image") ? "image"u8 : "document"u8);
                writer.WriteStartObject("source"u8);
                writer.WriteString("type"u8, "url"u8);
                writer.WriteString("url"u8, uri.Uri.AbsoluteUri);
                writer.WriteEndObject();
                writer.WriteEndObject();
                break;

            case FunctionCallContent call:
                writer.WriteStartObject();
                writer.WriteString("type"u8, "tool_use"u8);
                writer.WriteString("id"u8, call.CallId);
                writer.WriteString("name"u8, call.Name);
                writer.WritePropertyName("input"u8);
                if (call.Arguments is null)
                {
                    writer.WriteStartObject();
                    writer.WriteEndObject();
                }
                else
                {
                    JsonValues.Write(writer, call.Arguments);
                }

                if (cache)
                {
                    WriteCacheControl(writer);
                }

                writer.WriteEndObject();
                break;

            case FunctionResultContent result:
                writer.WriteStartObject();
                writer.WriteString("type"u8, "tool_result"u8);
                writer.WriteString("tool_use_id"u8, result.CallId);
                writer.WriteString("content"u8, OpenAIRequestWriter.ResultText(result));
                if (result.Exception is not null)
                {
                    writer.WriteBoolean("is_error"u8, true);
                }

                if (cache)
                {
                    WriteCacheControl(writer);
                }

                writer.WriteEndObject();
                break;
        }
    }

    private static void WriteText(Utf8JsonWriter writer, string text, bool cache = false)
    {
        writer.WriteStartObject();
        writer.WriteString("type"u8, "text"u8);
        writer.WriteString("text"u8, text);
        if (cache)
        {
            WriteCacheControl(writer);
        }

        writer.WriteEndObject();
    }

    /// <summary>Marks the block just written as the end of a prefix Anthropic caches (for five minutes, refreshed on each read).</summary>
    private static void WriteCacheControl(Utf8JsonWriter writer)
    {
        writer.WriteStartObject("cache_control"u8);
        writer.WriteString("type"u8, "ephemeral"u8);
        writer.WriteEndObject();
    }
}
