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

    public string? Content { get; set; }

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
