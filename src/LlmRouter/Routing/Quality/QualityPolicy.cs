namespace LlmRouter;

/// <summary>A route's quality bars and estimate settings, immutable; replaced whole when the router reloads.</summary>
internal sealed class QualityPolicy
{
    public QualityPolicy(RouteOptions route, long timestampFrequency)
    {
        QualityOptions options = route.Quality ?? new QualityOptions();
        MinQuality = route.MinQuality;
        DropTolerance = route.QualityDropTolerance;
        Tolerance = route.QualityTolerance;
        MinimumSamples = options.MinimumSamples;
        SampleWeight = options.SampleWeight;
        Hysteresis = options.Hysteresis;
        ProbationRequests = options.ProbationRequests;
        BaselineHalfLife = options.BaselineHalfLife.TotalSeconds * timestampFrequency;
        Frequency = timestampFrequency;
    }

    /// <summary>The timestamp frequency of the clock whose timestamps scores are recorded with.</summary>
    public long Frequency { get; }

    public double? MinQuality { get; }

    public double? DropTolerance { get; }

    /// <summary>How far below the best known estimate <see cref="SelectionStrategies.BestValue"/> still counts as good enough.</summary>
    public double Tolerance { get; }

    public int MinimumSamples { get; }

    public double SampleWeight { get; }

    public double Hysteresis { get; }

    public int ProbationRequests { get; }

    /// <summary>The baseline's half-life in timestamp ticks.</summary>
    public double BaselineHalfLife { get; }

    /// <summary>Whether the route sets deployments aside by quality.</summary>
    public bool Judges => MinQuality is not null || DropTolerance is not null;
}
