using System.Text.Json;
using System.Text.Json.Serialization;

namespace LlmRouter;

// The response side of OpenAI chat completions, as much as is mapped; unknown members are skipped by the reader.
// Requests are written directly with Utf8JsonWriter (OpenAIRequestWriter), so no request types exist.

/// <summary>A chat completion, or one streamed chunk of one.</summary>
internal sealed class OpenAIChatCompletion
{
    /// <summary>The chunk that stands for the <c>data: [DONE]</c> sentinel.</summary>
    public static readonly OpenAIChatCompletion Done = new();

    public string? Id { get; set; }

    public long? Created { get; set; }

    public string? Model { get; set; }

    public List<OpenAIChoice>? Choices { get; set; }

    public OpenAIUsage? Usage { get; set; }

    /// <summary>The processing tier that served the request (<c>default</c>, <c>flex</c>, <c>priority</c>, <c>fast</c>, <c>scale</c>); OpenAI and Groq send it.</summary>
    public string? ServiceTier { get; set; }

    /// <summary>An error some compatible servers (OpenRouter, vLLM) put in a chunk mid-stream.</summary>
    public OpenAIError? Error { get; set; }
}

internal sealed class OpenAIChoice
{
    public int Index { get; set; }

    public OpenAIMessage? Message { get; set; }

    public OpenAIMessage? Delta { get; set; }

    public string? FinishReason { get; set; }
}

internal sealed class OpenAIMessage
{
    public string? Role { get; set; }

    /// <summary>The text: a string, or (Mistral) an array of text and thinking parts.</summary>
    [JsonConverter(typeof(OpenAIContentConverter))]
    public OpenAIContent Content { get; set; }

    public string? Refusal { get; set; }

    /// <summary>Reasoning text as DeepSeek, Qwen and vLLM return it.</summary>
    public string? ReasoningContent { get; set; }

    /// <summary>Reasoning text as OpenRouter, Groq and Ollama return it.</summary>
    public string? Reasoning { get; set; }

    public List<OpenAIToolCall>? ToolCalls { get; set; }
}

internal sealed class OpenAIToolCall
{
    public int? Index { get; set; }

    public string? Id { get; set; }

    public string? Type { get; set; }

    public OpenAIFunctionCall? Function { get; set; }
}

internal sealed class OpenAIFunctionCall
{
    public string? Name { get; set; }

    public string? Arguments { get; set; }
}

internal sealed class OpenAIUsage
{
    public long? PromptTokens { get; set; }

    public long? CompletionTokens { get; set; }

    public long? TotalTokens { get; set; }

    public OpenAIPromptTokensDetails? PromptTokensDetails { get; set; }

    public OpenAICompletionTokensDetails? CompletionTokensDetails { get; set; }

    /// <summary>DeepSeek's count of prompt tokens served from its context cache.</summary>
    public long? PromptCacheHitTokens { get; set; }
}

internal sealed class OpenAIPromptTokensDetails
{
    public long? CachedTokens { get; set; }

    /// <summary>Prompt tokens written to the prompt cache, which newer OpenAI models (and OpenRouter) bill above the input price.</summary>
    public long? CacheWriteTokens { get; set; }
}

internal sealed class OpenAICompletionTokensDetails
{
    public long? ReasoningTokens { get; set; }
}

/// <summary>The <c>error</c> object of an error body: <c>{"error": {"message", "type", "param", "code"}}</c>.</summary>
internal sealed class OpenAIErrorBody
{
    public OpenAIError? Error { get; set; }
}

internal sealed class OpenAIError
{
    public string? Message { get; set; }

    public string? Type { get; set; }

    /// <summary>A string (<c>context_length_exceeded</c>) at OpenAI, a number (the HTTP status) at some compatible servers.</summary>
    public JsonElement Code { get; set; }

    public OpenAIInnerError? Innererror { get; set; }
}

/// <summary>Azure's details of a content-filter rejection.</summary>
internal sealed class OpenAIInnerError
{
    public string? Code { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(OpenAIChatCompletion))]
[JsonSerializable(typeof(OpenAIErrorBody))]
internal sealed partial class OpenAIJsonContext : JsonSerializerContext;

/// <summary>A message's <c>content</c>: its text, and the reasoning that Mistral's reasoning models send as thinking parts.</summary>
internal readonly record struct OpenAIContent(string? Text, string? Reasoning);

/// <summary>
/// Reads <c>content</c> as a string, as null, or as an array of parts (Mistral): <c>text</c> parts make the text, <c>thinking</c>
/// parts (whose own text is a string or an array of text parts) the reasoning; other parts (images, references) are skipped.
/// </summary>
internal sealed class OpenAIContentConverter : JsonConverter<OpenAIContent>
{
    public override bool HandleNull => true;

    public override OpenAIContent Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return default;
            case JsonTokenType.String:
                return new OpenAIContent(reader.GetString(), null);
            case JsonTokenType.StartArray:
                string? text = null;
                string? reasoning = null;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    ReadPart(ref reader, ref text, ref reasoning);
                }

                return new OpenAIContent(text, reasoning);
            default:
                throw new JsonException($"Expected the content as a string, null or an array of parts, not {reader.TokenType}.");
        }
    }

    public override void Write(Utf8JsonWriter writer, OpenAIContent value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.Text);

    private static void ReadPart(ref Utf8JsonReader reader, ref string? text, ref string? reasoning)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            text += reader.GetString();
            return;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"Expected a content part as an object, not {reader.TokenType}.");
        }

        // A part's members may come in any order: hold its text until its type is known.
        string? type = null;
        string? partText = null;
        string? thinking = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                type = reader.GetString();
            }
            else if (reader.ValueTextEquals("text"u8))
            {
                reader.Read();
                partText = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }
            else if (reader.ValueTextEquals("thinking"u8))
            {
                reader.Read();
                thinking = ReadThinking(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (type == "text")
        {
            text += partText;
        }
        else if (type == "thinking")
        {
            reasoning += thinking;
        }
    }

    private static string? ReadThinking(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return null;
        }

        string? thinking = null;
        string? ignored = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            ReadPart(ref reader, ref thinking, ref ignored);
        }

        return thinking;
    }
}
