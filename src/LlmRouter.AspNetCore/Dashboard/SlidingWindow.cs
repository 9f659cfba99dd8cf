namespace LlmRouter;

/// <summary>
/// Counts and latency histograms over the last 15 minutes in 10-second slots: a ring of slots, each stamped with the slot
/// number it holds, replaced whole (compare-and-swap) when a new slot begins, so recording takes no lock.
/// </summary>
/// <remarks>
/// Latencies fall in log-spaced bins from 1 ms (each bin 25 % wider than the one before, up to about 45 s), so a percentile is
/// read to within half a bin (about 12 %): enough for a dashboard, at a fixed 800 bytes per slot. A measurement that races
/// with the replacement of its slot may be lost; a dashboard can afford that, a bill could not (cost comes from the router's
/// own spend counters).
/// </remarks>
internal sealed class SlidingWindow
{
    /// <summary>The length of a slot, in seconds.</summary>
    public const int SlotSeconds = 10;

    /// <summary>How many slots the ring keeps: 15 minutes.</summary>
    public const int SlotCount = 90;

    /// <summary>How many latency bins a histogram has.</summary>
    public const int Bins = 48;

    private const double FirstBinSeconds = 0.001;
    private const double Growth = 1.25;

    private static readonly double LogGrowth = Math.Log(Growth);

    private readonly Slot?[] _slots = new Slot?[SlotCount];
    private readonly bool _latencies;

    public SlidingWindow(bool latencies) => _latencies = latencies;

    /// <summary>Counts one call (an attempt) ending in <paramref name="slot"/>, failed or not, and its duration.</summary>
    public void RecordCall(long slot, bool failed, double seconds)
    {
        Slot current = Current(slot);
        Interlocked.Increment(ref current.Count);
        if (failed)
        {
            Interlocked.Increment(ref current.Failures);
        }
        else if (current.Latency is { } latency)
        {
            Interlocked.Increment(ref latency[Bin(seconds)]);
        }
    }

    /// <summary>Counts one time to first chunk.</summary>
    public void RecordFirstChunk(long slot, double seconds)
    {
        if (Current(slot).FirstChunk is { } firstChunk)
        {
            Interlocked.Increment(ref firstChunk[Bin(seconds)]);
        }
    }

    /// <summary>Counts <paramref name="count"/> events (fallbacks, say) in <paramref name="slot"/>.</summary>
    public void Add(long slot, long count) => Interlocked.Add(ref Current(slot).Count, count);

    /// <summary>Sums the slots of the last <paramref name="slots"/> slots up to <paramref name="now"/>.</summary>
    public WindowTotals Read(long now, int slots)
    {
        var totals = new WindowTotals(_latencies);
        foreach (Slot? slot in _slots)
        {
            if (slot is null || slot.Number > now || slot.Number <= now - slots)
            {
                continue;
            }

            totals.Count += Volatile.Read(ref slot.Count);
            totals.Failures += Volatile.Read(ref slot.Failures);
            if (slot.Latency is { } latency)
            {
                for (int i = 0; i < Bins; i++)
                {
                    totals.Latency![i] += Volatile.Read(ref latency[i]);
                    totals.FirstChunk![i] += Volatile.Read(ref slot.FirstChunk![i]);
                }
            }
        }

        return totals;
    }

    /// <summary>Fills <paramref name="counts"/> and <paramref name="failures"/> with one entry per slot, oldest first, ending at <paramref name="now"/>.</summary>
    public void Series(long now, Span<long> counts, Span<long> failures)
    {
        counts.Clear();
        failures.Clear();
        foreach (Slot? slot in _slots)
        {
            long age = slot is null ? -1 : now - slot.Number;
            if (age >= 0 && age < counts.Length)
            {
                int index = counts.Length - 1 - (int)age;
                counts[index] = Volatile.Read(ref slot!.Count);
                failures[index] = Volatile.Read(ref slot.Failures);
            }
        }
    }

    /// <summary>The latency in seconds at percentile <paramref name="percentile"/> (0..1) of a histogram, or <see langword="null"/> when it is empty.</summary>
    public static double? Percentile(long[] histogram, double percentile)
    {
        long total = 0;
        foreach (long count in histogram)
        {
            total += count;
        }

        if (total == 0)
        {
            return null;
        }

        long rank = Math.Max(1, (long)Math.Ceiling(total * percentile));
        long seen = 0;
        for (int i = 0; i < histogram.Length; i++)
        {
            seen += histogram[i];
            if (seen >= rank)
            {
                // The bin's geometric middle; the first bin holds everything under 1 ms.
                return i == 0 ? FirstBinSeconds : FirstBinSeconds * Math.Pow(Growth, i - 0.5);
            }
        }

        return FirstBinSeconds * Math.Pow(Growth, histogram.Length - 1);
    }

    private static int Bin(double seconds)
    {
        if (!(seconds > FirstBinSeconds))
        {
            return 0;
        }

        int bin = (int)(Math.Log(seconds / FirstBinSeconds) / LogGrowth) + 1;
        return Math.Min(bin, Bins - 1);
    }

    private Slot Current(long number)
    {
        int index = (int)(number % SlotCount);
        Slot? slot = Volatile.Read(ref _slots[index]);
        while (slot is null || slot.Number < number)
        {
            var fresh = new Slot(number, _latencies);
            Slot? seen = Interlocked.CompareExchange(ref _slots[index], fresh, slot);
            if (ReferenceEquals(seen, slot))
            {
                return fresh;
            }

            slot = seen;
        }

        // A measurement stamped a moment late (its slot already rotated out) counts in the slot that replaced it.
        return slot;
    }

    private sealed class Slot(long number, bool latencies)
    {
        public readonly long Number = number;
        public readonly long[]? Latency = latencies ? new long[Bins] : null;
        public readonly long[]? FirstChunk = latencies ? new long[Bins] : null;
        public long Count;
        public long Failures;
    }
}
