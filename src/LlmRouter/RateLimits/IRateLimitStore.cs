namespace LlmRouter;

/// <summary>
/// Where rate-limit counters are kept when several processes must share them. Without a store (the default) the router
/// counts in memory, in this process; <see cref="LlmRouterBuilder.UseRateLimitStore"/> (or the <c>LlmRouter.Redis</c>
/// package's <c>UseRedis</c>) replaces that for every deployment and caller limit.
/// </summary>
/// <remarks>
/// <para>
/// The contract a store must keep: each counter is a token bucket that holds <see cref="RateLimitCounter.Limit"/> units and
/// refills at that many per <see cref="RateLimitCounter.Window"/> (the generic cell rate algorithm); one call of
/// <see cref="TryAcquireAsync"/> takes every counter's amount or none, atomically, with one clock for every process (the
/// store's, not the callers'); an amount larger than the limit waits for a full bucket; every record expires once its bucket
/// would be full again, so nothing accumulates.
/// </para>
/// <para>Called concurrently on the request path; implementations must be thread-safe and should answer within milliseconds.</para>
/// </remarks>
public interface IRateLimitStore
{
    /// <summary>Takes every counter's <see cref="RateLimitCounter.Amount"/>, or none when one of them has too little.</summary>
    /// <param name="counters">The counters, at least one.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The decision; <see cref="RateLimitDecision.FallBack"/> to have the router count in this process instead.</returns>
    ValueTask<RateLimitDecision> TryAcquireAsync(ReadOnlyMemory<RateLimitCounter> counters, CancellationToken cancellationToken);

    /// <summary>
    /// Settles an amount taken from an estimate: a negative <see cref="RateLimitCounter.Amount"/> gives units back, a positive
    /// one takes more without checking.
    /// </summary>
    /// <param name="counter">The counter and the difference.</param>
    /// <param name="cancellationToken">Cancels the call; the router passes none and does not wait for it.</param>
    /// <returns>A task that completes when the counter is adjusted.</returns>
    ValueTask AdjustAsync(RateLimitCounter counter, CancellationToken cancellationToken);
}
