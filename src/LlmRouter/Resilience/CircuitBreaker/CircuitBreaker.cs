namespace LlmRouter;

/// <summary>
/// One deployment's circuit breaker. Lock-free on the request path: admission reads the state, outcomes increment a
/// bucket of a rolling window; a lock is taken only when a bucket rolls over to a new time slice. With shared circuits
/// (<see cref="SharedCircuit"/>) it publishes what it decides, applies what other processes decided, and probes only with the
/// grant that makes this process the one that probes.
/// </summary>
/// <remarks>
/// A bucket's successes, counted on every successful call, are striped per thread (<see cref="Stripes"/>), so cores
/// succeeding on the same deployment do not write one shared line; a sample sums the stripes. Failures, rare and read at
/// once to decide whether the circuit opens, stay in the shared bucket with its time slice.
/// </remarks>
internal sealed class CircuitBreaker
{
    private const int Closed = (int)CircuitState.Closed;
    private const int Open = (int)CircuitState.Open;
    private const int HalfOpen = (int)CircuitState.HalfOpen;

    private readonly double _failureRatio;
    private readonly int _minimumThroughput;
    private readonly long _bucketLength;
    private readonly long _breakLength;
    private readonly TimeSpan _breakDuration;
    private readonly SharedCircuit? _shared;
    private readonly Bucket[] _buckets = new Bucket[CircuitBreakerConstants.Buckets];

    /// <summary>Each stripe's successes per bucket: the value for bucket <c>i</c> is slot <c>i</c> of the stripe's cell.</summary>
    private readonly int[] _successes = Stripes.Allocate<int>();
    private readonly Lock _rollover = new();
    private int _state;
    private long _openedAt = long.MinValue;
    private long _openUntil;
    private long _lastEpoch;

    public CircuitBreaker(CircuitBreakerOptions options, long timestampFrequency, SharedCircuit? shared = null)
    {
        _shared = shared;
        _breakDuration = options.BreakDuration;
        _failureRatio = options.FailureRatio;
        _minimumThroughput = options.MinimumThroughput;
        _bucketLength = Math.Max(1, Timestamps.FromTimeSpan(options.SamplingDuration, timestampFrequency) / CircuitBreakerConstants.Buckets);
        _breakLength = Timestamps.FromTimeSpan(options.BreakDuration, timestampFrequency);
    }

    public CircuitState State => (CircuitState)Volatile.Read(ref _state);

    /// <summary>Gets whether the circuit is shared with other processes.</summary>
    public bool IsShared => _shared is not null;

    /// <summary>Gets whether the circuit ever opened.</summary>
    public bool HasOpened => Volatile.Read(ref _openedAt) != long.MinValue;

    /// <summary>Gets the timestamp at which the circuit last opened.</summary>
    public long OpenedAt => Volatile.Read(ref _openedAt);

    /// <summary>Gets the timestamp until which an open circuit keeps the deployment out.</summary>
    public long OpenUntil => Volatile.Read(ref _openUntil);

    /// <summary>
    /// Lets a call through when the circuit is closed, or makes it the single probe when an open circuit's break has
    /// ended. Returns <see langword="false"/> while open or while another probe is in flight; a shared circuit also while this
    /// process does not hold the grant to probe (asking for it in the background).
    /// </summary>
    public bool TryAcquire(long now, out bool probe)
    {
        probe = false;
        switch (Volatile.Read(ref _state))
        {
            case Closed:
                return true;
            case Open when now >= Volatile.Read(ref _openUntil):
                if (_shared is { } shared && !shared.TryTakeGrant(this, now))
                {
                    return false;
                }

                probe = Interlocked.CompareExchange(ref _state, HalfOpen, Open) == Open;
                if (!probe)
                {
                    _shared?.ReturnGrant();
                }

                return probe;
            default:
                return false;
        }
    }

    /// <summary>Records a successful call; a successful probe closes the circuit. Returns <see langword="true"/> when it closed.</summary>
    public bool OnSuccess(long now, bool probe)
    {
        if (probe)
        {
            ClearWindow();
            Volatile.Write(ref _state, Closed);
            _shared?.Closed();
            return true;
        }

        Record(now, failed: false);
        return false;
    }

    /// <summary>Records a failed call; returns <see langword="true"/> when this failure opened the circuit.</summary>
    public bool OnFailure(long now, bool probe)
    {
        if (probe)
        {
            OpenAt(now);
            Volatile.Write(ref _state, Open);
            _shared?.Opened(_breakDuration);
            return true;
        }

        if (Volatile.Read(ref _state) != Closed)
        {
            // A call admitted before the circuit opened: the circuit already knows.
            return false;
        }

        Record(now, failed: true);
        if (!ShouldOpen(now))
        {
            return false;
        }

        OpenAt(now);
        if (Interlocked.CompareExchange(ref _state, Open, Closed) != Closed)
        {
            return false;
        }

        _shared?.Opened(_breakDuration);
        return true;
    }

    /// <summary>
    /// An outcome that says nothing about the deployment (the caller cancelled, the request was bad): a half-open probe gives
    /// its turn back, so the next call probes at once. Only a half-open circuit changes: a forced try (every circuit was open)
    /// never took a turn, so it must neither end an open circuit's break nor reopen a circuit another call has since closed.
    /// </summary>
    public void OnIgnored(bool probe)
    {
        if (probe && Volatile.Read(ref _state) == HalfOpen)
        {
            Volatile.Write(ref _openUntil, 0);
            if (Interlocked.CompareExchange(ref _state, Open, HalfOpen) == HalfOpen)
            {
                _shared?.Abandoned();
            }
        }
    }

    /// <summary>
    /// Applies a circuit another process opened (or reopened after its probe failed): the circuit is open until
    /// <paramref name="until"/>, the break that process started. A half-open one is left to its probe in flight here, whose
    /// outcome decides for every process.
    /// </summary>
    /// <param name="now">The current timestamp.</param>
    /// <param name="until">When the break ends; <paramref name="now"/> when it has ended and a probe is due.</param>
    public void OpenFromElsewhere(long now, long until)
    {
        if (Volatile.Read(ref _state) == Closed)
        {
            // Written before the state changes, as a circuit opened here is: a closed circuit's deadlines are not read.
            Volatile.Write(ref _openedAt, now);
            Volatile.Write(ref _openUntil, until);
            if (Interlocked.CompareExchange(ref _state, Open, Closed) == Closed)
            {
                _shared?.Forget();
                return;
            }
        }

        if (Volatile.Read(ref _state) == Open)
        {
            Volatile.Write(ref _openUntil, until);
        }
    }

    /// <summary>Applies a circuit another process's probe closed: an open circuit closes with a fresh window; a probe in flight here decides for itself.</summary>
    public void CloseFromElsewhere()
    {
        if (Interlocked.CompareExchange(ref _state, Closed, Open) == Open)
        {
            ClearWindow();
            _shared?.Forget();
        }
    }

    /// <summary>Keeps an open circuit out at least until <paramref name="until"/> (another process probes it, or reopened it).</summary>
    public void KeepOpen(long until)
    {
        if (Volatile.Read(ref _state) != Open)
        {
            return;
        }

        long current = Volatile.Read(ref _openUntil);
        while (until > current)
        {
            long seen = Interlocked.CompareExchange(ref _openUntil, until, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    /// <summary>Counts the calls and failures sampled within the window ending at <paramref name="now"/>.</summary>
    public (int Calls, int Failures) Sample(long now)
    {
        long current = now / _bucketLength;
        int calls = 0;
        int failures = 0;
        for (int i = 0; i < _buckets.Length; i++)
        {
            ref Bucket bucket = ref _buckets[i];
            long epoch = Volatile.Read(ref bucket.Epoch);
            if (epoch > current - _buckets.Length && epoch <= current)
            {
                int bucketFailures = Volatile.Read(ref bucket.Failures);
                calls += Successes(i) + bucketFailures;
                failures += bucketFailures;
            }
        }

        return (calls, failures);
    }

    private bool ShouldOpen(long now)
    {
        (int calls, int failures) = Sample(now);
        return calls >= _minimumThroughput && failures >= _failureRatio * calls;
    }

    private void OpenAt(long now)
    {
        Volatile.Write(ref _openedAt, now);
        Volatile.Write(ref _openUntil, now + _breakLength);
    }

    private void Record(long now, bool failed)
    {
        long epoch = Epoch(now);
        int index = (int)(epoch % CircuitBreakerConstants.Buckets);
        ref Bucket bucket = ref _buckets[index];
        if (Volatile.Read(ref bucket.Epoch) != epoch)
        {
            lock (_rollover)
            {
                if (bucket.Epoch != epoch)
                {
                    for (int stripe = 0; stripe < Stripes.Count; stripe++)
                    {
                        Volatile.Write(ref Stripes.Cell(_successes, stripe, index), 0);
                    }

                    bucket.Failures = 0;
                    Volatile.Write(ref bucket.Epoch, epoch);
                }
            }
        }

        if (failed)
        {
            Interlocked.Increment(ref bucket.Failures);
        }
        else
        {
            Interlocked.Increment(ref Stripes.Cell(_successes, Stripes.Current, index));
        }
    }

    /// <summary>
    /// The time slice <paramref name="now"/> falls in. Most outcomes fall in the same slice as the previous one, which is
    /// checked with a multiplication rather than divided again (a 64-bit division costs as much as the rest of recording).
    /// </summary>
    private long Epoch(long now)
    {
        long last = Volatile.Read(ref _lastEpoch);
        long start = last * _bucketLength;
        if (now >= start && now - start < _bucketLength)
        {
            return last;
        }

        long epoch = now / _bucketLength;
        Volatile.Write(ref _lastEpoch, epoch);
        return epoch;
    }

    private void ClearWindow()
    {
        lock (_rollover)
        {
            Array.Clear(_buckets);
            Array.Clear(_successes);
        }
    }

    /// <summary>The successes of bucket <paramref name="index"/>, summed over the stripes.</summary>
    private int Successes(int index)
    {
        int successes = 0;
        for (int stripe = 0; stripe < Stripes.Count; stripe++)
        {
            successes += Volatile.Read(ref Stripes.Cell(_successes, stripe, index));
        }

        return successes;
    }

    private struct Bucket
    {
        public long Epoch;
        public int Failures;
    }
}
