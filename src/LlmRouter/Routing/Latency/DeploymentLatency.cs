namespace LlmRouter;

/// <summary>
/// A deployment's recent latency (<see cref="DeploymentHealth.Latency"/>): percentiles over its last calls within five minutes
/// (at most 128), kept for deployments of a route with <see cref="RouteOptions.LatencyTarget"/> or
/// <see cref="SelectionStrategies.LowestLatency"/>. A value is <see langword="null"/> when no call in the window measured it.
/// </summary>
public sealed record DeploymentLatency
{
    /// <summary>Gets how many calls measured a time to first token (a non-streaming call's is its whole duration).</summary>
    public int TimeToFirstTokenSamples { get; init; }

    /// <summary>Gets the median time to first token.</summary>
    public TimeSpan? TimeToFirstTokenP50 { get; init; }

    /// <summary>Gets the 90th percentile of the time to first token.</summary>
    public TimeSpan? TimeToFirstTokenP90 { get; init; }

    /// <summary>Gets how many whole calls were timed (streams read to their end included).</summary>
    public int TotalSamples { get; init; }

    /// <summary>Gets the median duration of a whole call.</summary>
    public TimeSpan? TotalP50 { get; init; }

    /// <summary>Gets the 90th percentile of the duration of a whole call.</summary>
    public TimeSpan? TotalP90 { get; init; }

    /// <summary>Gets the median output tokens per second (output tokens over the call's duration) of calls that reported usage.</summary>
    public double? OutputTokensPerSecond { get; init; }
}
