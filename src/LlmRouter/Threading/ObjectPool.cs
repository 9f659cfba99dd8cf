namespace LlmRouter;

/// <summary>
/// A small lock-free pool: slots taken and given back with compare-and-swap, in one region per core
/// (<see cref="PerCore"/>), each alone on its cache lines. A thread looks in its core's region first, so cores renting
/// and returning at the same time do not fight over one slot; when its region is empty (or full) it tries the next
/// core's, and no further, so a call on a many-core machine never scans the whole pool. An empty pool makes a new object;
/// a full pool drops the returned one.
/// </summary>
internal sealed class ObjectPool<T>
    where T : class
{
    /// <summary>Slots a core uses.</summary>
    private const int SlotsPerCore = 8;

    /// <summary>The distance between two cores' regions: 128 bytes of references, so no two regions share a cache line.</summary>
    private const int Stride = 16;

    /// <summary>The regions a thread looks in: its core's and the next one.</summary>
    private static readonly int Regions = Math.Min(2, PerCore.Cells);

    private readonly T?[] _items = new T?[PerCore.Cells * Stride];

    public T? TryRent()
    {
        T?[] items = _items;
        int home = PerCore.Current;
        for (int region = 0; region < Regions; region++)
        {
            int start = ((home + region) & (PerCore.Cells - 1)) * Stride;
            for (int i = start; i < start + SlotsPerCore; i++)
            {
                T? item = Volatile.Read(ref items[i]);
                if (item is not null && Interlocked.CompareExchange(ref items[i], null, item) == item)
                {
                    return item;
                }
            }
        }

        return null;
    }

    /// <summary>Gives an object back; returns <see langword="false"/> when the pool is full and the caller should drop it.</summary>
    public bool TryReturn(T item)
    {
        T?[] items = _items;
        int home = PerCore.Current;
        for (int region = 0; region < Regions; region++)
        {
            int start = ((home + region) & (PerCore.Cells - 1)) * Stride;
            for (int i = start; i < start + SlotsPerCore; i++)
            {
                if (Volatile.Read(ref items[i]) is null && Interlocked.CompareExchange(ref items[i], item, null) is null)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Empties the pool, handing each object to <paramref name="drop"/>.</summary>
    public void Drain(Action<T> drop)
    {
        for (int i = 0; i < _items.Length; i++)
        {
            if (Interlocked.Exchange(ref _items[i], null) is { } item)
            {
                drop(item);
            }
        }
    }
}
