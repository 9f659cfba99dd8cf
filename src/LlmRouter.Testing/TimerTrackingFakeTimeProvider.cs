using Microsoft.Extensions.Time.Testing;

namespace LlmRouter.Testing;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that also counts the timers scheduled on it, so a test can wait until code running on
/// another thread has started the delay or timeout it is about to advance past.
/// </summary>
/// <example>
/// <code>
/// var clock = new TimerTrackingFakeTimeProvider();
/// Task&lt;ChatResponse&gt; call = router.GetResponseAsync("Hello"); // fails once, then waits out the retry backoff
/// await clock.WaitForTimersAsync(1);
/// clock.Advance(TimeSpan.FromSeconds(1));
/// ChatResponse response = await call;
/// </code>
/// </example>
/// <remarks>
/// <para>
/// Everything else is <see cref="FakeTimeProvider"/>'s: the start time, <see cref="FakeTimeProvider.Advance(TimeSpan)"/>,
/// <see cref="FakeTimeProvider.SetUtcNow(DateTimeOffset)"/>, <see cref="FakeTimeProvider.AutoAdvanceAmount"/>. So, as with any
/// <see cref="FakeTimeProvider"/>, <c>Advance</c> fires each timer that falls due once, with the clock already at the new
/// time, and a timer re-armed by its own callback fires again only on a later <c>Advance</c>. Use a plain
/// <see cref="FakeTimeProvider"/> when the test never waits for another thread's timers.
/// </para>
/// <para>
/// A timer counts as active from <see cref="TimeProvider.CreateTimer"/> or <see cref="ITimer.Change"/> with a finite due time
/// until it fires (a periodic timer stays active), is changed to <see cref="Timeout.InfiniteTimeSpan"/>, or is disposed.
/// <c>Task.Delay(…, timeProvider)</c> and <c>CancellationTokenSource</c> timeouts built on this provider are such timers.
/// Thread-safe.
/// </para>
/// </remarks>
public sealed class TimerTrackingFakeTimeProvider : FakeTimeProvider
{
    private readonly Lock _gate = new();
    private readonly HashSet<Schedule> _active = [];
    private readonly List<(int Count, TaskCompletionSource Signal)> _waiters = [];

    /// <summary>Creates a clock that starts at midnight, January 1st 2000 (UTC), like <see cref="FakeTimeProvider()"/>.</summary>
    public TimerTrackingFakeTimeProvider()
    {
    }

    /// <summary>Creates a clock that starts at <paramref name="startDateTime"/>.</summary>
    /// <param name="startDateTime">The initial time reported by the provider.</param>
    public TimerTrackingFakeTimeProvider(DateTimeOffset startDateTime)
        : base(startDateTime)
    {
    }

    /// <summary>Gets the number of timers currently scheduled to fire.</summary>
    public int ActiveTimers
    {
        get
        {
            lock (_gate)
            {
                return _active.Count;
            }
        }
    }

    /// <summary>
    /// Completes when at least <paramref name="count"/> timers are scheduled: lets a test wait, without sleeping, until
    /// code running on another thread has started the delay or timeout it is about to advance past.
    /// </summary>
    /// <param name="count">How many active timers to wait for.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes once the count is reached; its continuations run asynchronously.</returns>
    public Task WaitForTimersAsync(int count, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_active.Count >= count)
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, signal));
            return signal.Task.WaitAsync(cancellationToken);
        }
    }

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new TrackedTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private ITimer CreateFakeTimer(Schedule schedule, TimeSpan dueTime, TimeSpan period) =>
        base.CreateTimer(static s => ((Schedule)s!).Fire(), schedule, dueTime, period);

    private void Activate(Schedule schedule)
    {
        lock (_gate)
        {
            if (schedule.Ended)
            {
                return;
            }

            _active.Add(schedule);
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_active.Count >= _waiters[i].Count)
                {
                    _waiters[i].Signal.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    private void Deactivate(Schedule? schedule)
    {
        if (schedule is not null)
        {
            lock (_gate)
            {
                schedule.Ended = true;
                _active.Remove(schedule);
            }
        }
    }

    // One per Change: a timer of FakeTimeProvider's own does the firing, so Advance fires it; the schedule only tells whether
    // that firing ended the timer's active life. A callback already under way when the timer is changed belongs to the old
    // schedule and cannot uncount the new one.
    private sealed class Schedule(TimerTrackingFakeTimeProvider owner, TimerCallback callback, object? state, bool periodic)
    {
        /// <summary>Gets or sets whether the schedule fired (one-shot), was changed or was disposed; guarded by the owner's gate.</summary>
        public bool Ended { get; set; }

        public void Fire()
        {
            if (!periodic)
            {
                owner.Deactivate(this);
            }

            callback(state);
        }
    }

    private sealed class TrackedTimer(TimerTrackingFakeTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        private const long MaxTimeoutMilliseconds = 0xfffffffe;

        private readonly Lock _gate = new();
        private Schedule? _schedule;
        private ITimer? _fake;
        private bool _disposed;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            // FakeTimeProvider's own limits, checked first so that a timer it refuses is never counted.
            ArgumentOutOfRangeException.ThrowIfLessThan((long)dueTime.TotalMilliseconds, -1, nameof(dueTime));
            ArgumentOutOfRangeException.ThrowIfGreaterThan((long)dueTime.TotalMilliseconds, MaxTimeoutMilliseconds, nameof(dueTime));
            ArgumentOutOfRangeException.ThrowIfLessThan((long)period.TotalMilliseconds, -1, nameof(period));
            ArgumentOutOfRangeException.ThrowIfGreaterThan((long)period.TotalMilliseconds, MaxTimeoutMilliseconds, nameof(period));

            Schedule schedule;
            lock (_gate)
            {
                if (_disposed)
                {
                    return false;
                }

                Release();
                if ((long)dueTime.TotalMilliseconds < 0)
                {
                    return true;
                }

                schedule = new Schedule(owner, callback, state, periodic: period > TimeSpan.Zero);
                _schedule = schedule;
            }

            // Created outside the lock because a zero due time runs the callback right here, and callbacks may call back in.
            ITimer fake = owner.CreateFakeTimer(schedule, dueTime, period);
            lock (_gate)
            {
                if (ReferenceEquals(_schedule, schedule))
                {
                    // Counted only now that the fake timer exists, so a test woken by WaitForTimersAsync advances past a timer
                    // that is really there. A schedule that already fired (a zero due time) stays uncounted.
                    _fake = fake;
                    owner.Activate(schedule);
                    return true;
                }
            }

            // Changed or disposed meanwhile, by another thread or by the callback itself.
            fake.Dispose();
            return true;
        }

        public void Dispose()
        {
            lock (_gate)
            {
                _disposed = true;
                Release();
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }

        private void Release()
        {
            _fake?.Dispose();
            _fake = null;
            owner.Deactivate(_schedule);
            _schedule = null;
        }
    }
}
