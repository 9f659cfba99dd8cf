namespace LlmRouter;

/// <summary>A snapshot of one deployment's runtime state, from <see cref="IRouterHealth"/>.</summary>
public sealed record DeploymentHealth
{
    /// <summary>Gets the deployment's name.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the deployment's provider name.</summary>
    public required string Provider { get; init; }

    /// <summary>Gets the model id sent to the provider, or <see langword="null"/> for the client's default.</summary>
    public string? Model { get; init; }

    /// <summary>Gets the state of the circuit breaker; <see cref="CircuitState.Closed"/> when breakers are off.</summary>
    public CircuitState Circuit { get; init; }

    /// <summary>Gets when the circuit last opened, or <see langword="null"/> if it never did.</summary>
    public DateTimeOffset? CircuitOpenedAt { get; init; }

    /// <summary>Gets until when an open circuit keeps the deployment out, or <see langword="null"/> when it is not open.</summary>
    public DateTimeOffset? CircuitOpenUntil { get; init; }

    /// <summary>Gets until when the deployment cools down after a rate limit, or <see langword="null"/> when it is not cooling down.</summary>
    public DateTimeOffset? CooldownUntil { get; init; }

    /// <summary>Gets how many calls to the deployment are in flight.</summary>
    public int InFlight { get; init; }

    /// <summary>Gets the deployment's concurrency limit, or <see langword="null"/> when it has none.</summary>
    public int? MaxConcurrentRequests { get; init; }

    /// <summary>Gets how many calls the circuit breaker sampled in its current window.</summary>
    public int SampledCalls { get; init; }

    /// <summary>Gets how many of the sampled calls failed.</summary>
    public int SampledFailures { get; init; }

    /// <summary>Gets whether a request could be sent to the deployment now.</summary>
    public bool IsAvailable { get; init; }

    /// <summary>Gets why the deployment is unavailable, or <see langword="null"/> when it is available.</summary>
    public string? UnavailableReason { get; init; }

    /// <summary>
    /// Gets the deployment's quality estimates from <see cref="IRouterFeedback"/> scores, one per route, tier and dimension that
    /// was scored, ordered by route, tier and dimension; empty when none was.
    /// </summary>
    public IReadOnlyList<DeploymentQuality> Quality { get; init; } = [];

    /// <summary>
    /// Gets the deployment's recent latency percentiles and throughput, or <see langword="null"/> when no route of it has a
    /// <see cref="RouteOptions.LatencyTarget"/>.
    /// </summary>
    public DeploymentLatency? Latency { get; init; }
}
