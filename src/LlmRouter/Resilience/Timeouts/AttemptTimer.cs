namespace LlmRouter;

/// <summary>
/// The cancellation of one attempt: fires when the request's total deadline, the attempt's deadline, the first-chunk
/// deadline or the idle time between chunks passes, or when the caller cancels. Pooled per router and re-armed for each
/// attempt, so a healthy call allocates nothing for its timeouts.
/// </summary>
/// <remarks>
/// One timer serves all deadlines. Once a stream has started, each chunk only bumps a counter (no clock read, no timer
/// change); the timer checks the counter every quarter of the idle timeout, so a stream silent for
/// <see cref="TimeoutOptions.BetweenChunks"/> is cut within a quarter of that time after.
/// <para>
/// Arming and scheduling are separate: <see cref="Arm"/> sets the deadlines and links the caller's token, <see cref="Start"/>
/// schedules the timer. A call that completes before its task is returned (a cache hit, an in-memory client) never
/// schedules it, which spares two updates of the runtime's shared timer queue per call; deadlines are absolute, so a timer
/// started later still fires when they pass.
/// </para>
/// </remarks>
internal sealed class AttemptTimer : IDisposable
{
    /// <summary>The idle check runs this many times per between-chunks timeout.</summary>
    public const int IdleChecksPerTimeout = 4;

    private const int Idle = 0;
    private const int Armed = 1;
    private const int Busy = 2;

    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private CancellationTokenSource _cancellation = new();
    private CancellationTokenRegistration _callerRegistration;
    private int _state;
    private long _requestDeadline = Timestamps.Never;
    private long _attemptDeadline = Timestamps.Never;
    private long _firstChunkDeadline = Timestamps.Never;
    private long _betweenChunks;
    private bool _streaming;
    private int _chunks;
    private int _chunksSeen;
    private long _lastActivity;
    private int _expired;
    private bool _scheduled;

    public AttemptTimer(TimeProvider time)
    {
        _time = time;
        _timer = time.CreateTimer(static state => ((AttemptTimer)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Gets the token the attempt's call observes.</summary>
    public CancellationToken Token => _cancellation.Token;

    /// <summary>Gets which timeout ended the attempt, if one did.</summary>
    public TimeoutKind Expired => (TimeoutKind)Volatile.Read(ref _expired);

    /// <summary>Sets the attempt's deadlines and links the caller's token; <see cref="Start"/> schedules the timer.</summary>
    /// <param name="caller">The caller's token; its cancellation cancels the attempt.</param>
    /// <param name="now">The attempt's start.</param>
    /// <param name="requestDeadline">When the whole request must end, or <see cref="Timestamps.Never"/>.</param>
    /// <param name="attemptDeadline">When the attempt must have produced its response (a stream: its first chunk).</param>
    /// <param name="firstChunkDeadline">When a stream must have sent its first update.</param>
    /// <param name="betweenChunks">The longest silence between updates, in timestamp units; 0 for none.</param>
    public void Arm(CancellationToken caller, long now, long requestDeadline, long attemptDeadline, long firstChunkDeadline, long betweenChunks)
    {
        _requestDeadline = requestDeadline;
        _attemptDeadline = attemptDeadline;
        _firstChunkDeadline = firstChunkDeadline;
        _betweenChunks = betweenChunks;
        _streaming = false;
        _chunks = 0;
        _chunksSeen = 0;
        _lastActivity = now;
        _expired = (int)TimeoutKind.None;
        Volatile.Write(ref _state, Armed);
        if (caller.CanBeCanceled)
        {
            _callerRegistration = caller.UnsafeRegister(static state => ((AttemptTimer)state!).CancelNow(), this);
        }
    }

    /// <summary>
    /// Schedules the timer for the armed deadlines; until then none can fire. Called once per attempt, by the thread that
    /// armed it, before the attempt is left to run on its own.
    /// </summary>
    public void Start()
    {
        long deadline = Math.Min(_requestDeadline, Math.Min(_attemptDeadline, _firstChunkDeadline));
        if (deadline == Timestamps.Never || _scheduled)
        {
            return;
        }

        _scheduled = true;
        long tolerance = Math.Max(1, _time.TimestampFrequency / 1000);
        long now = _time.GetTimestamp();
        while (true)
        {
            _timer.Change(Timestamps.ToTimeSpan(Math.Max(0, deadline - now), _time.TimestampFrequency), Timeout.InfiniteTimeSpan);

            // A timer is scheduled relative to the clock's time when it is changed. A test clock moved forward by another
            // thread between the read above and that change would make the timer fire late (or never, for a test that
            // advances exactly to the deadline), so it is scheduled again from the time as it is now. A real clock moves
            // less than the tolerance meanwhile.
            long after = _time.GetTimestamp();
            if (after - now <= tolerance)
            {
                return;
            }

            now = after;
        }
    }

    /// <summary>
    /// Records that a stream sent an update. The first one ends the first-chunk and attempt deadlines and starts the idle
    /// checks; later ones only bump a counter. Called by the one thread reading the stream.
    /// </summary>
    public void OnChunk()
    {
        if (_streaming)
        {
            Volatile.Write(ref _chunks, _chunks + 1);
            return;
        }

        StartIdleChecks();
    }

    /// <summary>Cancels the attempt now (a hedged attempt that lost the race).</summary>
    public void CancelNow()
    {
        try
        {
            _cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Disposed with the router while a callback was on its way; nothing left to cancel.
        }
    }

    /// <summary>Stops timing; returns <see langword="true"/> when the timer can serve another attempt.</summary>
    public bool Disarm()
    {
        if (_scheduled)
        {
            Claim(Idle);
            _scheduled = false;
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
        else
        {
            // Never scheduled, so no callback can be running: nothing to wait out.
            Volatile.Write(ref _state, Idle);
        }

        _callerRegistration.Dispose();
        _callerRegistration = default;
        if (!_cancellation.TryReset())
        {
            // A cancelled source cannot be reused; the next attempt gets a fresh one.
            _cancellation.Dispose();
            _cancellation = new CancellationTokenSource();
        }

        return true;
    }

    public void Dispose()
    {
        _timer.Dispose();
        _callerRegistration.Dispose();
        _cancellation.Dispose();
    }

    private void StartIdleChecks()
    {
        long now = _time.GetTimestamp();
        if (!Claim(Busy))
        {
            return;
        }

        _lastActivity = now;
        _chunksSeen = _chunks;
        _streaming = true;
        Reschedule(now);
        Volatile.Write(ref _state, Armed);
    }

    private void OnTimer()
    {
        if (Interlocked.CompareExchange(ref _state, Busy, Armed) != Armed)
        {
            return;
        }

        long now = _time.GetTimestamp();
        TimeoutKind expired = TimeoutKind.None;
        if (now >= _requestDeadline)
        {
            expired = TimeoutKind.Total;
        }
        else if (!_streaming)
        {
            expired = now >= _attemptDeadline ? TimeoutKind.Attempt
                : now >= _firstChunkDeadline ? TimeoutKind.FirstChunk
                : TimeoutKind.None;
        }
        else if (_betweenChunks > 0)
        {
            int chunks = Volatile.Read(ref _chunks);
            if (chunks != _chunksSeen)
            {
                _chunksSeen = chunks;
                _lastActivity = now;
            }
            else if (now - _lastActivity >= _betweenChunks)
            {
                expired = TimeoutKind.BetweenChunks;
            }
        }

        if (expired != TimeoutKind.None)
        {
            Volatile.Write(ref _expired, (int)expired);
            CancelNow();
        }
        else
        {
            Reschedule(now);
        }

        Volatile.Write(ref _state, Armed);
    }

    /// <summary>Arms the timer for the next deadline or idle check. Only called while holding the <see cref="Busy"/> state.</summary>
    private void Reschedule(long now)
    {
        long next = _requestDeadline;
        if (!_streaming)
        {
            next = Math.Min(next, Math.Min(_attemptDeadline, _firstChunkDeadline));
        }
        else if (_betweenChunks > 0)
        {
            long check = Math.Max(1, _betweenChunks / IdleChecksPerTimeout);
            next = Math.Min(next, Math.Min(now + check, _lastActivity + _betweenChunks));
        }

        TimeSpan due = next == Timestamps.Never ? Timeout.InfiniteTimeSpan : Timestamps.ToTimeSpan(Math.Max(0, next - now), _time.TimestampFrequency);
        _scheduled = true;
        _timer.Change(due, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Takes the timer from <see cref="Armed"/> to <paramref name="target"/>, waiting out a callback in progress.</summary>
    private bool Claim(int target)
    {
        SpinWait spin = default;
        while (true)
        {
            int state = Interlocked.CompareExchange(ref _state, target, Armed);
            if (state == Armed)
            {
                return true;
            }

            if (state == Idle)
            {
                return false;
            }

            spin.SpinOnce();
        }
    }
}
