namespace LlmRouter;

/// <summary>A deployment's latency percentiles as computed at one moment from its <see cref="LatencyWindow"/>; immutable.</summary>
internal sealed class LatencySnapshot(long at, int firstTokenSamples, Quantiles firstToken, int totalSamples, Quantiles total, double outputTokensPerSecond)
{
    public static readonly LatencySnapshot Empty = new(0, 0, Quantiles.None, 0, Quantiles.None, double.NaN) { Computed = false };

    /// <summary>Gets whether the snapshot was computed from a window, rather than being the placeholder before the first.</summary>
    public bool Computed { get; private init; } = true;

    /// <summary>Gets when it was computed (a timestamp).</summary>
    public long At { get; } = at;

    public int FirstTokenSamples { get; } = firstTokenSamples;

    /// <summary>Gets the percentiles of the time to first token, in seconds.</summary>
    public Quantiles FirstToken { get; } = firstToken;

    public int TotalSamples { get; } = totalSamples;

    /// <summary>Gets the percentiles of whole calls, in seconds.</summary>
    public Quantiles Total { get; } = total;

    /// <summary>Gets the median output tokens per second of calls that reported usage, or NaN.</summary>
    public double OutputTokensPerSecond { get; } = outputTokensPerSecond;
}
