using System.Net;

namespace LlmRouter;

/// <summary>
/// A failed call to an LLM provider, already classified: the error kind, the HTTP status code, the provider's
/// own error type and code, and how long the provider asked the caller to wait.
/// </summary>
/// <remarks>
/// Built-in provider clients throw this type; custom <see cref="Microsoft.Extensions.AI.IChatClient"/>
/// implementations may throw it too, so the router needs no classifier for them. It derives from
/// <see cref="HttpRequestException"/>, so code that catches HTTP failures keeps working.
/// The message never contains credentials.
/// </remarks>
public class ProviderException : HttpRequestException
{
    /// <summary>Creates an exception of an explicit <paramref name="kind"/>.</summary>
    /// <param name="message">What failed, without credentials.</param>
    /// <param name="kind">The classification the router acts on.</param>
    /// <param name="statusCode">The HTTP status code, if the failure came from an HTTP response.</param>
    /// <param name="innerException">The underlying exception, if any.</param>
    public ProviderException(string message, ProviderErrorKind kind, HttpStatusCode? statusCode = null, Exception? innerException = null)
        : base(ToHttpRequestError(kind), message, innerException, statusCode)
    {
        Kind = kind;
    }

    /// <summary>Creates an exception whose kind follows from the HTTP <paramref name="statusCode"/> (429 → RateLimited, 503 → Overloaded, …).</summary>
    /// <param name="statusCode">The HTTP status code of the failed response.</param>
    /// <param name="message">What failed, without credentials; defaults to a description of the status code.</param>
    /// <param name="innerException">The underlying exception, if any.</param>
    public ProviderException(HttpStatusCode statusCode, string? message = null, Exception? innerException = null)
        : this(
            message ?? $"The provider answered HTTP {(int)statusCode} ({statusCode}).",
            ProviderErrorClassifier.FromStatusCode((int)statusCode),
            statusCode,
            innerException)
    {
    }

    /// <summary>Gets the classification the router acts on.</summary>
    public ProviderErrorKind Kind { get; }

    /// <summary>Gets how long the provider asked the caller to wait before the next call, when it said so.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>Gets the name of the provider that failed (for example <c>openai</c>), when known.</summary>
    public string? ProviderName { get; init; }

    /// <summary>Gets the provider's error type (for example <c>invalid_request_error</c>), when the error body had one.</summary>
    public string? ErrorType { get; init; }

    /// <summary>Gets the provider's error code (for example <c>context_length_exceeded</c>), when the error body had one.</summary>
    public string? ErrorCode { get; init; }

    /// <summary>
    /// Gets the tokens the provider reported for the failed call, when it billed some (a stream that broke after usage was
    /// sent, a response refused after generation); the router costs a failed attempt by it.
    /// </summary>
    public Microsoft.Extensions.AI.UsageDetails? Usage { get; init; }

    private static HttpRequestError ToHttpRequestError(ProviderErrorKind kind) => kind switch
    {
        ProviderErrorKind.Transport => HttpRequestError.ConnectionError,
        ProviderErrorKind.InvalidResponse => HttpRequestError.InvalidResponse,
        _ => HttpRequestError.Unknown,
    };
}
