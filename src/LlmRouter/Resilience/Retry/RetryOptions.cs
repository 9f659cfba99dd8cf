using System.ComponentModel.DataAnnotations;

namespace LlmRouter;

/// <summary>
/// How the router retries the same deployment before moving on to the next candidate. Retries happen only before a
/// stream's commit point, and only for transient failures: rate limits, overload, server errors, timeouts,
/// broken connections and unusable responses.
/// </summary>
/// <remarks>
/// The wait before a retry is the provider's Retry-After when it sent one, else an exponential backoff with jitter.
/// A wait longer than <see cref="MaxRetryAfter"/> is not waited out: the router moves on to the next candidate.
/// Built-in provider clients never retry on their own, so these retries never multiply with provider-side ones.
/// Configuration section: <c>Retry</c>.
/// </remarks>
public sealed class RetryOptions
{
    /// <summary>Gets or sets how many calls one deployment gets per request, the first included: 1 means no retry.</summary>
    /// <value>The default is 3.</value>
    [Range(RetryConstants.MinMaxAttempts, RetryConstants.MaxMaxAttempts)]
    public int MaxAttempts { get; set; } = RetryConstants.DefaultMaxAttempts;

    /// <summary>Gets or sets the backoff before the first retry; each later retry doubles it, up to <see cref="MaxDelay"/>.</summary>
    /// <value>The default is 200 milliseconds.</value>
#pragma warning disable IL2026 // The options validator is source-generated and does not convert the range bounds by reflection.
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
#pragma warning restore IL2026
    public TimeSpan BaseDelay { get; set; } = RetryConstants.DefaultBaseDelay;

    /// <summary>Gets or sets the longest backoff between retries.</summary>
    /// <value>The default is 10 seconds.</value>
#pragma warning disable IL2026 // The options validator is source-generated and does not convert the range bounds by reflection.
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
#pragma warning restore IL2026
    public TimeSpan MaxDelay { get; set; } = RetryConstants.DefaultMaxDelay;

    /// <summary>
    /// Gets or sets the longest wait the router accepts before retrying the same deployment. When the provider asks for
    /// more (Retry-After) or the backoff would be longer, the router tries the next candidate instead.
    /// </summary>
    /// <value>The default is 10 seconds.</value>
#pragma warning disable IL2026 // The options validator is source-generated and does not convert the range bounds by reflection.
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
#pragma warning restore IL2026
    public TimeSpan MaxRetryAfter { get; set; } = RetryConstants.DefaultMaxRetryAfter;

    /// <summary>Gets or sets whether backoff delays vary randomly by up to ±25 %, so clients that failed together do not retry together.</summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool UseJitter { get; set; } = true;

    /// <summary>Copies the options as they are now, for a router that must not see later changes to this object.</summary>
    internal RetryOptions Snapshot() => (RetryOptions)MemberwiseClone();
}
