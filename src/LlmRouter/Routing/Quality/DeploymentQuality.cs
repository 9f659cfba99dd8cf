namespace LlmRouter;

/// <summary>A deployment's quality estimate for one route (and tier, and dimension), in <see cref="DeploymentHealth.Quality"/>.</summary>
public sealed record DeploymentQuality
{
    /// <summary>Gets the route the estimate is for.</summary>
    public required string Route { get; init; }

    /// <summary>Gets the tier the estimate is for, or <see langword="null"/> for requests without one.</summary>
    public string? Tier { get; init; }

    /// <summary>Gets what the estimate measures, or <see langword="null"/> for overall quality (the estimate routes act on).</summary>
    public string? Dimension { get; init; }

    /// <summary>Gets the decaying estimate, from 0 to 1: each score moves it by <see cref="QualityOptions.SampleWeight"/>; since the last probation began, when there was one.</summary>
    public double Estimate { get; init; }

    /// <summary>Gets the long-run estimate the drop is measured against (scores decaying by <see cref="QualityOptions.BaselineHalfLife"/>).</summary>
    public double Baseline { get; init; }

    /// <summary>Gets how many scores were recorded in all.</summary>
    public long Samples { get; init; }

    /// <summary>Gets how many scores the current <see cref="Estimate"/> holds (since the last probation began).</summary>
    public int RecentSamples { get; init; }

    /// <summary>Gets whether the route calls the deployment.</summary>
    public QualityStatus Status { get; init; }

    /// <summary>Gets why the deployment was last set aside, or <see langword="null"/> when it never was.</summary>
    public string? Reason { get; init; }
}
