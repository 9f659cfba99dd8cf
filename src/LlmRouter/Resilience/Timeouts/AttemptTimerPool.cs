namespace LlmRouter;

/// <summary>The router's pool of <see cref="AttemptTimer"/>s: each is disarmed before it goes back.</summary>
internal sealed class AttemptTimerPool(TimeProvider time) : IDisposable
{
    private readonly ObjectPool<AttemptTimer, ThreadSlot> _pool = new();

    public AttemptTimer Rent() => _pool.TryRent() ?? new AttemptTimer(time);

    public void Return(AttemptTimer timer)
    {
        if (!timer.Disarm() || !_pool.TryReturn(timer))
        {
            timer.Dispose();
        }
    }

    public void Dispose() => _pool.Drain(static timer => timer.Dispose());

    /// <summary>Each thread's pooled timer.</summary>
    private struct ThreadSlot : IThreadSlot<AttemptTimer>
    {
        [ThreadStatic]
        private static AttemptTimer? t_item;

        [ThreadStatic]
        private static object? t_owner;

        public static ref AttemptTimer? Item => ref t_item;

        public static object? Owner
        {
            get => t_owner;
            set => t_owner = value;
        }
    }
}
