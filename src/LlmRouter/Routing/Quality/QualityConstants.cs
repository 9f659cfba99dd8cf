namespace LlmRouter;

/// <summary>Defaults of quality feedback.</summary>
internal static class QualityConstants
{
    public const int DefaultMinimumSamples = 10;
    public const double DefaultSampleWeight = 0.1;
    public const double DefaultHysteresis = 0.05;
    public const int DefaultProbationRequests = 20;
    public const double DefaultQualityTolerance = 0.05;
    public static readonly TimeSpan DefaultBaselineHalfLife = TimeSpan.FromHours(24);
}
