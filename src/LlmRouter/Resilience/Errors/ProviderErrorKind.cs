namespace LlmRouter;

/// <summary>
/// What went wrong in a call to a deployment, classified once from status codes, provider error bodies,
/// headers and exception types. The kind decides whether the router retries the same deployment,
/// falls back to the next candidate, or fails the request.
/// </summary>
/// <remarks>
/// <list type="table">
/// <listheader><term>kind</term><description>retry same deployment / fall back to next</description></listheader>
/// <item><term><see cref="RateLimited"/></term><description>yes, honouring Retry-After up to a cap / yes</description></item>
/// <item><term><see cref="Overloaded"/>, <see cref="ServerError"/></term><description>yes / yes</description></item>
/// <item><term><see cref="Timeout"/>, <see cref="Transport"/>, <see cref="InvalidResponse"/></term><description>yes / yes</description></item>
/// <item><term><see cref="ContextLengthExceeded"/></term><description>no / only to deployments with a larger context window</description></item>
/// <item><term><see cref="ContentFiltered"/></term><description>no / only when the route enables it</description></item>
/// <item><term><see cref="Authentication"/>, <see cref="PermissionDenied"/>, <see cref="NotFound"/>, <see cref="QuotaExceeded"/></term><description>no / yes</description></item>
/// <item><term><see cref="Unknown"/></term><description>no / yes</description></item>
/// <item><term><see cref="BadRequest"/></term><description>no / no: the request itself is wrong</description></item>
/// <item><term><see cref="Cancelled"/></term><description>no / no: the caller cancelled; never counted as a failure</description></item>
/// </list>
/// </remarks>
public enum ProviderErrorKind
{
    /// <summary>The failure could not be classified. Not retried; the router falls back.</summary>
    Unknown = 0,

    /// <summary>The provider rejected the call for exceeding a rate limit (HTTP 429).</summary>
    RateLimited = 1,

    /// <summary>The provider is temporarily overloaded (HTTP 503, Anthropic 529).</summary>
    Overloaded = 2,

    /// <summary>The provider failed internally (HTTP 500, 502 and other 5xx).</summary>
    ServerError = 3,

    /// <summary>The call timed out (HTTP 408, 504, a client-side timeout).</summary>
    Timeout = 4,

    /// <summary>The connection failed or broke (DNS, TCP, TLS, a response cut short).</summary>
    Transport = 5,

    /// <summary>The provider answered with something unusable: malformed JSON, a truncated or empty stream.</summary>
    InvalidResponse = 6,

    /// <summary>The prompt plus requested output do not fit the model's context window.</summary>
    ContextLengthExceeded = 7,

    /// <summary>The provider's content filter blocked the prompt or the completion.</summary>
    ContentFiltered = 8,

    /// <summary>The credentials were missing or rejected (HTTP 401).</summary>
    Authentication = 9,

    /// <summary>The credentials are valid but not allowed to use this model or endpoint (HTTP 403).</summary>
    PermissionDenied = 10,

    /// <summary>The model or endpoint does not exist (HTTP 404).</summary>
    NotFound = 11,

    /// <summary>The account is out of credit or quota; waiting will not help.</summary>
    QuotaExceeded = 12,

    /// <summary>The request itself is invalid (HTTP 400, 422 and other 4xx not listed above).</summary>
    BadRequest = 13,

    /// <summary>The caller cancelled the request.</summary>
    Cancelled = 14,
}
