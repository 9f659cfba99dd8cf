namespace LlmRouter;

/// <summary>
/// What admitting a deployment for one call takes: a slot of its <see cref="ConcurrencyGate"/> and, when its circuit was open,
/// the breaker's probe permit. A lease is taken here (<see cref="TryTake"/>, or <see cref="TryComplete"/> after waiting for a
/// slot), held by one candidate and then by the attempt made with it, and given back here exactly once: by
/// <see cref="Release"/> when the call ended, or by <see cref="Abandon"/> when the candidate was not called after all.
/// </summary>
/// <remarks>
/// This is the only code that enters or leaves a deployment's gate. A lease is a value: whoever holds it gives it back, and
/// giving it back clears it, so a second release of the same copy does nothing.
/// </remarks>
internal struct DeploymentLease
{
    private Deployment? _deployment;

    private DeploymentLease(Deployment deployment, bool probe)
    {
        _deployment = deployment;
        Probe = probe;
    }

    /// <summary>Gets whether the call decides the fate of a circuit that was open (a half-open probe, or a forced try).</summary>
    public readonly bool Probe { get; }

    /// <summary>Gets whether the lease still holds its slot.</summary>
    public readonly bool IsHeld => _deployment is not null;

    /// <summary>
    /// Admits <paramref name="deployment"/> when it is not cooling down, has a free slot and its circuit lets the call through.
    /// </summary>
    /// <param name="deployment">The deployment.</param>
    /// <param name="now">The current timestamp.</param>
    /// <param name="lease">The lease taken, when admitted.</param>
    /// <returns>
    /// <see cref="LeaseRefusal.None"/> when admitted; otherwise why not. <see cref="LeaseRefusal.Saturated"/> takes nothing, so a
    /// caller that may queue can wait for a slot (<see cref="ConcurrencyGate.WaitAsync"/>) and then call <see cref="TryComplete"/>.
    /// </returns>
    public static LeaseRefusal TryTake(Deployment deployment, long now, out DeploymentLease lease)
    {
        lease = default;
        DeploymentState state = deployment.State;
        if (now < state.CooldownUntil)
        {
            return LeaseRefusal.CoolingDown;
        }

        if (!state.Gate.TryEnter())
        {
            return LeaseRefusal.Saturated;
        }

        return TryComplete(deployment, now, out lease);
    }

    /// <summary>
    /// Completes an admission whose slot is already taken (by <see cref="ConcurrencyGate.TryEnter"/> or a successful wait):
    /// asks the circuit breaker, and gives the slot back when the circuit keeps the deployment out.
    /// </summary>
    /// <returns><see cref="LeaseRefusal.None"/> when admitted, else <see cref="LeaseRefusal.CircuitOpen"/>.</returns>
    public static LeaseRefusal TryComplete(Deployment deployment, long now, out DeploymentLease lease)
    {
        DeploymentState state = deployment.State;
        bool probe = false;
        if (state.Breaker is { } breaker && !breaker.TryAcquire(now, out probe))
        {
            state.Gate.Exit();
            lease = default;
            return LeaseRefusal.CircuitOpen;
        }

        lease = new DeploymentLease(deployment, probe);
        return LeaseRefusal.None;
    }

    /// <summary>
    /// Admits a deployment whose circuit is open, as a probe, when every candidate was passed over for an open circuit and the
    /// router is set to try anyway; needs only a free slot.
    /// </summary>
    public static bool TryForce(Deployment deployment, out DeploymentLease lease)
    {
        if (!deployment.State.Gate.TryEnter())
        {
            lease = default;
            return false;
        }

        lease = new DeploymentLease(deployment, probe: true);
        return true;
    }

    /// <summary>Gives the slot back: the call ended, and its outcome (probe included) has been or will be recorded by the breaker.</summary>
    public void Release()
    {
        if (_deployment is { } deployment)
        {
            _deployment = null;
            deployment.State.Gate.Exit();
        }
    }

    /// <summary>Gives back everything: the slot and, for a probe, its turn. For a candidate that was not called after all.</summary>
    public void Abandon()
    {
        if (_deployment is { } deployment)
        {
            _deployment = null;
            deployment.State.Gate.Exit();
            FailurePolicy.OnIgnored(deployment, Probe);
        }
    }
}
