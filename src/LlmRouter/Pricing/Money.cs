namespace LlmRouter;

/// <summary>
/// Amounts of US dollars held as whole units of 10⁻¹⁰ USD in a <see cref="long"/>, so that running totals can be added to
/// with one atomic instruction instead of a lock. A long holds up to about 922 million USD at that resolution, and one
/// call's cost is rounded by at most half a unit (5 × 10⁻¹¹ USD).
/// </summary>
internal static class Money
{
    /// <summary>Units per US dollar.</summary>
    public const decimal UnitsPerUsd = 10_000_000_000m;

    /// <summary>The largest amount a total can hold, in USD.</summary>
    public const decimal MaxUsd = long.MaxValue / UnitsPerUsd;

    /// <summary>Converts US dollars to units, rounding half away from zero and saturating at the range of a long.</summary>
    public static long ToUnits(decimal usd)
    {
        if (usd >= MaxUsd)
        {
            return long.MaxValue;
        }

        if (usd <= -MaxUsd)
        {
            return -long.MaxValue;
        }

        return (long)decimal.Round(usd * UnitsPerUsd, MidpointRounding.AwayFromZero);
    }

    /// <summary>Converts units to US dollars, exactly.</summary>
    public static decimal ToUsd(long units) => units / UnitsPerUsd;

    /// <summary>Adds without wrapping around: a total saturates at the largest amount rather than turning negative.</summary>
    public static long Add(ref long total, long units)
    {
        long current = Volatile.Read(ref total);
        while (true)
        {
            long next = units > 0 && current > long.MaxValue - units ? long.MaxValue : current + units;
            long seen = Interlocked.CompareExchange(ref total, next, current);
            if (seen == current)
            {
                return next;
            }

            current = seen;
        }
    }
}
