namespace LlmRouter;

/// <summary>A deployment chosen for the next attempt, admitted past its cooldown, concurrency limit and circuit breaker.</summary>
/// <param name="Deployment">The deployment.</param>
/// <param name="Route">The route it was chosen from.</param>
/// <param name="Lease">
/// What admitting it took (its slot, and the probe permit when its circuit was open); not held while <paramref name="NeedsSlot"/>.
/// </param>
/// <param name="NeedsSlot">Whether the deployment is saturated and the caller must wait for a slot, then complete admission.</param>
/// <param name="Try">The attempt's number on this deployment within the request: 1, or more for a retry.</param>
internal readonly record struct Candidate(Deployment Deployment, Route Route, DeploymentLease Lease, bool NeedsSlot, int Try = 1)
{
    /// <summary>Gets whether the call decides the fate of a circuit that was open (a half-open probe, or a forced try).</summary>
    public bool Probe => Lease.Probe;
}
