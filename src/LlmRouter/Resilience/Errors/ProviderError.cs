namespace LlmRouter;

/// <summary>The classification of one failed call: its kind, HTTP status code and Retry-After hint.</summary>
/// <param name="Kind">What went wrong.</param>
/// <param name="StatusCode">The HTTP status code, when the failure came from an HTTP response.</param>
/// <param name="RetryAfter">How long the provider asked the caller to wait, when it said so.</param>
public readonly record struct ProviderError(ProviderErrorKind Kind, int? StatusCode = null, TimeSpan? RetryAfter = null);
