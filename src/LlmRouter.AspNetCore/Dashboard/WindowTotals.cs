namespace LlmRouter;

/// <summary>What a <see cref="SlidingWindow"/> holds over a span of slots.</summary>
internal sealed class WindowTotals(bool latencies)
{
    public long Count;
    public long Failures;
    public readonly long[]? Latency = latencies ? new long[SlidingWindow.Bins] : null;
    public readonly long[]? FirstChunk = latencies ? new long[SlidingWindow.Bins] : null;
}
