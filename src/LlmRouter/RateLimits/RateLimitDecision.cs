namespace LlmRouter;

/// <summary>What an <see cref="IRateLimitStore"/> answered to a request for units.</summary>
/// <param name="Acquired">Whether every counter's amount was taken.</param>
/// <param name="Refused">When not acquired, the index of a counter that had too little; -1 otherwise.</param>
/// <param name="RetryAfter">When not acquired, how long until that counter holds the amount.</param>
/// <param name="Unavailable">
/// Whether the store could not answer and lets the router count in this process instead (a shared store that fails open
/// while its server is down or slow). <paramref name="Acquired"/> is then <see langword="false"/> and means nothing.
/// </param>
public readonly record struct RateLimitDecision(bool Acquired, int Refused, TimeSpan RetryAfter, bool Unavailable = false)
{
    /// <summary>Gets the answer of a store that took every amount.</summary>
    public static RateLimitDecision Granted { get; } = new(true, -1, TimeSpan.Zero);

    /// <summary>Gets the answer of a store that could not answer and lets the router count in this process.</summary>
    public static RateLimitDecision FallBack { get; } = new(false, -1, TimeSpan.Zero, Unavailable: true);
}
