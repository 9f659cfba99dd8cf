namespace LlmRouter;

/// <summary>The router's resilience options, copied when the router is built so later changes to the options objects have no effect.</summary>
internal sealed class ResilienceSettings
{
    public ResilienceSettings(RetryOptions retry, CircuitBreakerOptions breaker, TimeoutOptions timeouts, CooldownOptions cooldown)
    {
        Retry = new RetryOptions
        {
            MaxAttempts = retry.MaxAttempts,
            BaseDelay = retry.BaseDelay,
            MaxDelay = retry.MaxDelay,
            MaxRetryAfter = retry.MaxRetryAfter,
            UseJitter = retry.UseJitter,
        };
        Breaker = new CircuitBreakerOptions
        {
            Enabled = breaker.Enabled,
            FailureRatio = breaker.FailureRatio,
            MinimumThroughput = breaker.MinimumThroughput,
            SamplingDuration = breaker.SamplingDuration,
            BreakDuration = breaker.BreakDuration,
            WhenAllOpen = breaker.WhenAllOpen,
        };
        Timeouts = new TimeoutOptions
        {
            Total = timeouts.Total,
            Attempt = timeouts.Attempt,
            FirstChunk = timeouts.FirstChunk,
            BetweenChunks = timeouts.BetweenChunks,
        };
        Cooldown = new CooldownOptions { DefaultDuration = cooldown.DefaultDuration, MaxDuration = cooldown.MaxDuration };
    }

    public RetryOptions Retry { get; }

    public CircuitBreakerOptions Breaker { get; }

    public TimeoutOptions Timeouts { get; }

    public CooldownOptions Cooldown { get; }

    /// <summary>Gets whether a non-streaming attempt needs a timer: it has a total or attempt timeout.</summary>
    public bool TimesCalls => Timeouts.Total is not null || Timeouts.Attempt is not null;

    /// <summary>Gets whether a streaming attempt needs a timer.</summary>
    public bool TimesStreams => TimesCalls || Timeouts.FirstChunk is not null || Timeouts.BetweenChunks is not null;
}
