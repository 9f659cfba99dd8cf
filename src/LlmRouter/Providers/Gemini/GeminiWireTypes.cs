using System.Text.Json;
using System.Text.Json.Serialization;

namespace LlmRouter;

// The response side of Gemini generateContent; requests are written directly (GeminiRequestWriter).

/// <summary>A generateContent response, or one streamed chunk of one.</summary>
internal sealed class GeminiResponse
{
    public List<GeminiCandidate>? Candidates { get; set; }

    public GeminiPromptFeedback? PromptFeedback { get; set; }

    public GeminiUsage? UsageMetadata { get; set; }

    public string? ModelVersion { get; set; }

    public string? ResponseId { get; set; }

    /// <summary>An error sent in place of a chunk mid-stream.</summary>
    public GeminiError? Error { get; set; }
}

internal sealed class GeminiCandidate
{
    public GeminiContent? Content { get; set; }

    public string? FinishReason { get; set; }

    public string? FinishMessage { get; set; }
}

internal sealed class GeminiContent
{
    public string? Role { get; set; }

    public List<GeminiPart>? Parts { get; set; }
}

internal sealed class GeminiPart
{
    public string? Text { get; set; }

    public bool? Thought { get; set; }

    public string? ThoughtSignature { get; set; }

    public GeminiFunctionCall? FunctionCall { get; set; }

    public GeminiInlineData? InlineData { get; set; }
}

internal sealed class GeminiFunctionCall
{
    public string? Id { get; set; }

    public string? Name { get; set; }

    public JsonElement Args { get; set; }
}

internal sealed class GeminiInlineData
{
    public string? MimeType { get; set; }

    public string? Data { get; set; }
}

internal sealed class GeminiPromptFeedback
{
    public string? BlockReason { get; set; }

    public string? BlockReasonMessage { get; set; }
}

internal sealed class GeminiUsage
{
    public long? PromptTokenCount { get; set; }

    public long? CandidatesTokenCount { get; set; }

    public long? TotalTokenCount { get; set; }

    public long? CachedContentTokenCount { get; set; }

    public long? ThoughtsTokenCount { get; set; }

    public long? ToolUsePromptTokenCount { get; set; }
}

/// <summary>A Google API error body: <c>{"error": {"code", "message", "status", "details"}}</c>.</summary>
internal sealed class GeminiErrorBody
{
    public GeminiError? Error { get; set; }
}

internal sealed class GeminiError
{
    public int? Code { get; set; }

    public string? Message { get; set; }

    public string? Status { get; set; }

    public List<GeminiErrorDetail>? Details { get; set; }
}

/// <summary>One entry of <c>details</c>: an <c>ErrorInfo</c> (with <c>reason</c>) or a <c>RetryInfo</c> (with <c>retryDelay</c>).</summary>
internal sealed class GeminiErrorDetail
{
    [JsonPropertyName("@type")]
    public string? Type { get; set; }

    public string? Reason { get; set; }

    public string? RetryDelay { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(GeminiResponse))]
[JsonSerializable(typeof(GeminiErrorBody))]
[JsonSerializable(typeof(List<GeminiErrorBody>))]
internal sealed partial class GeminiJsonContext : JsonSerializerContext;
