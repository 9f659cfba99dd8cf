using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LlmRouter;

/// <summary>
/// Stripes for the counts every successful call writes (calls in flight without a limit, circuit-breaker successes, spend
/// totals): each thread writes the stripe its managed thread id falls in, and a reader sums the stripes. Two cores calling
/// the same deployment then write different cache lines instead of passing one line back and forth on every call.
/// </summary>
/// <remarks>
/// A stripe is a 128-byte cell (two cache lines, so a neighbour's cell is not pulled in by the adjacent-line prefetch), and
/// the cells start one cell after the array's start, so the array's length, read by every bounds check, shares no line with
/// a cell that is written. Threads that share a stripe still count exactly (each write is atomic); they only contend again.
/// A striped count takes (stripes + 1) × 128 bytes: 640 bytes on two cores, about 8 KB from 32 cores up.
/// Sums are not a snapshot: a call counted on one stripe and ended on another may be seen half-way, which is why an
/// in-flight sum is clamped at zero. Counts that must be exact at every moment (a concurrency limit, a budget) stay single
/// counters.
/// </remarks>
internal static class Stripes
{
    /// <summary>The number of stripes: twice the processors, rounded up to a power of two, from 2 to 64.</summary>
    public static readonly int Count = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(Environment.ProcessorCount * 2, 2, 64));

    /// <summary>The size of one stripe's cell in bytes.</summary>
    public const int CellBytes = 128;

    private static readonly int Mask = Count - 1;

    /// <summary>The calling thread's stripe plus one; 0 until the thread first asks (a thread-static read is cheaper than the thread's id).</summary>
    [ThreadStatic]
    private static int t_stripe;

    /// <summary>Gets the stripe of the calling thread.</summary>
    public static int Current
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            int stripe = t_stripe;
            return stripe != 0 ? stripe - 1 : First();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int First()
    {
        int stripe = Environment.CurrentManagedThreadId & Mask;
        t_stripe = stripe + 1;
        return stripe;
    }

    /// <summary>Allocates the cells of every stripe for <typeparamref name="T"/> values, with the leading padding cell.</summary>
    public static T[] Allocate<T>()
        where T : unmanaged => new T[(Count + 1) * Stride<T>()];

    /// <summary>Gets the number of <typeparamref name="T"/> values in one cell.</summary>
    public static int Stride<T>()
        where T : unmanaged => CellBytes / Unsafe.SizeOf<T>();

    /// <summary>Gets the value <paramref name="slot"/> of <paramref name="stripe"/>'s cell, without a bounds check (the layout guarantees it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref T Cell<T>(T[] cells, int stripe, int slot)
        where T : unmanaged =>
        ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(cells), ((stripe + 1) * Stride<T>()) + slot);
}

/// <summary>A 64-bit count written through <see cref="Stripes"/> and read as the sum of its stripes.</summary>
internal sealed class StripedCounter
{
    private readonly long[] _cells = Stripes.Allocate<long>();

    /// <summary>Adds <paramref name="value"/> (negative to subtract) on the calling thread's stripe.</summary>
    public void Add(long value) => Interlocked.Add(ref Stripes.Cell(_cells, Stripes.Current, 0), value);

    /// <summary>Adds one on the calling thread's stripe.</summary>
    public void Increment() => Interlocked.Increment(ref Stripes.Cell(_cells, Stripes.Current, 0));

    /// <summary>Subtracts one on the calling thread's stripe.</summary>
    public void Decrement() => Interlocked.Decrement(ref Stripes.Cell(_cells, Stripes.Current, 0));

    /// <summary>Gets the sum of the stripes.</summary>
    public long Sum()
    {
        long sum = 0;
        for (int stripe = 0; stripe < Stripes.Count; stripe++)
        {
            sum += Volatile.Read(ref Stripes.Cell(_cells, stripe, 0));
        }

        return sum;
    }
}
