namespace LlmRouter;

internal static class CircuitBreakerConstants
{
    public const double DefaultFailureRatio = 0.5;
    public const int DefaultMinimumThroughput = 10;

    /// <summary>The sampling window is split into this many buckets, so old calls age out smoothly.</summary>
    public const int Buckets = 10;

    public static readonly TimeSpan DefaultSamplingDuration = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultBreakDuration = TimeSpan.FromSeconds(15);
}
