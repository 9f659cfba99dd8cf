namespace LlmRouter;

/// <summary>
/// A deployment's recent calls, for percentiles: time to first token, total duration and output tokens per second of at most
/// its last <see cref="LatencyConstants.Capacity"/> calls within <see cref="LatencyConstants.Window"/>. Recording is lock-free
/// and allocation-free (one interlocked increment and two stores per value); percentiles are computed from the window at most
/// once per <see cref="LatencyConstants.Refresh"/> by whichever reader finds them old, and published as one immutable snapshot.
/// </summary>
/// <remarks>
/// Writers racing for the same slot may leave a value beside another call's timestamp: a window of recent calls tolerates
/// that, and it never tears a value.
/// </remarks>
internal sealed class LatencyWindow
{
    private const int Mask = LatencyConstants.Capacity - 1;

    private readonly Ring _firstToken = new();
    private readonly Ring _total = new();
    private readonly Ring _outputRate = new();
    private readonly long _windowTicks;
    private readonly long _refreshTicks;
    private volatile LatencySnapshot _snapshot = LatencySnapshot.Empty;
    private int _computing;

    public LatencyWindow(long timestampFrequency)
    {
        _windowTicks = (long)(LatencyConstants.Window.TotalSeconds * timestampFrequency);
        _refreshTicks = (long)(LatencyConstants.Refresh.TotalSeconds * timestampFrequency);
    }

    /// <summary>Records a non-streaming call: its duration is both its time to first token and its total.</summary>
    public void RecordCall(double seconds, long now)
    {
        _firstToken.Add(seconds, now);
        _total.Add(seconds, now);
    }

    public void RecordFirstToken(double seconds, long now) => _firstToken.Add(seconds, now);

    public void RecordTotal(double seconds, long now) => _total.Add(seconds, now);

    public void RecordOutputRate(double tokensPerSecond, long now) => _outputRate.Add(tokensPerSecond, now);

    /// <summary>Gets the percentiles of the window as of <paramref name="now"/>, computed again when the last ones are older than <see cref="LatencyConstants.Refresh"/>.</summary>
    public LatencySnapshot Read(long now)
    {
        LatencySnapshot snapshot = _snapshot;
        if (snapshot.Computed && now - snapshot.At < _refreshTicks)
        {
            return snapshot;
        }

        if (Interlocked.CompareExchange(ref _computing, 1, 0) != 0)
        {
            return snapshot;
        }

        try
        {
            Span<double> values = stackalloc double[LatencyConstants.Capacity];
            int firstTokens = _firstToken.Collect(values, now, _windowTicks);
            Quantiles firstToken = Quantiles.Of(values[..firstTokens]);
            int totals = _total.Collect(values, now, _windowTicks);
            Quantiles total = Quantiles.Of(values[..totals]);
            int rates = _outputRate.Collect(values, now, _windowTicks);
            Quantiles rate = Quantiles.Of(values[..rates]);
            snapshot = new LatencySnapshot(now, firstTokens, firstToken, totals, total, rates > 0 ? rate.P50 : double.NaN);
            _snapshot = snapshot;
            return snapshot;
        }
        finally
        {
            Volatile.Write(ref _computing, 0);
        }
    }

    /// <summary>One measure's last <see cref="LatencyConstants.Capacity"/> values and when each was recorded (0: never).</summary>
    private sealed class Ring
    {
        private readonly double[] _values = new double[LatencyConstants.Capacity];
        private readonly long[] _at = new long[LatencyConstants.Capacity];
        private int _next = -1;

        public void Add(double value, long now)
        {
            if (!double.IsFinite(value) || value < 0)
            {
                return;
            }

            int slot = Interlocked.Increment(ref _next) & Mask;
            _values[slot] = value;
            Volatile.Write(ref _at[slot], Math.Max(1, now));
        }

        /// <summary>Copies the values recorded within <paramref name="windowTicks"/> of <paramref name="now"/> into <paramref name="into"/>; returns how many.</summary>
        public int Collect(Span<double> into, long now, long windowTicks)
        {
            int count = 0;
            for (int i = 0; i < _values.Length; i++)
            {
                long at = Volatile.Read(ref _at[i]);
                if (at != 0 && now - at <= windowTicks)
                {
                    into[count++] = _values[i];
                }
            }

            return count;
        }
    }
}
