using System.Numerics;
using System.Runtime.InteropServices;

namespace LlmRouter;

/// <summary>
/// Counters that every successful call adds to, kept one cell per core so that cores do not take a cache line from each
/// other on every call: a call adds to the cell of the core it runs on (an uncontended atomic add), and a reader sums the
/// cells. Totals are exact once the adds have ended; a sum read while calls move between cores may be off by the calls in
/// flight, so only figures that tolerate that (totals, in-flight counts that rank candidates) are kept this way. Limits
/// that must hold exactly (a concurrency limit, a budget, a circuit's half-open probe) stay on one shared field.
/// </summary>
internal static class PerCore
{
    /// <summary>The number of cells: the processor count rounded up to a power of two, at most 64.</summary>
    public static readonly int Cells = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(Environment.ProcessorCount, 1, 64));

    /// <summary>Gets the cell of the core the calling thread runs on now.</summary>
    public static int Current => Thread.GetCurrentProcessorId() & (Cells - 1);
}

/// <summary>One 64-bit count per core (see <see cref="PerCore"/>).</summary>
internal sealed class PerCoreCount
{
    private readonly Cell[] _cells = new Cell[PerCore.Cells];

    /// <summary>Adds <paramref name="value"/> on the current core's cell.</summary>
    public void Add(long value) => Interlocked.Add(ref _cells[PerCore.Current].Value, value);

    /// <summary>Adds one on the current core's cell.</summary>
    public void Increment() => Interlocked.Increment(ref _cells[PerCore.Current].Value);

    /// <summary>Subtracts one on the current core's cell.</summary>
    public void Decrement() => Interlocked.Decrement(ref _cells[PerCore.Current].Value);

    /// <summary>Sums the cells.</summary>
    public long Sum()
    {
        long sum = 0;
        foreach (ref readonly Cell cell in _cells.AsSpan())
        {
            sum += Volatile.Read(in cell.Value);
        }

        return sum;
    }

    /// <summary>A count alone on its cache lines (128 bytes: a line and the one adjacent-line prefetch pairs it with).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct Cell
    {
        [FieldOffset(64)]
        public long Value;
    }
}
