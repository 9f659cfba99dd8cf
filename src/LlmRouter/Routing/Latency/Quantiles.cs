namespace LlmRouter;

/// <summary>The 50th, 90th, 95th and 99th percentiles of a set of values (nearest rank); NaN for an empty set.</summary>
internal readonly record struct Quantiles(double P50, double P90, double P95, double P99)
{
    public static readonly Quantiles None = new(double.NaN, double.NaN, double.NaN, double.NaN);

    /// <summary>Sorts <paramref name="values"/> in place and reads the percentiles off it.</summary>
    public static Quantiles Of(Span<double> values)
    {
        if (values.IsEmpty)
        {
            return None;
        }

        values.Sort();
        return new Quantiles(Rank(values, 50), Rank(values, 90), Rank(values, 95), Rank(values, 99));
    }

    /// <summary>Gets a percentile: 50, 90, 95 or 99; any other reads as the next one above it.</summary>
    public double At(int percentile) => percentile switch
    {
        <= 50 => P50,
        <= 90 => P90,
        <= 95 => P95,
        _ => P99,
    };

    private static double Rank(ReadOnlySpan<double> sorted, int percentile) =>
        sorted[Math.Clamp((int)Math.Ceiling(percentile / 100.0 * sorted.Length) - 1, 0, sorted.Length - 1)];
}
