namespace LlmRouter;

/// <summary>The state of a deployment's circuit breaker.</summary>
public enum CircuitState
{
    /// <summary>Calls go through; failures are sampled.</summary>
    Closed = 0,

    /// <summary>The deployment is skipped until the break duration ends.</summary>
    Open = 1,

    /// <summary>The break ended and one probe call is in flight; other requests skip the deployment until it completes.</summary>
    HalfOpen = 2,
}
