using System.Globalization;

namespace LlmRouter;

/// <summary>
/// A caller's request was refused because a rate limit on that caller (requests or tokens per window) was reached.
/// </summary>
/// <remarks>Nothing was sent to a provider. Retry after <see cref="RetryAfter"/> (at <see cref="ResetsAt"/>), or raise the limit.</remarks>
public sealed class RateLimitExceededException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="route">The route the caller asked for.</param>
    /// <param name="caller">The caller's key.</param>
    /// <param name="limitName">What the limit counts, for example <c>requests</c> or <c>tokens</c>.</param>
    /// <param name="limit">The limit per window.</param>
    /// <param name="window">The window the limit counts over.</param>
    /// <param name="resetsAt">When enough of the window has passed for the request to be admitted.</param>
    /// <param name="retryAfter">How long from the refusal until <paramref name="resetsAt"/>.</param>
    public RateLimitExceededException(string route, string caller, string limitName, long limit, TimeSpan window, DateTimeOffset resetsAt, TimeSpan retryAfter)
        : base(Describe(route, caller, limitName, limit, window, resetsAt, retryAfter))
    {
        Route = route;
        Caller = caller;
        LimitName = limitName;
        Limit = limit;
        Window = window;
        ResetsAt = resetsAt;
        RetryAfter = retryAfter < TimeSpan.Zero ? TimeSpan.Zero : retryAfter;
    }

    /// <summary>Gets the route the caller asked for.</summary>
    public string Route { get; }

    /// <summary>Gets the caller's key.</summary>
    public string Caller { get; }

    /// <summary>Gets what the limit counts: <c>requests</c> or <c>tokens</c>.</summary>
    public string LimitName { get; }

    /// <summary>Gets the limit per window.</summary>
    public long Limit { get; }

    /// <summary>Gets the window the limit counts over.</summary>
    public TimeSpan Window { get; }

    /// <summary>Gets when the request would be admitted.</summary>
    public DateTimeOffset ResetsAt { get; }

    /// <summary>Gets how long to wait before retrying (never negative).</summary>
    public TimeSpan RetryAfter { get; }

    private static string Describe(string route, string caller, string limitName, long limit, TimeSpan window, DateTimeOffset resetsAt, TimeSpan retryAfter) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"Route '{route}': caller '{caller}' reached its limit of {limit} {limitName} per {window}; " +
            $"retry after {Math.Max(0, retryAfter.TotalSeconds):0.###} s (at {resetsAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC).");
}
