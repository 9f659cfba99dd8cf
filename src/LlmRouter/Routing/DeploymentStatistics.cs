namespace LlmRouter;

/// <summary>
/// What the router has observed of one deployment, for the strategies that rank by it: decaying averages of latency, of a
/// stream's time to first chunk, and of output tokens. Lock-free: each average is a <see cref="double"/> kept as its bits
/// in a <see cref="long"/> and replaced with compare-and-swap. Kept across reloads while the deployment serves the same
/// provider and model.
/// </summary>
/// <remarks>
/// Each sample moves an average by <c>weight × (sample − average)</c> (an exponentially weighted moving average); the first
/// sample sets it. An average with no sample reads as <see langword="null"/>.
/// </remarks>
internal sealed class DeploymentStatistics
{
    // NaN marks "no sample yet"; its bit pattern is never produced by the arithmetic below on finite samples.
    private static readonly long Empty = BitConverter.DoubleToInt64Bits(double.NaN);

    private long _latencySeconds = Empty;
    private long _firstChunkSeconds = Empty;
    private long _outputTokens = Empty;

    /// <summary>Gets the average duration of a non-streaming call, in seconds, or <see langword="null"/> before the first.</summary>
    public double? LatencySeconds => Read(ref _latencySeconds);

    /// <summary>Gets the average time from the start of a streaming call to its first chunk, in seconds, or <see langword="null"/>.</summary>
    public double? FirstChunkSeconds => Read(ref _firstChunkSeconds);

    /// <summary>Gets the average output tokens of a call that reported usage, or <see langword="null"/> before the first.</summary>
    public double? OutputTokens => Read(ref _outputTokens);

    public void RecordLatency(double seconds, double weight) => Record(ref _latencySeconds, seconds, weight);

    public void RecordFirstChunk(double seconds, double weight) => Record(ref _firstChunkSeconds, seconds, weight);

    public void RecordOutputTokens(long tokens, double weight) => Record(ref _outputTokens, tokens, weight);

    private static double? Read(ref long field)
    {
        double value = BitConverter.Int64BitsToDouble(Volatile.Read(ref field));
        return double.IsNaN(value) ? null : value;
    }

    private static void Record(ref long field, double sample, double weight)
    {
        if (!double.IsFinite(sample) || sample < 0)
        {
            return;
        }

        long current = Volatile.Read(ref field);
        while (true)
        {
            double average = BitConverter.Int64BitsToDouble(current);
            double next = double.IsNaN(average) ? sample : average + (weight * (sample - average));
            long bits = BitConverter.DoubleToInt64Bits(next);
            if (bits == current)
            {
                // A steady sample leaves a settled average as it is: no write, so cores do not take the line from each other.
                return;
            }

            long seen = Interlocked.CompareExchange(ref field, bits, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
