namespace LlmRouter;

internal static class CircuitBreakerConstants
{
    public const double DefaultFailureRatio = 0.5;
    public const int DefaultMinimumThroughput = 10;

    /// <summary>The sampling window is split into this many buckets, so old calls age out smoothly.</summary>
    public const int Buckets = 10;

    public static readonly TimeSpan DefaultSamplingDuration = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultBreakDuration = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long a process that won the shared probe (<see cref="ISharedCircuits"/>) has to start it before giving the grant back;
    /// the probe's own lease adds the time the call may take.
    /// </summary>
    public static readonly TimeSpan SharedProbeGrant = TimeSpan.FromSeconds(1);
}
