namespace LlmRouter;

/// <summary>
/// A small lock-free pool: one slot per thread in front of a fixed array of slots taken and given back with
/// compare-and-swap. An empty pool makes a new object; a full pool drops the returned one.
/// </summary>
/// <remarks>
/// A call that ends on the thread it began on (a synchronous answer, and most others) takes its object from its thread's
/// slot and puts it back there, so cores never write the shared array's cache line for it. The thread slot remembers which
/// pool its object belongs to (the objects of different routers are not interchangeable: an attempt timer runs on its
/// router's clock); an object left in a thread's slot when its pool is dropped is reclaimed by the garbage collector.
/// </remarks>
internal sealed class ObjectPool<T>
    where T : class
{
    [ThreadStatic]
    private static T? t_item;

    [ThreadStatic]
    private static ObjectPool<T>? t_owner;

    private readonly T?[] _items = new T?[Math.Max(8, Environment.ProcessorCount * 4)];

    public T? TryRent()
    {
        T? local = t_item;
        if (local is not null && ReferenceEquals(t_owner, this))
        {
            t_item = null;
            return local;
        }

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
        if (t_item is null)
        {
            t_owner = this;
            t_item = item;
            return true;
        }

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

    /// <summary>Empties the shared slots, handing each object to <paramref name="drop"/>, and the calling thread's slot when it holds one of this pool's.</summary>
    public void Drain(Action<T> drop)
    {
        if (t_item is { } local && ReferenceEquals(t_owner, this))
        {
            t_item = null;
            drop(local);
        }

        for (int i = 0; i < _items.Length; i++)
        {
            if (Interlocked.Exchange(ref _items[i], null) is { } item)
            {
                drop(item);
            }
        }
    }
}
