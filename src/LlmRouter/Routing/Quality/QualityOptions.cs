using System.ComponentModel.DataAnnotations;

namespace LlmRouter;

/// <summary>
/// How a route (<see cref="RouteOptions.Quality"/>) keeps and judges its deployments' quality estimates: how fast an estimate
/// moves, how many scores it needs before it is judged, how far it must climb back, and how long a deployment set aside waits.
/// </summary>
public sealed class QualityOptions
{
    /// <summary>Gets or sets how many scores an estimate needs before it is judged, and again after each probation begins.</summary>
    /// <value>The default is 10.</value>
    [Range(1, 100_000)]
    public int MinimumSamples { get; set; } = QualityConstants.DefaultMinimumSamples;

    /// <summary>Gets or sets how far each score moves the estimate: estimate += weight × (score − estimate).</summary>
    /// <value>The default is 0.1.</value>
    [Range(0.001, 1.0)]
    public double SampleWeight { get; set; } = QualityConstants.DefaultSampleWeight;

    /// <summary>
    /// Gets or sets how far above a bar (<see cref="RouteOptions.MinQuality"/>, or the baseline less <see cref="RouteOptions.QualityDropTolerance"/>)
    /// an estimate must be for a deployment on probation to be called as usual again; a healthy one is set aside only below the
    /// bar itself, so an estimate near it does not flap.
    /// </summary>
    /// <value>The default is 0.05.</value>
    [Range(0.0, 1.0)]
    public double Hysteresis { get; set; } = QualityConstants.DefaultHysteresis;

    /// <summary>Gets or sets how many of the route's requests pass a deployment over after it is set aside, before it is tried again on probation.</summary>
    /// <value>The default is 20.</value>
    [Range(1, 1_000_000)]
    public int ProbationRequests { get; set; } = QualityConstants.DefaultProbationRequests;

    /// <summary>Gets or sets the half-life of the baseline estimate a drop is measured against: a score this old counts half as much as a new one.</summary>
    /// <value>The default is 24 hours.</value>
#pragma warning disable IL2026 // The options validator is source-generated and does not convert the range bounds by reflection.
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
#pragma warning restore IL2026
    public TimeSpan BaselineHalfLife { get; set; } = QualityConstants.DefaultBaselineHalfLife;

    /// <summary>Copies the options as they are now, for a router that must not see later changes to this object.</summary>
    internal QualityOptions Snapshot() => (QualityOptions)MemberwiseClone();
}
