using System.Text.Json;
using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>Writes an OpenAI chat completions request body from Microsoft.Extensions.AI messages and options.</summary>
internal static class OpenAIRequestWriter
{
    public static void Write(Utf8JsonWriter writer, IEnumerable<ChatMessage> messages, ChatOptions? options, string model, bool stream, OpenAIQuirks quirks)
    {
        AdditionalPropertiesDictionary? extra = options?.AdditionalProperties;
        writer.WriteStartObject();
        if ((quirks & OpenAIQuirks.AzureDeployments) == 0 && !JsonValues.Overrides(extra, "model"))
        {
            writer.WriteString("model"u8, model);
        }

        if (!JsonValues.Overrides(extra, "messages"))
        {
            writer.WriteStartArray("messages"u8);
            if (options?.Instructions is { Length: > 0 } instructions)
            {
                writer.WriteStartObject();
                writer.WriteString("role"u8, "system"u8);
                writer.WriteString("content"u8, instructions);
                writer.WriteEndObject();
            }

            foreach (ChatMessage message in messages)
            {
                WriteMessage(writer, message);
            }

            writer.WriteEndArray();
        }

        if (stream)
        {
            writer.WriteBoolean("stream"u8, true);
            if ((quirks & OpenAIQuirks.NoStreamOptions) == 0 && !JsonValues.Overrides(extra, "stream_options"))
            {
                writer.WriteStartObject("stream_options"u8);
                writer.WriteBoolean("include_usage"u8, true);
                writer.WriteEndObject();
            }
        }

        if (options is not null)
        {
            WriteOptions(writer, options, quirks, extra);
        }

        JsonValues.WriteProperties(writer, extra);
        writer.WriteEndObject();
    }

    private static void WriteOptions(Utf8JsonWriter writer, ChatOptions options, OpenAIQuirks quirks, AdditionalPropertiesDictionary? extra)
    {
        if (options.Temperature is { } temperature && !JsonValues.Overrides(extra, "temperature"))
        {
            writer.WriteNumber("temperature"u8, temperature);
        }

        if (options.TopP is { } topP && !JsonValues.Overrides(extra, "top_p"))
        {
            writer.WriteNumber("top_p"u8, topP);
        }

        if (options.MaxOutputTokens is { } maxTokens)
        {
            string name = (quirks & OpenAIQuirks.MaxCompletionTokens) != 0 ? "max_completion_tokens" : "max_tokens";
            if (!JsonValues.Overrides(extra, name))
            {
                writer.WriteNumber(name, maxTokens);
            }
        }

        if (options.StopSequences is { Count: > 0 } stops && !JsonValues.Overrides(extra, "stop"))
        {
            JsonValues.WriteStrings(writer, "stop"u8, stops);
        }

        if (options.Seed is { } seed)
        {
            string name = (quirks & OpenAIQuirks.RandomSeed) != 0 ? "random_seed" : "seed";
            if (!JsonValues.Overrides(extra, name))
            {
                writer.WriteNumber(name, seed);
            }
        }

        if (options.FrequencyPenalty is { } frequency && !JsonValues.Overrides(extra, "frequency_penalty"))
        {
            writer.WriteNumber("frequency_penalty"u8, frequency);
        }

        if (options.PresencePenalty is { } presence && !JsonValues.Overrides(extra, "presence_penalty"))
        {
            writer.WriteNumber("presence_penalty"u8, presence);
        }

        if (options.Reasoning?.Effort is { } effort && !JsonValues.Overrides(extra, "reasoning_effort"))
        {
            writer.WriteString("reasoning_effort"u8, effort switch
            {
                ReasoningEffort.None => "none",
                ReasoningEffort.Low => "low",
                ReasoningEffort.High => "high",
                ReasoningEffort.ExtraHigh => "xhigh",
                _ => "medium",
            });
        }

        if (options.ResponseFormat is ChatResponseFormatJson json && !JsonValues.Overrides(extra, "response_format"))
        {
            writer.WriteStartObject("response_format"u8);
            if (json.Schema is { } schema)
            {
                writer.WriteString("type"u8, "json_schema"u8);
                writer.WriteStartObject("json_schema"u8);
                writer.WriteString("name"u8, json.SchemaName ?? "response");
                if (json.SchemaDescription is { Length: > 0 } description)
                {
                    writer.WriteString("description"u8, description);
                }

                writer.WritePropertyName("schema"u8);
                schema.WriteTo(writer);
                writer.WriteEndObject();
            }
            else
            {
                writer.WriteString("type"u8, "json_object"u8);
            }

            writer.WriteEndObject();
        }

        if (!WriteTools(writer, options.Tools, extra))
        {
            return;
        }

        if (options.ToolMode is { } mode && !JsonValues.Overrides(extra, "tool_choice"))
        {
            switch (mode)
            {
                case NoneChatToolMode:
                    writer.WriteString("tool_choice"u8, "none"u8);
                    break;
                case RequiredChatToolMode { RequiredFunctionName: { } name }:
                    writer.WriteStartObject("tool_choice"u8);
                    writer.WriteString("type"u8, "function"u8);
                    writer.WriteStartObject("function"u8);
                    writer.WriteString("name"u8, name);
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                    break;
                case RequiredChatToolMode:
                    writer.WriteString("tool_choice"u8, "required"u8);
                    break;
                default:
                    writer.WriteString("tool_choice"u8, "auto"u8);
                    break;
            }
        }

        if (options.AllowMultipleToolCalls is { } parallel && !JsonValues.Overrides(extra, "parallel_tool_calls"))
        {
            writer.WriteBoolean("parallel_tool_calls"u8, parallel);
        }
    }

    /// <summary>Writes the function tools; returns whether any were written (tool_choice is invalid without them).</summary>
    private static bool WriteTools(Utf8JsonWriter writer, IList<AITool>? tools, AdditionalPropertiesDictionary? extra)
    {
        if (tools is not { Count: > 0 } || JsonValues.Overrides(extra, "tools"))
        {
            return false;
        }

        bool any = false;
        for (int i = 0; i < tools.Count; i++)
        {
            if (tools[i] is not AIFunctionDeclaration function)
            {
                continue;
            }

            if (!any)
            {
                writer.WriteStartArray("tools"u8);
                any = true;
            }

            writer.WriteStartObject();
            writer.WriteString("type"u8, "function"u8);
            writer.WriteStartObject("function"u8);
            JsonValues.WriteFunction(writer, function, "parameters"u8);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        if (any)
        {
            writer.WriteEndArray();
        }

        return any;
    }

    private static void WriteMessage(Utf8JsonWriter writer, ChatMessage message)
    {
        IList<AIContent> contents = message.Contents;
        if (message.Role == ChatRole.Tool)
        {
            WriteToolResults(writer, contents);
            return;
        }

        if (message.Role == ChatRole.Assistant)
        {
            WriteAssistant(writer, message);
            return;
        }

        // A user or system message: text alone stays a string, anything richer becomes content parts.
        // Tool results found in a user message are sent as the tool messages OpenAI expects.
        int parts = 0;
        bool onlyText = true;
        bool hasResults = false;
        for (int i = 0; i < contents.Count; i++)
        {
            switch (contents[i])
            {
                case TextContent:
                    parts++;
                    break;
                case DataContent or UriContent:
                    parts++;
                    onlyText = false;
                    break;
                case FunctionResultContent:
                    hasResults = true;
                    break;
            }
        }

        if (hasResults)
        {
            WriteToolResults(writer, contents);
        }

        if (parts == 0 && hasResults)
        {
            return;
        }

        writer.WriteStartObject();
        writer.WriteString("role"u8, message.Role.Value);
        if (!string.IsNullOrEmpty(message.AuthorName))
        {
            writer.WriteString("name"u8, message.AuthorName);
        }

        if (onlyText || message.Role == ChatRole.System)
        {
            writer.WriteString("content"u8, JoinText(contents));
        }
        else
        {
            writer.WriteStartArray("content"u8);
            for (int i = 0; i < contents.Count; i++)
            {
                WritePart(writer, contents[i]);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    private static void WritePart(Utf8JsonWriter writer, AIContent content)
    {
        switch (content)
        {
            case TextContent text:
                writer.WriteStartObject();
                writer.WriteString("type"u8, "text"u8);
                writer.WriteString("text"u8, text.Text);
                writer.WriteEndObject();
                break;

            case DataContent data when data.HasTopLevelMediaType("image"):
                WriteImage(writer, data.Uri);
                break;

            case UriContent uri when uri.HasTopLevelMediaType("image"):
                WriteImage(writer, uri.Uri.AbsoluteUri);
                break;

            case DataContent data when data.HasTopLevelMediaType("audio"):
                writer.WriteStartObject();
                writer.WriteString("type"u8, "input_audio"u8);
                writer.WriteStartObject("input_audio"u8);
                writer.WriteString("data"u8, data.Base64Data.Span);
                writer.WriteString("format"u8, data.MediaType.Contains("wav", StringComparison.OrdinalIgnoreCase) ? "wav" : "mp3");
                writer.WriteEndObject();
                writer.WriteEndObject();
                break;

            case DataContent data:
                writer.WriteStartObject();
                writer.WriteString("type"u8, "file"u8);
                writer.WriteStartObject("file"u8);
                writer.WriteString("file_data"u8, data.Uri);
                writer.WriteString("filename"u8, data.Name ?? "file");
                writer.WriteEndObject();
                writer.WriteEndObject();
                break;

            case UriContent uri:
                writer.WriteStartObject();
                writer.WriteString("type"u8, "text"u8);
                writer.WriteString("text"u8, uri.Uri.AbsoluteUri);
                writer.WriteEndObject();
                break;
        }
    }

    private static void WriteImage(Utf8JsonWriter writer, string url)
    {
        writer.WriteStartObject();
        writer.WriteString("type"u8, "image_url"u8);
        writer.WriteStartObject("image_url"u8);
        writer.WriteString("url"u8, url);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteAssistant(Utf8JsonWriter writer, ChatMessage message)
    {
        IList<AIContent> contents = message.Contents;
        writer.WriteStartObject();
        writer.WriteString("role"u8, "assistant"u8);
        if (!string.IsNullOrEmpty(message.AuthorName))
        {
            writer.WriteString("name"u8, message.AuthorName);
        }

        bool hasText = false;
        bool hasCalls = false;
        for (int i = 0; i < contents.Count; i++)
        {
            hasText |= contents[i] is TextContent;
            hasCalls |= contents[i] is FunctionCallContent;
        }

        if (hasText || !hasCalls)
        {
            writer.WriteString("content"u8, JoinText(contents));
        }
        else
        {
            writer.WriteNull("content"u8);
        }

        if (hasCalls)
        {
            writer.WriteStartArray("tool_calls"u8);
            for (int i = 0; i < contents.Count; i++)
            {
                if (contents[i] is FunctionCallContent call)
                {
                    OpenAIResponseWriter.WriteToolCall(writer, call, index: null);
                }
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    private static void WriteToolResults(Utf8JsonWriter writer, IList<AIContent> contents)
    {
        for (int i = 0; i < contents.Count; i++)
        {
            if (contents[i] is FunctionResultContent result)
            {
                writer.WriteStartObject();
                writer.WriteString("role"u8, "tool"u8);
                writer.WriteString("tool_call_id"u8, result.CallId);
                writer.WriteString("content"u8, ResultText(result));
                writer.WriteEndObject();
            }
        }
    }

    /// <summary>The text of a function result: strings as they are, anything else as JSON, an exception as its message.</summary>
    internal static string ResultText(FunctionResultContent result) => result switch
    {
        { Result: string text } => text,
        { Result: null, Exception: { } exception } => "Error: " + exception.Message,
        { Result: null } => string.Empty,
        _ => JsonValues.ToJsonString(result.Result),
    };

    internal static string JoinText(IList<AIContent> contents)
    {
        string? single = null;
        System.Text.StringBuilder? joined = null;
        for (int i = 0; i < contents.Count; i++)
        {
            if (contents[i] is not TextContent { Text: { } text })
            {
                continue;
            }

            if (single is null)
            {
                single = text;
            }
            else
            {
                joined ??= new System.Text.StringBuilder(single);
                joined.Append(text);
            }
        }

        return joined?.ToString() ?? single ?? string.Empty;
    }
}
