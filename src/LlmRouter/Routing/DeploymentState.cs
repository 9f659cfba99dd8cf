namespace LlmRouter;

/// <summary>
/// Mutable, thread-safe runtime state of one deployment: calls in flight, circuit breaker, cooldown, and the statistics
/// strategies rank by. Lives as long as a deployment of that name does, across configuration reloads.
/// </summary>
internal sealed class DeploymentState
{
    private long _cooldownUntil;
    private int _misconfigurationReported;

    public DeploymentState(ConcurrencyGate gate, CircuitBreaker? breaker, DeploymentStatistics? statistics = null)
    {
        Gate = gate;
        Breaker = breaker;
        Statistics = statistics ?? new DeploymentStatistics();
    }

    public ConcurrencyGate Gate { get; }

    /// <summary>Gets the circuit breaker, or <see langword="null"/> when breakers are off.</summary>
    public CircuitBreaker? Breaker { get; }

    /// <summary>Gets the observed latency and output averages.</summary>
    public DeploymentStatistics Statistics { get; }

    /// <summary>Gets or sets the deployment's requests- and tokens-per-minute limits, or <see langword="null"/> when it has none; replaced on a reload that changes them.</summary>
    public DeploymentRateLimit? RateLimit { get; set; }

    /// <summary>Gets the timestamp until which the deployment cools down after a rate limit; 0 when it never did.</summary>
    public long CooldownUntil => Volatile.Read(ref _cooldownUntil);

    /// <summary>Extends the cooldown to <paramref name="until"/>; a deadline earlier than the current one changes nothing.</summary>
    /// <returns><see langword="true"/> when the cooldown was extended.</returns>
    public bool ExtendCooldown(long until)
    {
        long current = Volatile.Read(ref _cooldownUntil);
        while (until > current)
        {
            long seen = Interlocked.CompareExchange(ref _cooldownUntil, until, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        return false;
    }

    /// <summary>Returns <see langword="true"/> the first time only, so a misconfigured deployment is logged once, not per request.</summary>
    public bool TryReportMisconfiguration() => Interlocked.Exchange(ref _misconfigurationReported, 1) == 0;
}
