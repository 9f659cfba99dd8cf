namespace LlmRouter;

/// <summary>What a provider's error body said: its error type, code and message, and the kind and wait they imply.</summary>
/// <param name="Type">The provider's error type (<c>invalid_request_error</c>, <c>INVALID_ARGUMENT</c>).</param>
/// <param name="Code">The provider's error code (<c>context_length_exceeded</c>), as text.</param>
/// <param name="Message">The provider's message.</param>
/// <param name="Kind">The kind the body implies on its own (a context-length message, a quota code), or null to go by the status code.</param>
/// <param name="RetryAfter">A wait the body asks for (Gemini's <c>RetryInfo</c>), used when no header gives one.</param>
internal readonly record struct ProviderErrorDetails(
    string? Type = null,
    string? Code = null,
    string? Message = null,
    ProviderErrorKind? Kind = null,
    TimeSpan? RetryAfter = null);

/// <summary>Reads a provider's error body; must not throw.</summary>
internal delegate ProviderErrorDetails ErrorBodyParser(ReadOnlySpan<byte> body);
