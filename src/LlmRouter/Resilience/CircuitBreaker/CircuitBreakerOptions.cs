using System.ComponentModel.DataAnnotations;

namespace LlmRouter;

/// <summary>
/// When a deployment's circuit opens: once at least <see cref="MinimumThroughput"/> calls were made within
/// <see cref="SamplingDuration"/> and at least <see cref="FailureRatio"/> of them failed, the deployment is skipped for
/// <see cref="BreakDuration"/>; then exactly one probe request goes through, and its outcome closes or reopens the circuit.
/// </summary>
/// <remarks>
/// Failures that say something about the deployment count: server errors, overload, timeouts, broken connections,
/// unusable responses and misconfiguration (authentication, permission, not found, quota). Rate limits (handled by
/// cooldown), bad requests, context-window overflows, content filtering, the caller's own cancellation and failures no
/// rule recognises (<see cref="ProviderErrorKind.Unknown"/>: they may as well come from the request as from the deployment)
/// do not.
/// Configuration section: <c>CircuitBreaker</c>.
/// </remarks>
public sealed class CircuitBreakerOptions
{
    /// <summary>Gets or sets whether deployments have circuit breakers.</summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets the share of failed calls, above zero and at most 1, that opens the circuit.</summary>
    /// <value>The default is 0.5.</value>
    [Range(0.0, 1.0, MinimumIsExclusive = true)]
    public double FailureRatio { get; set; } = CircuitBreakerConstants.DefaultFailureRatio;

    /// <summary>Gets or sets how many calls must be sampled before the failure ratio can open the circuit; at least 1.</summary>
    /// <value>The default is 10.</value>
    [Range(1, int.MaxValue)]
    public int MinimumThroughput { get; set; } = CircuitBreakerConstants.DefaultMinimumThroughput;

    /// <summary>Gets or sets how far back calls are sampled.</summary>
    /// <value>The default is 30 seconds.</value>
#pragma warning disable IL2026 // The options validator is source-generated and does not convert the range bounds by reflection.
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
#pragma warning restore IL2026
    public TimeSpan SamplingDuration { get; set; } = CircuitBreakerConstants.DefaultSamplingDuration;

    /// <summary>Gets or sets how long an open circuit keeps the deployment out before a probe is let through.</summary>
    /// <value>The default is 15 seconds.</value>
#pragma warning disable IL2026 // The options validator is source-generated and does not convert the range bounds by reflection.
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
#pragma warning restore IL2026
    public TimeSpan BreakDuration { get; set; } = CircuitBreakerConstants.DefaultBreakDuration;

    /// <summary>Gets or sets what a request does when every one of its candidates has an open circuit.</summary>
    /// <value>The default is <see cref="AllCircuitsOpenBehavior.WaitForEarliest"/>.</value>
    public AllCircuitsOpenBehavior WhenAllOpen { get; set; } = AllCircuitsOpenBehavior.WaitForEarliest;

    /// <summary>Copies the options as they are now, for a router that must not see later changes to this object.</summary>
    internal CircuitBreakerOptions Snapshot() => (CircuitBreakerOptions)MemberwiseClone();
}
