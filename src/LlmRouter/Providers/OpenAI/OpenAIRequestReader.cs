using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// Reads an OpenAI chat completions request body into Microsoft.Extensions.AI messages and options: the server side of the
/// format <see cref="OpenAIRequestWriter"/> writes, mapping each field back to what the writer reads it from.
/// </summary>
/// <remarks>
/// Fields the router has no use for (<c>user</c>, <c>logprobs</c>, <c>metadata</c>, …) are ignored, as OpenAI's own server
/// ignores what a model does not support. A field with the wrong shape is an <see cref="OpenAIRequestException"/> naming it.
/// </remarks>
internal static class OpenAIRequestReader
{
    /// <summary>Reads a request body held in one buffer.</summary>
    /// <exception cref="OpenAIRequestException">A field is missing or has the wrong shape; its path is the exception's <c>Param</c>.</exception>
    /// <exception cref="JsonException">The body is not valid JSON.</exception>
    public static OpenAIRequest Read(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        return Read(ref reader);
    }

    /// <summary>Reads a request body as the server received it, possibly in several segments, without copying it.</summary>
    /// <exception cref="OpenAIRequestException">A field is missing or has the wrong shape; its path is the exception's <c>Param</c>.</exception>
    /// <exception cref="JsonException">The body is not valid JSON.</exception>
    public static OpenAIRequest Read(in ReadOnlySequence<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        return Read(ref reader);
    }

    /// <summary>
    /// Reads the body front to back with one reader: the common fields (model, messages with text, sampling options) straight
    /// into their values; the rarer nested ones (content parts, tool calls, tools, response format) through a
    /// <see cref="JsonElement"/> of that field alone. A field's path is made into text only when it is at fault.
    /// </summary>
    private static OpenAIRequest Read(ref Utf8JsonReader reader)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new OpenAIRequestException("body", $"The request body must be a JSON object, not {Describe(ref reader)}.");
        }

        string? model = null;
        List<ChatMessage>? messages = null;
        bool stream = false;
        bool includeUsage = false;
        int? maxTokens = null;
        int? maxCompletionTokens = null;
        var options = new ChatOptions();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("model"u8))
            {
                reader.Read();
                model = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }
            else if (reader.ValueTextEquals("messages"u8))
            {
                reader.Read();
                messages = ReadMessages(ref reader);
            }
            else if (reader.ValueTextEquals("stream"u8))
            {
                reader.Read();
                stream = Boolean(ref reader, "stream") ?? false;
            }
            else if (reader.ValueTextEquals("stream_options"u8))
            {
                reader.Read();
                includeUsage = ReadStreamOptions(ref reader);
            }
            else if (reader.ValueTextEquals("n"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.Null && (reader.TokenType != JsonTokenType.Number || reader.GetDouble() != 1))
                {
                    throw new OpenAIRequestException("n", "Only n = 1 is supported: the router serves one choice per request.");
                }
            }
            else if (reader.ValueTextEquals("temperature"u8))
            {
                options.Temperature = Single(ref reader, "temperature", 0, 2);
            }
            else if (reader.ValueTextEquals("top_p"u8))
            {
                options.TopP = Single(ref reader, "top_p", 0, 1);
            }
            else if (reader.ValueTextEquals("frequency_penalty"u8))
            {
                options.FrequencyPenalty = Single(ref reader, "frequency_penalty", -2, 2);
            }
            else if (reader.ValueTextEquals("presence_penalty"u8))
            {
                options.PresencePenalty = Single(ref reader, "presence_penalty", -2, 2);
            }
            else if (reader.ValueTextEquals("max_completion_tokens"u8))
            {
                maxCompletionTokens = Integer(ref reader, "max_completion_tokens");
            }
            else if (reader.ValueTextEquals("max_tokens"u8))
            {
                maxTokens = Integer(ref reader, "max_tokens");
            }
            else if (reader.ValueTextEquals("seed"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.Null)
                {
                    options.Seed = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long seed)
                        ? seed
                        : throw new OpenAIRequestException("seed", $"'seed' must be an integer, not {Describe(ref reader)}.");
                }
            }
            else if (reader.ValueTextEquals("stop"u8))
            {
                reader.Read();
                options.StopSequences = ReadStop(ref reader);
            }
            else if (reader.ValueTextEquals("reasoning_effort"u8))
            {
                reader.Read();
                if (String(ref reader, "reasoning_effort") is { } effort)
                {
                    options.Reasoning = new ReasoningOptions { Effort = Effort(effort) };
                }
            }
            else if (reader.ValueTextEquals("response_format"u8))
            {
                options.ResponseFormat = Element(ref reader) is { ValueKind: not JsonValueKind.Null } format ? ReadResponseFormat(format) : null;
            }
            else if (reader.ValueTextEquals("tools"u8))
            {
                options.Tools = Element(ref reader) is { ValueKind: not JsonValueKind.Null } tools ? ReadTools(tools) : null;
            }
            else if (reader.ValueTextEquals("tool_choice"u8))
            {
                options.ToolMode = Element(ref reader) is { ValueKind: not JsonValueKind.Null } choice ? ReadToolChoice(choice) : null;
            }
            else if (reader.ValueTextEquals("parallel_tool_calls"u8))
            {
                reader.Read();
                options.AllowMultipleToolCalls = Boolean(ref reader, "parallel_tool_calls");
            }
            else if (reader.ValueTextEquals("service_tier"u8))
            {
                reader.Read();
                if (String(ref reader, "service_tier") is { Length: > 0 } tier)
                {
                    (options.AdditionalProperties ??= [])[ServiceTierProperty.Name] = tier;
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            throw new OpenAIRequestException("body", "The request body must be one JSON object, closed and with nothing after it.");
        }

        if (model is not { Length: > 0 })
        {
            throw new OpenAIRequestException("model", "The 'model' field is required: a string naming a route or a deployment's model (GET /v1/models lists them).");
        }

        if (messages is not { Count: > 0 })
        {
            throw new OpenAIRequestException("messages", "The 'messages' field is required: a non-empty array of messages.");
        }

        options.ModelId = model;
        options.MaxOutputTokens = maxCompletionTokens ?? maxTokens;
        return new OpenAIRequest(model, messages, options, stream, includeUsage);
    }

    private static List<ChatMessage>? ReadMessages(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return null;
        }

        var messages = new List<ChatMessage>(4);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            messages.Add(ReadMessage(ref reader, messages.Count));
        }

        return messages;
    }

    /// <summary>
    /// Reads one message. Its members may come in any order, so a string content is kept as read and anything richer (parts,
    /// tool calls) as an element, until the role says what they mean.
    /// </summary>
    private static ChatMessage ReadMessage(ref Utf8JsonReader reader, int index)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            string at = MessagePath(index);
            throw new OpenAIRequestException(at, $"{at} must be an object with a role and content, not {Describe(ref reader)}.");
        }

        string? role = null;
        string? name = null;
        string? toolCallId = null;
        string? text = null;
        JsonElement content = default;
        JsonElement toolCalls = default;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("role"u8))
            {
                reader.Read();
                role = MessageString(ref reader, index, ".role");
            }
            else if (reader.ValueTextEquals("content"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    text = reader.GetString();
                    content = default;
                }
                else
                {
                    text = null;
                    content = JsonElement.ParseValue(ref reader);
                }
            }
            else if (reader.ValueTextEquals("name"u8))
            {
                reader.Read();
                name = MessageString(ref reader, index, ".name");
            }
            else if (reader.ValueTextEquals("tool_call_id"u8))
            {
                reader.Read();
                toolCallId = MessageString(ref reader, index, ".tool_call_id");
            }
            else if (reader.ValueTextEquals("tool_calls"u8))
            {
                reader.Read();
                toolCalls = JsonElement.ParseValue(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        ChatMessage result = role switch
        {
            "system" or "developer" => new ChatMessage(ChatRole.System, text ?? ReadText(content, MessagePath(index) + ".content")),
            "user" => text is not null ? new ChatMessage(ChatRole.User, text) : new ChatMessage(ChatRole.User, ReadParts(content, MessagePath(index) + ".content")),
            "assistant" => ReadAssistant(toolCalls, text, content, MessagePath(index)),
            "tool" => new ChatMessage(ChatRole.Tool, [new FunctionResultContent(
                toolCallId ?? throw new OpenAIRequestException(MessagePath(index) + ".tool_call_id", $"{MessagePath(index)}.tool_call_id is required in a tool message."),
                text ?? ReadText(content, MessagePath(index) + ".content"))]),
            null => throw new OpenAIRequestException(MessagePath(index) + ".role", $"{MessagePath(index)}.role is required: system, developer, user, assistant or tool."),
            _ => throw new OpenAIRequestException(MessagePath(index) + ".role", $"{MessagePath(index)}.role '{role}' is not valid. Valid roles: system, developer, user, assistant, tool."),
        };

        if (name is { Length: > 0 })
        {
            result.AuthorName = name;
        }

        return result;
    }

    private static string MessagePath(int index) => string.Create(CultureInfo.InvariantCulture, $"messages[{index}]");

    private static string? MessageString(ref Utf8JsonReader reader, int index, string member) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Null => null,
        _ => throw new OpenAIRequestException(MessagePath(index) + member, $"'{MessagePath(index)}{member}' must be a string, not {Describe(ref reader)}."),
    };

    private static bool ReadStreamOptions(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return false;
        }

        bool includeUsage = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool usage = reader.ValueTextEquals("include_usage"u8);
            reader.Read();
            if (usage)
            {
                includeUsage = Boolean(ref reader, "stream_options.include_usage") ?? false;
            }
            else
            {
                reader.Skip();
            }
        }

        return includeUsage;
    }

    private static List<string>? ReadStop(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String:
                return [reader.GetString()!];
            case JsonTokenType.StartArray:
                var stops = new List<string>(4);
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    stops.Add(reader.TokenType == JsonTokenType.String
                        ? reader.GetString()!
                        : throw new OpenAIRequestException("stop", $"'stop' must hold strings only, not {Describe(ref reader)}."));
                }

                return stops;
            default:
                throw new OpenAIRequestException("stop", $"'stop' must be a string or an array of strings, not {Describe(ref reader)}.");
        }
    }

    private static ReasoningEffort Effort(string effort) => effort switch
    {
        "none" => ReasoningEffort.None,
        "minimal" or "low" => ReasoningEffort.Low,
        "medium" => ReasoningEffort.Medium,
        "high" => ReasoningEffort.High,
        "xhigh" => ReasoningEffort.ExtraHigh,
        _ => throw new OpenAIRequestException("reasoning_effort", $"'reasoning_effort' '{effort}' is not valid. Valid values: none, minimal, low, medium, high, xhigh."),
    };

    /// <summary>Reads the next value as an element of its own (for the nested fields that are read as elements).</summary>
    private static JsonElement Element(ref Utf8JsonReader reader)
    {
        reader.Read();
        return JsonElement.ParseValue(ref reader);
    }

    private static string? String(ref Utf8JsonReader reader, string name) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Null => null,
        _ => throw new OpenAIRequestException(name, $"'{name}' must be a string, not {Describe(ref reader)}."),
    };

    private static bool? Boolean(ref Utf8JsonReader reader, string name) => reader.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        JsonTokenType.Null => null,
        _ => throw new OpenAIRequestException(name, $"'{name}' must be true or false, not {Describe(ref reader)}."),
    };

    private static float? Single(ref Utf8JsonReader reader, string name, double min, double max)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        return reader.TokenType == JsonTokenType.Number && reader.GetDouble() is var number && number >= min && number <= max
            ? (float)number
            : throw new OpenAIRequestException(name, string.Create(CultureInfo.InvariantCulture, $"'{name}' must be a number from {min} to {max}, not {Describe(ref reader)}."));
    }

    private static int? Integer(ref Utf8JsonReader reader, string name)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        return reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int number) && number > 0
            ? number
            : throw new OpenAIRequestException(name, $"'{name}' must be a positive integer, not {Describe(ref reader)}.");
    }

    /// <summary>Names the value under the reader for an error: a short string or number as written, anything else by its kind.</summary>
    private static string Describe(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String or JsonTokenType.Number:
                long length = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
                if (length > 38)
                {
                    return reader.TokenType == JsonTokenType.String ? "string" : "number";
                }

                string raw = reader.HasValueSequence ? Encoding.UTF8.GetString(reader.ValueSequence) : Encoding.UTF8.GetString(reader.ValueSpan);
                return reader.TokenType == JsonTokenType.String ? "\"" + raw + "\"" : raw;
            case JsonTokenType.StartObject:
                return "object";
            case JsonTokenType.StartArray:
                return "array";
            case JsonTokenType.True:
                return "true";
            case JsonTokenType.False:
                return "false";
            case JsonTokenType.Null:
                return "null";
            default:
                return "nothing";
        }
    }

    private static ChatMessage ReadAssistant(JsonElement calls, string? text, JsonElement content, string path)
    {
        var contents = new List<AIContent>();
        text ??= content.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null ? null : ReadText(content, path + ".content");
        if (text is { Length: > 0 })
        {
            contents.Add(new TextContent(text));
        }

        if (calls.ValueKind == JsonValueKind.Array)
        {
            int index = 0;
            foreach (JsonElement call in calls.EnumerateArray())
            {
                string callPath = $"{path}.tool_calls[{index++}]";
                string id = String(call, "id", callPath + ".id") ?? throw new OpenAIRequestException(callPath + ".id", $"{callPath}.id is required.");
                if (!call.TryGetProperty("function", out JsonElement function) || function.ValueKind != JsonValueKind.Object)
                {
                    throw new OpenAIRequestException(callPath + ".function", $"{callPath}.function is required: an object with a name and arguments.");
                }

                string name = String(function, "name", callPath + ".function.name")
                    ?? throw new OpenAIRequestException(callPath + ".function.name", $"{callPath}.function.name is required.");
                string? arguments = String(function, "arguments", callPath + ".function.arguments");
                contents.Add(new FunctionCallContent(id, name, ReadArguments(arguments, callPath + ".function.arguments")));
            }
        }

        return new ChatMessage(ChatRole.Assistant, contents);
    }

    private static Dictionary<string, object?>? ReadArguments(string? arguments, string path)
    {
        if (string.IsNullOrWhiteSpace(arguments))
        {
            return null;
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(arguments);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new OpenAIRequestException(path, $"{path} must be a JSON object encoded as a string.");
            }

            var result = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (JsonProperty property in document.RootElement.EnumerateObject())
            {
                result[property.Name] = property.Value.Clone();
            }

            return result;
        }
        catch (JsonException exception)
        {
            throw new OpenAIRequestException(path, $"{path} is not valid JSON: {exception.Message}");
        }
    }

    /// <summary>Reads content that must be text: a string, or an array of text parts.</summary>
    private static string ReadText(JsonElement content, string path)
    {
        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                return content.GetString()!;
            case JsonValueKind.Null or JsonValueKind.Undefined:
                return string.Empty;
            case JsonValueKind.Array:
                var text = new System.Text.StringBuilder();
                int index = 0;
                foreach (JsonElement part in content.EnumerateArray())
                {
                    string partPath = $"{path}[{index++}]";
                    if (String(part, "type", partPath + ".type") != "text")
                    {
                        throw new OpenAIRequestException(partPath + ".type", $"{partPath} must be a text part here.");
                    }

                    text.Append(String(part, "text", partPath + ".text"));
                }

                return text.ToString();
            default:
                throw new OpenAIRequestException(path, $"{path} must be a string or an array of text parts, not {Describe(content)}.");
        }
    }

    /// <summary>Reads a user message's content: a string, or an array of text, image, audio and file parts.</summary>
    private static List<AIContent> ReadParts(JsonElement content, string path)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            return [new TextContent(content.GetString())];
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            throw new OpenAIRequestException(path, $"{path} must be a string or an array of content parts, not {Describe(content)}.");
        }

        var parts = new List<AIContent>(content.GetArrayLength());
        int index = 0;
        foreach (JsonElement part in content.EnumerateArray())
        {
            string partPath = $"{path}[{index++}]";
            string? type = String(part, "type", partPath + ".type");
            parts.Add(type switch
            {
                "text" => new TextContent(String(part, "text", partPath + ".text") ?? string.Empty),
                "image_url" => ReadImage(part, partPath),
                "input_audio" => ReadAudio(part, partPath),
                "file" => ReadFile(part, partPath),
                _ => throw new OpenAIRequestException(partPath + ".type", $"{partPath}.type '{type}' is not valid. Valid types: text, image_url, input_audio, file."),
            });
        }

        return parts;
    }

    private static AIContent ReadImage(JsonElement part, string path)
    {
        string? url = part.TryGetProperty("image_url", out JsonElement image) && image.ValueKind == JsonValueKind.Object
            ? String(image, "url", path + ".image_url.url")
            : null;
        if (url is null)
        {
            throw new OpenAIRequestException(path + ".image_url.url", $"{path}.image_url.url is required: an https URL or a data URI.");
        }

        if (url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            return DataUri(url, path + ".image_url.url");
        }

        return Uri.TryCreate(url, UriKind.Absolute, out Uri? uri)
            ? new UriContent(uri, "image/*")
            : throw new OpenAIRequestException(path + ".image_url.url", $"{path}.image_url.url is neither an absolute URL nor a data URI.");
    }

    private static DataContent ReadAudio(JsonElement part, string path)
    {
        if (!part.TryGetProperty("input_audio", out JsonElement audio) || audio.ValueKind != JsonValueKind.Object ||
            String(audio, "data", path + ".input_audio.data") is not { } data)
        {
            throw new OpenAIRequestException(path + ".input_audio.data", $"{path}.input_audio.data is required: base64 audio.");
        }

        string format = String(audio, "format", path + ".input_audio.format") ?? "mp3";
        return DataUri($"data:audio/{format};base64,{data}", path + ".input_audio.data");
    }

    private static DataContent ReadFile(JsonElement part, string path)
    {
        if (!part.TryGetProperty("file", out JsonElement file) || file.ValueKind != JsonValueKind.Object ||
            String(file, "file_data", path + ".file.file_data") is not { } data)
        {
            throw new OpenAIRequestException(path + ".file.file_data", $"{path}.file.file_data is required: a data URI (uploaded file ids are not supported).");
        }

        DataContent content = DataUri(data, path + ".file.file_data");
        content.Name = String(file, "filename", path + ".file.filename");
        return content;
    }

    private static DataContent DataUri(string uri, string path)
    {
        try
        {
            return new DataContent(uri);
        }
        catch (FormatException exception)
        {
            throw new OpenAIRequestException(path, $"{path} is not a valid base64 data URI: {exception.Message}");
        }
        catch (ArgumentException exception)
        {
            throw new OpenAIRequestException(path, $"{path} is not a valid data URI: {exception.Message}");
        }
    }

    private static ChatResponseFormat ReadResponseFormat(JsonElement format)
    {
        string? type = format.ValueKind == JsonValueKind.Object ? String(format, "type", "response_format.type") : null;
        switch (type)
        {
            case "text":
                return ChatResponseFormat.Text;
            case "json_object":
                return ChatResponseFormat.Json;
            case "json_schema":
                if (!format.TryGetProperty("json_schema", out JsonElement schema) || schema.ValueKind != JsonValueKind.Object ||
                    !schema.TryGetProperty("schema", out JsonElement body) || body.ValueKind != JsonValueKind.Object)
                {
                    throw new OpenAIRequestException("response_format.json_schema.schema", "response_format.json_schema.schema is required: a JSON schema object.");
                }

                return ChatResponseFormat.ForJsonSchema(
                    body.Clone(),
                    String(schema, "name", "response_format.json_schema.name"),
                    String(schema, "description", "response_format.json_schema.description"));
            default:
                throw new OpenAIRequestException("response_format.type", $"response_format.type '{type}' is not valid. Valid types: text, json_object, json_schema.");
        }
    }

    private static List<AITool> ReadTools(JsonElement tools)
    {
        if (tools.ValueKind != JsonValueKind.Array)
        {
            throw new OpenAIRequestException("tools", $"'tools' must be an array of function tools, not {Describe(tools)}.");
        }

        var result = new List<AITool>(tools.GetArrayLength());
        int index = 0;
        foreach (JsonElement tool in tools.EnumerateArray())
        {
            string path = $"tools[{index++}]";
            if (String(tool, "type", path + ".type") != "function" || !tool.TryGetProperty("function", out JsonElement function) || function.ValueKind != JsonValueKind.Object)
            {
                throw new OpenAIRequestException(path, $"{path} must be a function tool: {{\"type\": \"function\", \"function\": {{\"name\", \"parameters\"}}}}.");
            }

            string name = String(function, "name", path + ".function.name")
                ?? throw new OpenAIRequestException(path + ".function.name", $"{path}.function.name is required.");
            JsonElement parameters = function.TryGetProperty("parameters", out JsonElement schema) && schema.ValueKind == JsonValueKind.Object
                ? schema.Clone()
                : EmptySchema;
            result.Add(AIFunctionFactory.CreateDeclaration(name, String(function, "description", path + ".function.description"), parameters));
        }

        return result;
    }

    private static readonly JsonElement EmptySchema = JsonDocument.Parse("""{"type":"object","properties":{}}""").RootElement;

    private static ChatToolMode ReadToolChoice(JsonElement choice)
    {
        if (choice.ValueKind == JsonValueKind.String)
        {
            return choice.GetString() switch
            {
                "none" => ChatToolMode.None,
                "auto" => ChatToolMode.Auto,
                "required" => ChatToolMode.RequireAny,
                var other => throw new OpenAIRequestException("tool_choice", $"'tool_choice' '{other}' is not valid. Valid values: none, auto, required, or a function object."),
            };
        }

        if (choice.ValueKind == JsonValueKind.Object && choice.TryGetProperty("function", out JsonElement function) &&
            function.ValueKind == JsonValueKind.Object && String(function, "name", "tool_choice.function.name") is { } name)
        {
            return ChatToolMode.RequireSpecific(name);
        }

        throw new OpenAIRequestException("tool_choice", "'tool_choice' must be none, auto, required or {\"type\": \"function\", \"function\": {\"name\": …}}.");
    }

    private static string? String(JsonElement element, string name, string? path = null)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new OpenAIRequestException(path ?? name, $"'{path ?? name}' must be a string, not {Describe(value)}.");
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String or JsonValueKind.Number => value.GetRawText() is { Length: <= 40 } raw ? raw : value.ValueKind.ToString().ToLowerInvariant(),
        JsonValueKind.Undefined => "nothing",
        _ => value.ValueKind.ToString().ToLowerInvariant(),
    };
}
