using System.Runtime.CompilerServices;

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
/// The slot is a non-generic type's thread-static fields (<typeparamref name="TSlot"/>), which the JIT reads inline; a
/// generic type's would be looked up through a runtime helper on every call.
/// </remarks>
/// <typeparam name="T">The pooled objects.</typeparam>
/// <typeparam name="TSlot">The thread slot of this kind of pool.</typeparam>
internal sealed class ObjectPool<T, TSlot>
    where T : class
    where TSlot : struct, IThreadSlot<T>
{
    private readonly T?[] _items = new T?[Math.Max(8, Environment.ProcessorCount * 4)];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T? TryRent()
    {
        ref T? slot = ref TSlot.Item;
        T? local = slot;
        if (local is not null && ReferenceEquals(TSlot.Owner, this))
        {
            slot = null;
            return local;
        }

        return TryRentShared();
    }

    /// <summary>Gives an object back; returns <see langword="false"/> when the pool is full and the caller should drop it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryReturn(T item)
    {
        ref T? slot = ref TSlot.Item;
        if (slot is null)
        {
            TSlot.Owner = this;
            slot = item;
            return true;
        }

        return TryReturnShared(item);
    }

    private T? TryRentShared()
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

    private bool TryReturnShared(T item)
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

    /// <summary>Empties the shared slots, handing each object to <paramref name="drop"/>, and the calling thread's slot when it holds one of this pool's.</summary>
    public void Drain(Action<T> drop)
    {
        ref T? slot = ref TSlot.Item;
        if (slot is { } local && ReferenceEquals(TSlot.Owner, this))
        {
            slot = null;
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

/// <summary>A kind of pool's slot for one object per thread: thread-static fields of a non-generic type.</summary>
/// <typeparam name="T">The pooled objects.</typeparam>
internal interface IThreadSlot<T>
    where T : class
{
    /// <summary>Gets the calling thread's pooled object, or <see langword="null"/>.</summary>
    static abstract ref T? Item { get; }

    /// <summary>Gets or sets the pool the calling thread's object belongs to.</summary>
    static abstract object? Owner { get; set; }
}
