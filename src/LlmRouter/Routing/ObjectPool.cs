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
/// router's clock), and the last pool to give an object back on a thread holds its slot: the object it finds there goes
/// back to its own pool's shared slots, so a router disposed since, or one that calls on this thread less often, does not
/// keep the slot from the others.
/// The slot is <see cref="ThreadSlot{TKind}"/> of the pool's kind: a type instantiated over a value type is exact in the
/// pool's shared code, so the JIT reads its thread-static fields inline (those of a type generic over the reference type
/// <typeparamref name="T"/> would be looked up through a runtime helper on every call).
/// </remarks>
/// <typeparam name="T">The pooled objects.</typeparam>
/// <typeparam name="TKind">A value type naming this kind of pool, whose pools share one slot per thread.</typeparam>
internal sealed class ObjectPool<T, TKind>
    where T : class
    where TKind : struct
{
    private readonly T?[] _items = new T?[Math.Max(8, Environment.ProcessorCount * 4)];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T? TryRent()
    {
        ref object? slot = ref ThreadSlot<TKind>.Item;
        object? local = slot;
        if (local is not null && ReferenceEquals(ThreadSlot<TKind>.Owner, this))
        {
            slot = null;
            return Unsafe.As<T>(local);
        }

        return TryRentShared();
    }

    /// <summary>Gives an object back; returns <see langword="false"/> when the pool is full and the caller should drop it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryReturn(T item)
    {
        ref object? slot = ref ThreadSlot<TKind>.Item;
        object? held = slot;
        if (held is null)
        {
            ThreadSlot<TKind>.Owner = this;
            slot = item;
            return true;
        }

        if (!ReferenceEquals(ThreadSlot<TKind>.Owner, this))
        {
            // Another pool's object (another router's, perhaps one disposed since): it goes back to its own pool's shared
            // slots (or, when they are full, to the garbage collector), and this pool takes the thread's slot.
            ((ObjectPool<T, TKind>)ThreadSlot<TKind>.Owner!).TryReturnShared((T)held);
            ThreadSlot<TKind>.Owner = this;
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
        ref object? slot = ref ThreadSlot<TKind>.Item;
        if (slot is { } local && ReferenceEquals(ThreadSlot<TKind>.Owner, this))
        {
            slot = null;
            drop(Unsafe.As<T>(local));
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

/// <summary>One pooled object per thread for the pools of one kind (<typeparamref name="TKind"/>), and the pool it belongs to.</summary>
/// <typeparam name="TKind">A value type naming the kind of pool.</typeparam>
internal static class ThreadSlot<TKind>
    where TKind : struct
{
    /// <summary>The calling thread's pooled object, or <see langword="null"/>; only the pool named by <see cref="Owner"/> takes it.</summary>
    [ThreadStatic]
    public static object? Item;

    /// <summary>The pool the calling thread's object belongs to.</summary>
    [ThreadStatic]
    public static object? Owner;
}
