namespace LlmRouter;

/// <summary>
/// A small lock-free pool: a fixed array of slots taken and given back with compare-and-swap. An empty pool makes a
/// new object; a full pool drops the returned one.
/// </summary>
internal sealed class ObjectPool<T>
    where T : class
{
    private readonly T?[] _items = new T?[Math.Max(8, Environment.ProcessorCount * 4)];

    public T? TryRent()
    {
        T?[] items = _items;
        for (int i = 0; i < items.Length; i++)
        {
            T? item = Volatile.Read(ref items[i]);
            if (item is not null && Interlocked.CompareExchange(ref items[i], null, item) == item)
            {
                return item;
            }
        }

        return null;
    }

    /// <summary>Gives an object back; returns <see langword="false"/> when the pool is full and the caller should drop it.</summary>
    public bool TryReturn(T item)
    {
        T?[] items = _items;
        for (int i = 0; i < items.Length; i++)
        {
            if (Volatile.Read(ref items[i]) is null && Interlocked.CompareExchange(ref items[i], item, null) is null)
            {
                return true;
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
