namespace LlmRouter;

/// <summary>Mutable, thread-safe runtime state of one deployment; lives as long as a deployment of that name does.</summary>
internal sealed class DeploymentState
{
    private int _misconfigurationReported;

    /// <summary>Returns <see langword="true"/> the first time only, so a misconfigured deployment is logged once, not per request.</summary>
    public bool TryReportMisconfiguration() => Interlocked.Exchange(ref _misconfigurationReported, 1) == 0;
}
