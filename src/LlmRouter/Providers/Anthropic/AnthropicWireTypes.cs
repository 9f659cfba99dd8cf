using System.Text.Json;
using System.Text.Json.Serialization;

namespace LlmRouter;

// The response side of Anthropic Messages; requests are written directly (AnthropicRequestWriter).

/// <summary>A message: the whole response, or the <c>message</c> of a <c>message_start</c> event.</summary>
internal sealed class AnthropicMessage
{
    public string? Id { get; set; }

    public string? Type { get; set; }

    public string? Model { get; set; }

    public List<AnthropicContentBlock>? Content { get; set; }

    public string? StopReason { get; set; }

    public string? StopSequence { get; set; }

    public AnthropicUsage? Usage { get; set; }

    /// <summary>Set when a 200 response carries an error, which a proxy may send.</summary>
    public AnthropicError? Error { get; set; }
}

/// <summary>A content block: <c>text</c>, <c>thinking</c>, <c>redacted_thinking</c> or <c>tool_use</c>.</summary>
internal sealed class AnthropicContentBlock
{
    public string? Type { get; set; }

    public string? Text { get; set; }

    public string? Thinking { get; set; }

    public string? Signature { get; set; }

    public string? Data { get; set; }

    public string? Id { get; set; }

    public string? Name { get; set; }

    public JsonElement Input { get; set; }
}

internal sealed class AnthropicUsage
{
    public long? InputTokens { get; set; }

    public long? OutputTokens { get; set; }

    public long? CacheCreationInputTokens { get; set; }

    /// <summary>The cache writes split by the cache's lifetime.</summary>
    public AnthropicCacheCreation? CacheCreation { get; set; }

    public long? CacheReadInputTokens { get; set; }
}

internal sealed class AnthropicCacheCreation
{
    [JsonPropertyName("ephemeral_5m_input_tokens")]
    public long? Ephemeral5mInputTokens { get; set; }

    [JsonPropertyName("ephemeral_1h_input_tokens")]
    public long? Ephemeral1hInputTokens { get; set; }
}

/// <summary>One streamed event; which members are set depends on <see cref="Type"/>.</summary>
internal sealed class AnthropicStreamEvent
{
    public string? Type { get; set; }

    public AnthropicMessage? Message { get; set; }

    public int Index { get; set; }

    public AnthropicContentBlock? ContentBlock { get; set; }

    public AnthropicDelta? Delta { get; set; }

    public AnthropicUsage? Usage { get; set; }

    public AnthropicError? Error { get; set; }
}

/// <summary>The <c>delta</c> of <c>content_block_delta</c> and <c>message_delta</c> events.</summary>
internal sealed class AnthropicDelta
{
    public string? Type { get; set; }

    public string? Text { get; set; }

    public string? PartialJson { get; set; }

    public string? Thinking { get; set; }

    public string? Signature { get; set; }

    public string? StopReason { get; set; }

    public string? StopSequence { get; set; }
}

/// <summary>An error body or <c>error</c> event: <c>{"type": "error", "error": {"type", "message"}}</c>.</summary>
internal sealed class AnthropicErrorBody
{
    public AnthropicError? Error { get; set; }
}

internal sealed class AnthropicError
{
    public string? Type { get; set; }

    public string? Message { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(AnthropicMessage))]
[JsonSerializable(typeof(AnthropicStreamEvent))]
[JsonSerializable(typeof(AnthropicErrorBody))]
internal sealed partial class AnthropicJsonContext : JsonSerializerContext;
