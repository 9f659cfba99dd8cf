namespace LlmRouter;

/// <summary>Defaults and sizes of latency tracking.</summary>
internal static class LatencyConstants
{
    /// <summary>How many recent calls a deployment's window holds.</summary>
    public const int Capacity = 128;

    public const int DefaultPercentile = 90;
    public const int DefaultMinimumSamples = 5;
    public const double DefaultExplorationRate = 0.05;

    /// <summary>How old a call may be and still count.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    /// <summary>How long percentiles are reused before they are computed again from the window.</summary>
    public static readonly TimeSpan Refresh = TimeSpan.FromSeconds(1);
}
