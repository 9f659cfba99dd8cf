using System.Text.Json;
using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// Writes Microsoft.Extensions.AI responses as OpenAI chat completions, streamed chunks and error bodies: the server side of
/// the format <see cref="OpenAIChatClient"/> reads into <see cref="OpenAIChatCompletion"/>, member for member.
/// </summary>
/// <remarks>
/// The router's own metadata (<see cref="LlmRouterProperties"/>: route, deployment, attempts, cost, cache) is written as an
/// <c>llmrouter</c> object beside the standard members, which OpenAI's SDKs ignore and other clients can read.
/// </remarks>
internal static class OpenAIResponseWriter
{
    private const string Prefix = "llmrouter.";

    /// <summary>Writes a whole (non-streamed) chat completion.</summary>
    public static void WriteCompletion(Utf8JsonWriter writer, ChatResponse response, string id, long created, string model)
    {
        writer.WriteStartObject();
        WriteHeader(writer, id, "chat.completion"u8, created, response.ModelId ?? model);
        writer.WriteStartArray("choices"u8);
        writer.WriteStartObject();
        writer.WriteNumber("index"u8, 0);
        writer.WriteStartObject("message"u8);
        writer.WriteString("role"u8, "assistant"u8);
        string text = response.Text;
        // Index loops: the lists are seen through IList, whose foreach would allocate an enumerator per message.
        IList<ChatMessage> messages = response.Messages;
        int calls = 0;
        for (int m = 0; m < messages.Count; m++)
        {
            IList<AIContent> contents = messages[m].Contents;
            for (int c = 0; c < contents.Count; c++)
            {
                calls += contents[c] is FunctionCallContent ? 1 : 0;
            }
        }

        if (text.Length > 0 || calls == 0)
        {
            writer.WriteString("content"u8, text);
        }
        else
        {
            writer.WriteNull("content"u8);
        }

        writer.WriteNull("refusal"u8);
        if (calls > 0)
        {
            writer.WriteStartArray("tool_calls"u8);
            for (int m = 0; m < messages.Count; m++)
            {
                IList<AIContent> contents = messages[m].Contents;
                for (int c = 0; c < contents.Count; c++)
                {
                    if (contents[c] is FunctionCallContent call)
                    {
                        WriteToolCall(writer, call, index: null);
                    }
                }
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
        writer.WriteString("finish_reason"u8, FinishReason(response.FinishReason, calls > 0) ?? "stop");
        writer.WriteEndObject();
        writer.WriteEndArray();
        if (response.Usage is { } usage)
        {
            WriteUsage(writer, usage);
        }

        WriteServiceTier(writer, ServiceTierProperty.Read(response.AdditionalProperties));
        WriteRouter(writer, response.AdditionalProperties);
        writer.WriteEndObject();
    }

    /// <summary>
    /// Writes one streamed chunk for an update's text and tool calls; returns <see langword="false"/> (writing nothing) for an
    /// update with neither, such as one holding only usage. The finish reason waits for <see cref="WriteFinishChunk"/>, as
    /// OpenAI sends it: in a last chunk with an empty delta.
    /// </summary>
    /// <param name="writer">Where the chunk goes.</param>
    /// <param name="update">The update.</param>
    /// <param name="id">The completion's id, the same on every chunk.</param>
    /// <param name="created">The completion's creation time, in Unix seconds.</param>
    /// <param name="model">The model reported when the update names none.</param>
    /// <param name="toolCalls">How many tool calls the stream has sent so far; each call gets the next index.</param>
    /// <param name="first">Whether this is the stream's first chunk, which carries the assistant role.</param>
    public static bool WriteChunk(Utf8JsonWriter writer, ChatResponseUpdate update, string id, long created, string model, ref int toolCalls, bool first)
    {
        string? text = null;
        bool hasCalls = false;
        IList<AIContent> contents = update.Contents;
        for (int i = 0; i < contents.Count; i++)
        {
            switch (contents[i])
            {
                case TextContent { Text.Length: > 0 } part:
                    text = text is null ? part.Text : text + part.Text;
                    break;
                case FunctionCallContent:
                    hasCalls = true;
                    break;
            }
        }

        if (text is null && !hasCalls && !first)
        {
            return false;
        }

        writer.WriteStartObject();
        WriteHeader(writer, id, "chat.completion.chunk"u8, created, update.ModelId ?? model);
        writer.WriteStartArray("choices"u8);
        writer.WriteStartObject();
        writer.WriteNumber("index"u8, 0);
        writer.WriteStartObject("delta"u8);
        if (first)
        {
            writer.WriteString("role"u8, "assistant"u8);
        }

        if (text is not null || first)
        {
            writer.WriteString("content"u8, text ?? string.Empty);
        }

        if (hasCalls)
        {
            writer.WriteStartArray("tool_calls"u8);
            for (int i = 0; i < contents.Count; i++)
            {
                if (contents[i] is FunctionCallContent call)
                {
                    WriteToolCall(writer, call, toolCalls++);
                }
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
        writer.WriteNull("finish_reason"u8);
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteEndObject();
        return true;
    }

    /// <summary>Writes the chunk that closes the choice: an empty delta, the finish reason, the tier that served the stream, and the router's metadata.</summary>
    public static void WriteFinishChunk(Utf8JsonWriter writer, string id, long created, string model, ChatFinishReason? reason, bool toolCalls, AdditionalPropertiesDictionary? properties, string? serviceTier)
    {
        writer.WriteStartObject();
        WriteHeader(writer, id, "chat.completion.chunk"u8, created, model);
        writer.WriteStartArray("choices"u8);
        writer.WriteStartObject();
        writer.WriteNumber("index"u8, 0);
        writer.WriteStartObject("delta"u8);
        writer.WriteEndObject();
        writer.WriteString("finish_reason"u8, FinishReason(reason, toolCalls) ?? "stop");
        writer.WriteEndObject();
        writer.WriteEndArray();
        WriteServiceTier(writer, serviceTier);
        WriteRouter(writer, properties);
        writer.WriteEndObject();
    }

    /// <summary>Writes the chunk <c>stream_options.include_usage</c> asks for: no choices, the usage, the tier that served the stream, and the router's metadata.</summary>
    public static void WriteUsageChunk(Utf8JsonWriter writer, string id, long created, string model, UsageDetails? usage, AdditionalPropertiesDictionary? properties, string? serviceTier)
    {
        writer.WriteStartObject();
        WriteHeader(writer, id, "chat.completion.chunk"u8, created, model);
        writer.WriteStartArray("choices"u8);
        writer.WriteEndArray();
        WriteUsage(writer, usage ?? new UsageDetails());
        WriteServiceTier(writer, serviceTier);
        WriteRouter(writer, properties);
        writer.WriteEndObject();
    }

    /// <summary>Writes an error body: <c>{"error": {"message", "type", "param", "code"}}</c>, as <see cref="OpenAIErrorBody"/> reads it.</summary>
    public static void WriteError(Utf8JsonWriter writer, string message, string type, string? param, string? code)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("error"u8);
        writer.WriteString("message"u8, message);
        writer.WriteString("type"u8, type);
        WriteNullable(writer, "param"u8, param);
        WriteNullable(writer, "code"u8, code);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteHeader(Utf8JsonWriter writer, string id, ReadOnlySpan<byte> kind, long created, string model)
    {
        writer.WriteString("id"u8, id);
        writer.WriteString("object"u8, kind);
        writer.WriteNumber("created"u8, created);
        writer.WriteString("model"u8, model);
    }

    /// <summary>
    /// Writes one tool call as OpenAI's format has it, in an answer and in an assistant message sent back alike:
    /// <c>{"index"?, "id", "type": "function", "function": {"name", "arguments"}}</c>; a stream's delta numbers its calls.
    /// </summary>
    internal static void WriteToolCall(Utf8JsonWriter writer, FunctionCallContent call, int? index)
    {
        writer.WriteStartObject();
        if (index is { } position)
        {
            writer.WriteNumber("index"u8, position);
        }

        writer.WriteString("id"u8, call.CallId);
        writer.WriteString("type"u8, "function"u8);
        writer.WriteStartObject("function"u8);
        writer.WriteString("name"u8, call.Name);
        writer.WriteString("arguments"u8, call.Arguments is null ? "{}" : JsonValues.ToJsonString(call.Arguments));
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteUsage(Utf8JsonWriter writer, UsageDetails usage)
    {
        long input = usage.InputTokenCount ?? 0;
        long output = usage.OutputTokenCount ?? 0;
        writer.WriteStartObject("usage"u8);
        writer.WriteNumber("prompt_tokens"u8, input);
        writer.WriteNumber("completion_tokens"u8, output);
        writer.WriteNumber("total_tokens"u8, usage.TotalTokenCount ?? input + output);
        if (usage.CachedInputTokenCount is { } cached)
        {
            writer.WriteStartObject("prompt_tokens_details"u8);
            writer.WriteNumber("cached_tokens"u8, cached);
            writer.WriteEndObject();
        }

        if (usage.ReasoningTokenCount is { } reasoning)
        {
            writer.WriteStartObject("completion_tokens_details"u8);
            writer.WriteNumber("reasoning_tokens"u8, reasoning);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    /// <summary>Writes the <c>service_tier</c> the provider said served the call, as OpenAI's answers carry it; nothing when none said.</summary>
    private static void WriteServiceTier(Utf8JsonWriter writer, string? tier)
    {
        if (tier is not null)
        {
            writer.WriteString("service_tier"u8, tier);
        }
    }

    /// <summary>Writes the <c>llmrouter.*</c> properties as an <c>llmrouter</c> object, names without the prefix.</summary>
    private static void WriteRouter(Utf8JsonWriter writer, AdditionalPropertiesDictionary? properties)
    {
        if (properties is null)
        {
            return;
        }

        bool started = false;
        foreach (KeyValuePair<string, object?> pair in properties)
        {
            if (!pair.Key.StartsWith(Prefix, StringComparison.Ordinal))
            {
                continue;
            }

            if (!started)
            {
                writer.WriteStartObject("llmrouter"u8);
                started = true;
            }

            writer.WritePropertyName(pair.Key.AsSpan(Prefix.Length));
            switch (pair.Value)
            {
                case string or bool or int or long or double or float or decimal or null:
                    JsonValues.Write(writer, pair.Value);
                    break;
                default:
                    writer.WriteStringValue(pair.Value.ToString());
                    break;
            }
        }

        if (started)
        {
            writer.WriteEndObject();
        }
    }

    private static string? FinishReason(ChatFinishReason? reason, bool toolCalls) =>
        reason is { } known ? known.Value : toolCalls ? "tool_calls" : null;

    private static void WriteNullable(Utf8JsonWriter writer, ReadOnlySpan<byte> name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }
}
