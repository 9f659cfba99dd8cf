namespace LlmRouter;

/// <summary>A deployment chosen for the next attempt, admitted past its cooldown, concurrency limit and circuit breaker.</summary>
/// <param name="Deployment">The deployment.</param>
/// <param name="Route">The route it was chosen from.</param>
/// <param name="Probe">Whether the call decides the fate of a circuit that was open (a half-open probe, or a forced try).</param>
/// <param name="NeedsSlot">Whether the deployment is saturated and the caller must wait for a slot, then complete admission.</param>
internal readonly record struct Candidate(Deployment Deployment, Route Route, bool Probe, bool NeedsSlot);
