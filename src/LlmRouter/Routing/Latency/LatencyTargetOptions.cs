using System.ComponentModel.DataAnnotations;

namespace LlmRouter;

/// <summary>
/// A route's latency target (<see cref="RouteOptions.LatencyTarget"/>): the time to first token and/or the total duration a
/// candidate must meet at <see cref="Percentile"/> of its calls in the last 5 minutes (at most its last 128 calls; percentiles
/// are computed again at most once a second). At least one of <see cref="TimeToFirstToken"/> and <see cref="Total"/> is required.
/// </summary>
public sealed class LatencyTargetOptions
{
    /// <summary>
    /// Gets or sets the most the time to first token may be at <see cref="Percentile"/>. A non-streaming call counts its whole
    /// duration as its time to first token.
    /// </summary>
    /// <value>The default is <see langword="null"/>: not targeted.</value>
    public TimeSpan? TimeToFirstToken { get; set; }

    /// <summary>Gets or sets the most a whole call (a stream read to its end) may take at <see cref="Percentile"/>.</summary>
    /// <value>The default is <see langword="null"/>: not targeted.</value>
    public TimeSpan? Total { get; set; }

    /// <summary>Gets or sets the percentile the target applies at: 50, 90, 95 or 99.</summary>
    /// <value>The default is 90.</value>
    [Range(50, 99)]
    public int Percentile { get; set; } = LatencyConstants.DefaultPercentile;

    /// <summary>Gets or sets how many recent calls a deployment needs before it is judged; one with fewer counts as without data.</summary>
    /// <value>The default is 5.</value>
    [Range(1, LatencyConstants.Capacity)]
    public int MinimumSamples { get; set; } = LatencyConstants.DefaultMinimumSamples;

    /// <summary>
    /// Gets or sets the share of requests (0 to 1) that try first a candidate missing the target or without data, when one
    /// meets it, so a deployment that recovered is measured again.
    /// </summary>
    /// <value>The default is 0.05.</value>
    [Range(0.0, 1.0)]
    public double ExplorationRate { get; set; } = LatencyConstants.DefaultExplorationRate;

    /// <summary>Copies the options as they are now, for a router that must not see later changes to this object.</summary>
    internal LatencyTargetOptions Snapshot() => (LatencyTargetOptions)MemberwiseClone();
}
