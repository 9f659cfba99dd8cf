namespace LlmRouter;

/// <summary>Why <see cref="DeploymentLease.TryTake"/> did not admit a deployment.</summary>
internal enum LeaseRefusal
{
    /// <summary>Admitted.</summary>
    None,

    /// <summary>The deployment cools down after a rate limit.</summary>
    CoolingDown,

    /// <summary>Every concurrency slot is busy; nothing was taken.</summary>
    Saturated,

    /// <summary>The circuit is open, or half-open with its probe in flight.</summary>
    CircuitOpen,
}
