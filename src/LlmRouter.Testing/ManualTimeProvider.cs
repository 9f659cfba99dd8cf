namespace LlmRouter.Testing;

/// <summary>
/// A <see cref="TimeProvider"/> whose clock moves only when a test advances it; timers, <c>Task.Delay(…, timeProvider)</c>
/// and <c>CancellationTokenSource</c> timeouts built on it fire during <see cref="Advance(TimeSpan)"/>, in due-time order.
/// </summary>
/// <remarks>
/// Thread-safe. Timer callbacks run synchronously on the thread that calls <see cref="Advance(TimeSpan)"/>, with the
/// clock set to each timer's due time, so code under test observes exactly the time it scheduled for.
/// </remarks>
public sealed class ManualTimeProvider : TimeProvider
{
    private readonly Lock _gate = new();
    private readonly List<ManualTimer> _timers = [];
    private readonly List<(int Count, TaskCompletionSource Signal)> _waiters = [];
    private readonly DateTimeOffset _start;
    private long _elapsedTicks;
    private TimeZoneInfo _localTimeZone = TimeZoneInfo.Utc;

    /// <summary>Creates a clock that starts at <paramref name="start"/>.</summary>
    /// <param name="start">The initial UTC time; the default is 2025-01-01T00:00:00Z.</param>
    public ManualTimeProvider(DateTimeOffset? start = null)
    {
        _start = start ?? new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    }

    /// <inheritdoc />
    /// <value>One tick per 100 ns, like <see cref="TimeSpan"/>.</value>
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <inheritdoc />
    /// <value>The default is UTC.</value>
    public override TimeZoneInfo LocalTimeZone => _localTimeZone;

    /// <summary>Gets the number of timers currently scheduled to fire.</summary>
    public int ActiveTimers
    {
        get
        {
            lock (_gate)
            {
                return _timers.Count(t => t.DueTicks is not null);
            }
        }
    }

    /// <summary>Gets how much time has passed since the clock was created.</summary>
    public TimeSpan Elapsed => TimeSpan.FromTicks(Interlocked.Read(ref _elapsedTicks));

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow() => _start + Elapsed;

    /// <inheritdoc />
    public override long GetTimestamp() => Interlocked.Read(ref _elapsedTicks);

    /// <summary>Sets the time zone <see cref="LocalTimeZone"/> reports.</summary>
    /// <param name="timeZone">The time zone.</param>
    public void SetLocalTimeZone(TimeZoneInfo timeZone) => _localTimeZone = timeZone ?? throw new ArgumentNullException(nameof(timeZone));

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>
    /// Moves the clock forward by <paramref name="delta"/>, firing every timer that falls due on the way, in order.
    /// A timer due exactly at the new time fires; so does a timer created with a zero due time.
    /// </summary>
    /// <param name="delta">How far to move; zero fires only timers already due.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delta"/> is negative: time never goes back.</exception>
    public void Advance(TimeSpan delta)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delta, TimeSpan.Zero);
        long target = Interlocked.Read(ref _elapsedTicks) + delta.Ticks;
        while (true)
        {
            ManualTimer? due = null;
            lock (_gate)
            {
                foreach (ManualTimer timer in _timers)
                {
                    if (timer.DueTicks is { } at && at <= target && (due is null || at < due.DueTicks))
                    {
                        due = timer;
                    }
                }

                if (due is null)
                {
                    Interlocked.Exchange(ref _elapsedTicks, target);
                    return;
                }

                Interlocked.Exchange(ref _elapsedTicks, Math.Max(due.DueTicks!.Value, Interlocked.Read(ref _elapsedTicks)));
                due.DueTicks = due.PeriodTicks > 0 ? due.DueTicks + due.PeriodTicks : null;
            }

            due.Fire();
        }
    }

    /// <summary>Moves the clock forward to <paramref name="value"/>, firing the timers due on the way.</summary>
    /// <param name="value">The new UTC time; not earlier than the current one.</param>
    public void SetUtcNow(DateTimeOffset value) => Advance(value - GetUtcNow());

    /// <summary>
    /// Completes when at least <paramref name="count"/> timers are scheduled: lets a test wait, without sleeping, until
    /// code running on another thread has started the delay or timeout it is about to advance past.
    /// </summary>
    /// <param name="count">How many active timers to wait for.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes once the count is reached.</returns>
    public Task WaitForTimersAsync(int count, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (CountActive() >= count)
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, signal));
            return signal.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Returns the elapsed time since the clock was created, for diagnostics.</summary>
    /// <returns>For example <c>ManualTimeProvider at 2025-01-01T00:00:01.5000000+00:00 (3 timers)</c>.</returns>
    public override string ToString() => $"ManualTimeProvider at {GetUtcNow():O} ({ActiveTimers} timers)";

    private void Schedule(ManualTimer timer, TimeSpan dueTime, TimeSpan period)
    {
        lock (_gate)
        {
            if (!_timers.Contains(timer))
            {
                _timers.Add(timer);
            }

            timer.DueTicks = dueTime == Timeout.InfiniteTimeSpan ? null : Interlocked.Read(ref _elapsedTicks) + Math.Max(0, dueTime.Ticks);
            timer.PeriodTicks = period == Timeout.InfiniteTimeSpan ? 0 : Math.Max(0, period.Ticks);
            SignalWaiters();
        }
    }

    private void Remove(ManualTimer timer)
    {
        lock (_gate)
        {
            _timers.Remove(timer);
        }
    }

    private void SignalWaiters()
    {
        int active = CountActive();
        for (int i = _waiters.Count - 1; i >= 0; i--)
        {
            if (active >= _waiters[i].Count)
            {
                _waiters[i].Signal.TrySetResult();
                _waiters.RemoveAt(i);
            }
        }
    }

    private int CountActive()
    {
        int active = 0;
        foreach (ManualTimer timer in _timers)
        {
            if (timer.DueTicks is not null)
            {
                active++;
            }
        }

        return active;
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        private bool _disposed;

        public long? DueTicks { get; set; }

        public long PeriodTicks { get; set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            if (_disposed)
            {
                return false;
            }

            owner.Schedule(this, dueTime, period);
            return true;
        }

        public void Fire() => callback(state);

        public void Dispose()
        {
            _disposed = true;
            owner.Remove(this);
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
