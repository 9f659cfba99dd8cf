namespace LlmRouter;

/// <summary>The router's pool of <see cref="AttemptTimer"/>s: each is disarmed before it goes back.</summary>
internal sealed class AttemptTimerPool(TimeProvider time) : IDisposable
{
    private readonly ObjectPool<AttemptTimer, TimerPool> _pool = new();

    public AttemptTimer Rent() => _pool.TryRent() ?? new AttemptTimer(time);

    public void Return(AttemptTimer timer)
    {
        if (!timer.Disarm() || !_pool.TryReturn(timer))
        {
            timer.Dispose();
        }
    }

    public void Dispose() => _pool.Drain(static timer => timer.Dispose());

    /// <summary>Names this kind of pool: its objects are kept one per thread apart from other kinds'.</summary>
    private struct TimerPool;
}
