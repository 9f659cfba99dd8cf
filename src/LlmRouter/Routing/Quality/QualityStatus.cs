namespace LlmRouter;

/// <summary>Where a deployment stands with a route by its quality estimate (<see cref="DeploymentQuality.Status"/>).</summary>
public enum QualityStatus
{
    /// <summary>Called as usual: not judged yet, or its estimate meets the route's quality bars.</summary>
    Healthy,

    /// <summary>Passed over for the route: its estimate fell below <see cref="RouteOptions.MinQuality"/> or dropped beyond <see cref="RouteOptions.QualityDropTolerance"/>.</summary>
    SetAside,

    /// <summary>Called again after being passed over <see cref="QualityOptions.ProbationRequests"/> times; its new scores decide whether it stays.</summary>
    Probation,
}
