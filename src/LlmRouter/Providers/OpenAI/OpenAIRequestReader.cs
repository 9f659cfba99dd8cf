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
    public static OpenAIRequest Read(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw new OpenAIRequestException("body", $"The request body must be a JSON object, not {Describe(body)}.");
        }

        string model = body.TryGetProperty("model", out JsonElement modelElement) && modelElement.ValueKind == JsonValueKind.String && modelElement.GetString() is { Length: > 0 } name
            ? name
            : throw new OpenAIRequestException("model", "The 'model' field is required: a string naming a route (GET /v1/models lists them).");

        if (!body.TryGetProperty("messages", out JsonElement messagesElement) || messagesElement.ValueKind != JsonValueKind.Array || messagesElement.GetArrayLength() == 0)
        {
            throw new OpenAIRequestException("messages", "The 'messages' field is required: a non-empty array of messages.");
        }

        var messages = new List<ChatMessage>(messagesElement.GetArrayLength());
        int index = 0;
        foreach (JsonElement message in messagesElement.EnumerateArray())
        {
            messages.Add(ReadMessage(message, $"messages[{index++}]"));
        }

        var options = new ChatOptions { ModelId = model };
        bool stream = Boolean(body, "stream") ?? false;
        bool includeUsage = false;
        if (body.TryGetProperty("stream_options", out JsonElement streamOptions) && streamOptions.ValueKind == JsonValueKind.Object)
        {
            includeUsage = Boolean(streamOptions, "include_usage", "stream_options.include_usage") ?? false;
        }

        if (body.TryGetProperty("n", out JsonElement n) && n.ValueKind != JsonValueKind.Null && (n.ValueKind != JsonValueKind.Number || n.GetDouble() != 1))
        {
            throw new OpenAIRequestException("n", "Only n = 1 is supported: the router serves one choice per request.");
        }

        ReadOptions(body, options);
        return new OpenAIRequest(model, messages, options, stream, includeUsage);
    }

    private static void ReadOptions(JsonElement body, ChatOptions options)
    {
        options.Temperature = Single(body, "temperature", 0, 2);
        options.TopP = Single(body, "top_p", 0, 1);
        options.FrequencyPenalty = Single(body, "frequency_penalty", -2, 2);
        options.PresencePenalty = Single(body, "presence_penalty", -2, 2);
        options.MaxOutputTokens = Integer(body, "max_completion_tokens") ?? Integer(body, "max_tokens");
        if (body.TryGetProperty("seed", out JsonElement seed) && seed.ValueKind != JsonValueKind.Null)
        {
            options.Seed = seed.ValueKind == JsonValueKind.Number && seed.TryGetInt64(out long value)
                ? value
                : throw new OpenAIRequestException("seed", $"'seed' must be an integer, not {Describe(seed)}.");
        }

        if (body.TryGetProperty("stop", out JsonElement stop))
        {
            options.StopSequences = stop.ValueKind switch
            {
                JsonValueKind.Null => null,
                JsonValueKind.String => [stop.GetString()!],
                JsonValueKind.Array => Strings(stop, "stop"),
                _ => throw new OpenAIRequestException("stop", $"'stop' must be a string or an array of strings, not {Describe(stop)}."),
            };
        }

        if (String(body, "reasoning_effort") is { } effort)
        {
            options.Reasoning = new ReasoningOptions
            {
                Effort = effort switch
                {
                    "none" => ReasoningEffort.None,
                    "minimal" or "low" => ReasoningEffort.Low,
                    "medium" => ReasoningEffort.Medium,
                    "high" => ReasoningEffort.High,
                    "xhigh" => ReasoningEffort.ExtraHigh,
                    _ => throw new OpenAIRequestException("reasoning_effort", $"'reasoning_effort' '{effort}' is not valid. Valid values: none, minimal, low, medium, high, xhigh."),
                },
            };
        }

        if (body.TryGetProperty("response_format", out JsonElement format) && format.ValueKind != JsonValueKind.Null)
        {
            options.ResponseFormat = ReadResponseFormat(format);
        }

        if (body.TryGetProperty("tools", out JsonElement tools) && tools.ValueKind != JsonValueKind.Null)
        {
            options.Tools = ReadTools(tools);
        }

        if (body.TryGetProperty("tool_choice", out JsonElement toolChoice) && toolChoice.ValueKind != JsonValueKind.Null)
        {
            options.ToolMode = ReadToolChoice(toolChoice);
        }

        options.AllowMultipleToolCalls = Boolean(body, "parallel_tool_calls");
    }

    private static ChatMessage ReadMessage(JsonElement message, string path)
    {
        if (message.ValueKind != JsonValueKind.Object)
        {
            throw new OpenAIRequestException(path, $"{path} must be an object with a role and content, not {Describe(message)}.");
        }

        string role = String(message, "role", path + ".role")
            ?? throw new OpenAIRequestException(path + ".role", $"{path}.role is required: system, developer, user, assistant or tool.");
        message.TryGetProperty("content", out JsonElement content);
        var result = role switch
        {
            "system" or "developer" => new ChatMessage(ChatRole.System, ReadText(content, path + ".content")),
            "user" => new ChatMessage(ChatRole.User, ReadParts(content, path + ".content")),
            "assistant" => ReadAssistant(message, content, path),
            "tool" => new ChatMessage(ChatRole.Tool, [new FunctionResultContent(
                String(message, "tool_call_id", path + ".tool_call_id") ?? throw new OpenAIRequestException(path + ".tool_call_id", $"{path}.tool_call_id is required in a tool message."),
                ReadText(content, path + ".content"))]),
            _ => throw new OpenAIRequestException(path + ".role", $"{path}.role '{role}' is not valid. Valid roles: system, developer, user, assistant, tool."),
        };

        if (String(message, "name", path + ".name") is { Length: > 0 } name)
        {
            result.AuthorName = name;
        }

        return result;
    }

    private static ChatMessage ReadAssistant(JsonElement message, JsonElement content, string path)
    {
        var contents = new List<AIContent>();
        if (content.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null) && ReadText(content, path + ".content") is { Length: > 0 } text)
        {
            contents.Add(new TextContent(text));
        }

        if (message.TryGetProperty("tool_calls", out JsonElement calls) && calls.ValueKind == JsonValueKind.Array)
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

    private static List<string> Strings(JsonElement array, string path)
    {
        var result = new List<string>(array.GetArrayLength());
        foreach (JsonElement item in array.EnumerateArray())
        {
            result.Add(item.ValueKind == JsonValueKind.String
                ? item.GetString()!
                : throw new OpenAIRequestException(path, $"'{path}' must hold strings only, not {Describe(item)}."));
        }

        return result;
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

    private static bool? Boolean(JsonElement element, string name, string? path = null)
    {
        if (!element.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new OpenAIRequestException(path ?? name, $"'{path ?? name}' must be true or false, not {Describe(value)}."),
        };
    }

    private static float? Single(JsonElement element, string name, double min, double max)
    {
        if (!element.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.GetDouble() is var number && number >= min && number <= max
            ? (float)number
            : throw new OpenAIRequestException(name, $"'{name}' must be a number from {min} to {max}, not {Describe(value)}.");
    }

    private static int? Integer(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int number) && number > 0
            ? number
            : throw new OpenAIRequestException(name, $"'{name}' must be a positive integer, not {Describe(value)}.");
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String or JsonValueKind.Number => value.GetRawText() is { Length: <= 40 } raw ? raw : value.ValueKind.ToString().ToLowerInvariant(),
        JsonValueKind.Undefined => "nothing",
        _ => value.ValueKind.ToString().ToLowerInvariant(),
    };
}
