using System.Collections.Concurrent;

namespace LlmRouter;

/// <summary>
/// The answers a response cache is storing after their callers had them: a miss hands its answer back first and is written to the
/// store on the thread pool, so the entry's serialization and the store's round trip are not in the caller's time.
/// </summary>
/// <remarks>
/// A lookup in this process waits for a store of its own key that is still under way, so a request repeated at once is still
/// answered from the cache; a semantic lookup waits for every store under way, because its match may be among them. When nothing
/// is being stored a lookup reads one counter. Thread-safe.
/// </remarks>
internal sealed class PendingStores
{
    private readonly ConcurrentDictionary<string, Task> _byKey = new(StringComparer.Ordinal);
    private int _count;

    /// <summary>Gets whether any store is under way.</summary>
    public bool Any => Volatile.Read(ref _count) > 0;

    /// <summary>
    /// Runs <paramref name="store"/> for <paramref name="key"/> on the thread pool, after any store of the same key started before it;
    /// it must not throw.
    /// </summary>
    public void Start(string key, Func<Task> store)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // A later answer to the same request (a refresh) is written after the earlier one, so the later one stays.
        _byKey.TryGetValue(key, out Task? earlier);
        _byKey[key] = started.Task;
        Interlocked.Increment(ref _count);
        ThreadPool.UnsafeQueueUserWorkItem(
            static state => _ = state.Owner.RunAsync(state.Key, state.Earlier, state.Store, state.Started),
            (Owner: this, Key: key, Earlier: earlier, Store: store, Started: started),
            preferLocal: false);
    }

    /// <summary>Waits for the store of <paramref name="key"/> when one is under way.</summary>
    public Task WhenStored(string key) =>
        Any && _byKey.TryGetValue(key, out Task? pending) ? pending : Task.CompletedTask;

    /// <summary>Waits for every store under way now.</summary>
    public Task WhenAllStored() => Any ? Task.WhenAll(_byKey.Values) : Task.CompletedTask;

    private async Task RunAsync(string key, Task? earlier, Func<Task> store, TaskCompletionSource started)
    {
        try
        {
            if (earlier is not null)
            {
                await earlier.ConfigureAwait(false);
            }

            await store().ConfigureAwait(false);
        }
        finally
        {
            _byKey.TryRemove(KeyValuePair.Create(key, started.Task));
            Interlocked.Decrement(ref _count);
            started.SetResult();
        }
    }
}
