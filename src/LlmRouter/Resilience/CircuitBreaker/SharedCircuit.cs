namespace LlmRouter;

/// <summary>
/// One deployment's link to the circuits shared between processes (<see cref="ISharedCircuits"/>): publishes what its
/// <see cref="CircuitBreaker"/> decides, and holds the grant to probe. When the break ends the breaker asks
/// <see cref="TryTakeGrant"/>; without a grant it refuses the call and a claim goes out in the background (one at a time), so no
/// request waits on another process. A grant is good for <see cref="CircuitBreakerConstants.SharedProbeGrant"/>: unused by then,
/// it is given back so another process can probe.
/// </summary>
internal sealed class SharedCircuit
{
    private const int None = 0;
    private const int Granted = 1;
    private const int Taken = 2;

    private readonly ISharedCircuits _circuits;
    private readonly TimeProvider _time;
    private readonly TimeSpan _lease;
    private readonly TimeSpan _breakDuration;
    private readonly long _grantLength;
    private int _grant;
    private long _grantedUntil;
    private int _claiming;
    private ITimer? _grantTimer;

    /// <param name="circuits">Where circuits are shared.</param>
    /// <param name="deployment">The deployment's name, the same in every process.</param>
    /// <param name="probeLength">How long a probe call may take (the attempt timeout, else the total one, else the break).</param>
    /// <param name="breakDuration">The circuit's break: a refused claim is asked again at least this often.</param>
    /// <param name="time">The router's clock.</param>
    public SharedCircuit(ISharedCircuits circuits, string deployment, TimeSpan probeLength, TimeSpan breakDuration, TimeProvider time)
    {
        _breakDuration = breakDuration;
        _circuits = circuits;
        Deployment = deployment;
        _time = time;
        _lease = CircuitBreakerConstants.SharedProbeGrant + probeLength;
        _grantLength = Timestamps.FromTimeSpan(CircuitBreakerConstants.SharedProbeGrant, time.TimestampFrequency);
    }

    public string Deployment { get; }

    /// <summary>
    /// Takes this process's grant to probe, when it holds one; otherwise starts a claim (unless one is under way) and returns
    /// <see langword="false"/>: the deployment stays out until the claim is answered. A claim answered at once (the shared
    /// store is unreachable and grants, as per-process circuits would) is taken at once.
    /// </summary>
    public bool TryTakeGrant(CircuitBreaker breaker, long now)
    {
        if (TryTake(now))
        {
            return true;
        }

        return Interlocked.Exchange(ref _claiming, 1) == 0 && ClaimAsync(breaker, now).IsCompleted && TryTake(now);
    }

    private bool TryTake(long now) =>
        now < Volatile.Read(ref _grantedUntil) && Interlocked.CompareExchange(ref _grant, Taken, Granted) == Granted;

    /// <summary>Gives back a grant taken by <see cref="TryTakeGrant"/> when the breaker's own state change then failed.</summary>
    public void ReturnGrant() => Interlocked.CompareExchange(ref _grant, Granted, Taken);

    public void Opened(TimeSpan breakDuration)
    {
        Volatile.Write(ref _grant, None);
        _circuits.PublishOpened(Deployment, breakDuration);
    }

    public void Closed()
    {
        Volatile.Write(ref _grant, None);
        _circuits.PublishClosed(Deployment);
    }

    /// <summary>The probe was not made after all: the grant goes back to every process.</summary>
    public void Abandoned()
    {
        Volatile.Write(ref _grant, None);
        _circuits.ReleaseProbe(Deployment);
    }

    /// <summary>Another process changed the circuit: a grant held here no longer applies.</summary>
    public void Forget() => Volatile.Write(ref _grant, None);

    private async Task ClaimAsync(CircuitBreaker breaker, long started)
    {
        try
        {
            ProbeClaim claim;
            try
            {
                claim = await _circuits.ClaimProbeAsync(Deployment, _lease).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The contract says implementations do not throw; one that does cannot coordinate, so this process probes alone,
                // as it would without shared circuits.
                claim = ProbeClaim.Grant;
            }

            if (claim.Granted)
            {
                // Counted from before the claim was sent, so the grant ends here no later than it does for the others.
                Volatile.Write(ref _grantedUntil, started + _grantLength);
                Volatile.Write(ref _grant, Granted);
                // Held in a field: a timer nothing references may be collected before it fires.
                ITimer timer = _time.CreateTimer(
                    static state =>
                    {
                        var self = (SharedCircuit)state!;
                        if (Interlocked.CompareExchange(ref self._grant, None, Granted) == Granted)
                        {
                            self._circuits.ReleaseProbe(self.Deployment);
                        }
                    },
                    this,
                    CircuitBreakerConstants.SharedProbeGrant,
                    Timeout.InfiniteTimeSpan);
                Interlocked.Exchange(ref _grantTimer, timer)?.Dispose();
            }
            else
            {
                // Asked again within a break at most: a probe elsewhere may outlive its process, and a reopen may go unheard.
                TimeSpan keepOut = claim.KeepOutFor < _breakDuration ? claim.KeepOutFor : _breakDuration;
                breaker.KeepOpen(_time.GetTimestamp() + Timestamps.FromTimeSpan(keepOut, _time.TimestampFrequency));
            }
        }
        finally
        {
            Volatile.Write(ref _claiming, 0);
        }
    }
}
