using System.ComponentModel.DataAnnotations;

namespace LlmRouter;

/// <summary>
/// How the router retries a deployment that failed with a transient error: rate limits, overload, server errors,
/// timeouts, broken connections and unusable responses. Retries happen only before a stream's commit point. By default
/// (<see cref="Order"/>) the request first moves on to its untried candidates and comes back to a failed deployment only
/// when none of them can be called.
/// </summary>
/// <remarks>
/// The wait before a retry is the provider's Retry-After when it sent one, else an exponential backoff with jitter, and
/// never ends before the deployment's cooldown does. A wait longer than <see cref="MaxRetryAfter"/> or past the request's
/// total timeout is not waited out: the deployment is not retried. The same bound applies when no candidate can be called
/// at all (every one cooling down or with an open circuit): the router waits for the earliest to come back when it comes
/// back within <see cref="MaxRetryAfter"/> and the request's total timeout, and otherwise fails at once saying when it would have.
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
    /// Gets or sets the longest wait the router accepts for a deployment to be callable again: before retrying one that
    /// failed (its Retry-After, backoff or cooldown), and when no candidate can be called until one comes back. A longer
    /// wait is not waited out; <see cref="TimeSpan.Zero"/> never waits.
    /// </summary>
    /// <value>The default is 10 seconds.</value>
#pragma warning disable IL2026 // The options validator is source-generated and does not convert the range bounds by reflection.
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
#pragma warning restore IL2026
    public TimeSpan MaxRetryAfter { get; set; } = RetryConstants.DefaultMaxRetryAfter;

    /// <summary>Gets or sets when a failed deployment is retried relative to the request's untried candidates.</summary>
    /// <value>The default is <see cref="RetryOrder.FailoverFirst"/>: untried candidates first.</value>
    public RetryOrder Order { get; set; } = RetryOrder.FailoverFirst;

    /// <summary>Gets or sets whether backoff delays vary randomly by up to ±25 %, so clients that failed together do not retry together.</summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool UseJitter { get; set; } = true;

    /// <summary>Copies the options as they are now, for a router that must not see later changes to this object.</summary>
    internal RetryOptions Snapshot() => (RetryOptions)MemberwiseClone();
}
