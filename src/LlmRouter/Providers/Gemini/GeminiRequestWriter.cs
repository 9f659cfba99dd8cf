using System.Text.Json;
using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>Writes a Gemini generateContent request body from Microsoft.Extensions.AI messages and options.</summary>
internal static class GeminiRequestWriter
{
    /// <summary>The key under which a function call's thought signature travels in <c>AIContent.AdditionalProperties</c>.</summary>
    public const string ThoughtSignatureKey = "gemini.thought_signature";

    /// <summary>The prefix of call ids made up for function calls Gemini sent without one; such ids are not sent back.</summary>
    public const string GeneratedCallIdPrefix = "gemini-call-";

    public static void Write(Utf8JsonWriter writer, IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        AdditionalPropertiesDictionary? extra = options?.AdditionalProperties;
        writer.WriteStartObject();
        if (!JsonValues.Overrides(extra, "contents"))
        {
            Dictionary<string, string>? callNames = null;
            writer.WriteStartArray("contents"u8);
            foreach (ChatMessage message in messages)
            {
                if (message.Role != ChatRole.System)
                {
                    WriteContent(writer, message, messages, ref callNames);
                }
            }

            writer.WriteEndArray();
        }

        if (!JsonValues.Overrides(extra, "systemInstruction"))
        {
            WriteSystem(writer, messages, options?.Instructions);
        }

        if (options is not null)
        {
            WriteTools(writer, options, extra);
            if (!JsonValues.Overrides(extra, "generationConfig"))
            {
                WriteGenerationConfig(writer, options);
            }
        }

        JsonValues.WriteProperties(writer, extra);
        writer.WriteEndObject();
    }

    private static void WriteSystem(Utf8JsonWriter writer, IEnumerable<ChatMessage> messages, string? instructions)
    {
        bool started = false;
        if (!string.IsNullOrEmpty(instructions))
        {
            StartSystem(writer);
            started = true;
            WriteTextPart(writer, instructions);
        }

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
                    if (!started)
                    {
                        StartSystem(writer);
                        started = true;
                    }

                    WriteTextPart(writer, text);
                }
            }
        }

        if (started)
        {
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        static void StartSystem(Utf8JsonWriter writer)
        {
            writer.WriteStartObject("systemInstruction"u8);
            writer.WriteStartArray("parts"u8);
        }
    }

    private static void WriteTools(Utf8JsonWriter writer, ChatOptions options, AdditionalPropertiesDictionary? extra)
    {
        bool any = false;
        if (options.Tools is { Count: > 0 } tools && !JsonValues.Overrides(extra, "tools"))
        {
            for (int i = 0; i < tools.Count; i++)
            {
                if (tools[i] is not AIFunctionDeclaration function)
                {
                    continue;
                }

                if (!any)
                {
                    writer.WriteStartArray("tools"u8);
                    writer.WriteStartObject();
                    writer.WriteStartArray("functionDeclarations"u8);
                    any = true;
                }

                // parametersJsonSchema takes JSON Schema as Microsoft.Extensions.AI produces it; "parameters" wants OpenAPI.
                writer.WriteStartObject();
                JsonValues.WriteFunction(writer, function, "parametersJsonSchema"u8);
                writer.WriteEndObject();
            }

            if (any)
            {
                writer.WriteEndArray();
                writer.WriteEndObject();
                writer.WriteEndArray();
            }
        }

        if (!any || options.ToolMode is null || JsonValues.Overrides(extra, "toolConfig"))
        {
            return;
        }

        writer.WriteStartObject("toolConfig"u8);
        writer.WriteStartObject("functionCallingConfig"u8);
        switch (options.ToolMode)
        {
            case NoneChatToolMode:
                writer.WriteString("mode"u8, "NONE"u8);
                break;
            case RequiredChatToolMode required:
                writer.WriteString("mode"u8, "ANY"u8);
                if (required.RequiredFunctionName is { } name)
                {
                    writer.WriteStartArray("allowedFunctionNames"u8);
                    writer.WriteStringValue(name);
                    writer.WriteEndArray();
                }

                break;
            default:
                writer.WriteString("mode"u8, "AUTO"u8);
                break;
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteGenerationConfig(Utf8JsonWriter writer, ChatOptions options)
    {
        bool started = false;
        if (options.Temperature is { } temperature)
        {
            Start(writer, ref started);
            writer.WriteNumber("temperature"u8, temperature);
        }

        if (options.TopP is { } topP)
        {
            Start(writer, ref started);
            writer.WriteNumber("topP"u8, topP);
        }

        if (options.TopK is { } topK)
        {
            Start(writer, ref started);
            writer.WriteNumber("topK"u8, topK);
        }

        if (options.MaxOutputTokens is { } maxTokens)
        {
            Start(writer, ref started);
            writer.WriteNumber("maxOutputTokens"u8, maxTokens);
        }

        if (options.StopSequences is { Count: > 0 } stops)
        {
            Start(writer, ref started);
            JsonValues.WriteStrings(writer, "stopSequences"u8, stops);
        }

        if (options.Seed is { } seed)
        {
            Start(writer, ref started);
            writer.WriteNumber("seed"u8, seed);
        }

        if (options.PresencePenalty is { } presence)
        {
            Start(writer, ref started);
            writer.WriteNumber("presencePenalty"u8, presence);
        }

        if (options.FrequencyPenalty is { } frequency)
        {
            Start(writer, ref started);
            writer.WriteNumber("frequencyPenalty"u8, frequency);
        }

        if (options.ResponseFormat is ChatResponseFormatJson json)
        {
            Start(writer, ref started);
            writer.WriteString("responseMimeType"u8, "application/json"u8);
            if (json.Schema is { } schema)
            {
                // responseJsonSchema takes JSON Schema as is; responseSchema accepts only Google's OpenAPI subset.
                writer.WritePropertyName("responseJsonSchema"u8);
                schema.WriteTo(writer);
            }
        }

        if (options.Reasoning is { } reasoning && (reasoning.Effort is not null || reasoning.Output is not null))
        {
            Start(writer, ref started);
            writer.WriteStartObject("thinkingConfig"u8);
            if (reasoning.Output is { } output)
            {
                writer.WriteBoolean("includeThoughts"u8, output != ReasoningOutput.None);
            }

            if (reasoning.Effort is { } effort)
            {
                writer.WriteNumber("thinkingBudget"u8, effort switch
                {
                    ReasoningEffort.None => 0,
                    ReasoningEffort.Low => 1024,
                    ReasoningEffort.Medium => 8192,
                    ReasoningEffort.High => 24576,
                    _ => 32768,
                });
            }

            writer.WriteEndObject();
        }

        if (started)
        {
            writer.WriteEndObject();
        }

        static void Start(Utf8JsonWriter writer, ref bool started)
        {
            if (!started)
            {
                writer.WriteStartObject("generationConfig"u8);
                started = true;
            }
        }
    }

    private static void WriteContent(Utf8JsonWriter writer, ChatMessage message, IEnumerable<ChatMessage> messages, ref Dictionary<string, string>? callNames)
    {
        writer.WriteStartObject();
        writer.WriteString("role"u8, message.Role == ChatRole.Assistant ? "model"u8 : "user"u8);
        writer.WriteStartArray("parts"u8);
        IList<AIContent> contents = message.Contents;
        for (int i = 0; i < contents.Count; i++)
        {
            switch (contents[i])
            {
                case TextContent { Text: { Length: > 0 } text }:
                    WriteTextPart(writer, text);
                    break;

                case DataContent data:
                    writer.WriteStartObject();
                    writer.WriteStartObject("inlineData"u8);
                    writer.WriteString("mimeType"u8, data.MediaType);
                    writer.WriteString("data"u8, data.Base64Data.Span);
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                    break;

                case UriContent uri:
                    writer.WriteStartObject();
                    writer.WriteStartObject("fileData"u8);
                    writer.WriteString("mimeType"u8, uri.MediaType);
                    writer.WriteString("fileUri"u8, uri.Uri.AbsoluteUri);
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                    break;

                case FunctionCallContent call:
                    writer.WriteStartObject();
                    writer.WriteStartObject("functionCall"u8);
                    if (!call.CallId.StartsWith(GeneratedCallIdPrefix, StringComparison.Ordinal))
                    {
                        writer.WriteString("id"u8, call.CallId);
                    }

                    writer.WriteString("name"u8, call.Name);
                    writer.WritePropertyName("args"u8);
                    if (call.Arguments is null)
                    {
                        writer.WriteStartObject();
                        writer.WriteEndObject();
                    }
                    else
                    {
                        JsonValues.Write(writer, call.Arguments);
                    }

                    writer.WriteEndObject();
                    if (call.AdditionalProperties?.TryGetValue(ThoughtSignatureKey, out object? signature) is true && signature is string signatureText)
                    {
                        writer.WriteString("thoughtSignature"u8, signatureText);
                    }

                    writer.WriteEndObject();
                    break;

                case FunctionResultContent result:
                    callNames ??= CallNames(messages);
                    writer.WriteStartObject();
                    writer.WriteStartObject("functionResponse"u8);
                    if (!result.CallId.StartsWith(GeneratedCallIdPrefix, StringComparison.Ordinal))
                    {
                        writer.WriteString("id"u8, result.CallId);
                    }

                    writer.WriteString("name"u8, callNames.TryGetValue(result.CallId, out string? name) ? name : result.CallId);
                    writer.WritePropertyName("response"u8);
                    WriteResult(writer, result);
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                    break;
            }
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>Gemini wants an object as a function's response: objects go as they are, anything else under <c>result</c>.</summary>
    private static void WriteResult(Utf8JsonWriter writer, FunctionResultContent result)
    {
        switch (result.Result)
        {
            case JsonElement { ValueKind: JsonValueKind.Object } element:
                element.WriteTo(writer);
                return;
            case IDictionary<string, object?> map:
                JsonValues.Write(writer, map);
                return;
        }

        writer.WriteStartObject();
        if (result.Result is null && result.Exception is { } exception)
        {
            writer.WriteString("error"u8, exception.Message);
        }
        else
        {
            writer.WritePropertyName("result"u8);
            JsonValues.Write(writer, result.Result);
        }

        writer.WriteEndObject();
    }

    /// <summary>Function responses must name their function; the name is found on the call with the same id.</summary>
    private static Dictionary<string, string> CallNames(IEnumerable<ChatMessage> messages)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (ChatMessage message in messages)
        {
            foreach (AIContent content in message.Contents)
            {
                if (content is FunctionCallContent call)
                {
                    names[call.CallId] = call.Name;
                }
            }
        }

        return names;
    }

    private static void WriteTextPart(Utf8JsonWriter writer, string text)
    {
        writer.WriteStartObject();
        writer.WriteString("text"u8, text);
        writer.WriteEndObject();
    }
}
