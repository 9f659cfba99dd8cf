namespace LlmRouter;

/// <summary>
/// A route's quality estimates of its deployments, by tier: what <see cref="RouteFilter"/> sets deployments aside by and what
/// <see cref="SelectionStrategies.BestValue"/> ranks by. Built with the routing model; the estimates themselves live in the
/// <see cref="QualityRegistry"/> and outlive it.
/// </summary>
internal sealed class QualityGate
{
    /// <summary>Slots per deployment: requests without a tier, then one per <see cref="ComplexityTier"/>.</summary>
    public const int TierSlots = 5;

    private readonly QualityEstimate[] _estimates;
    private readonly int _deployments;

    public QualityGate(Route route, QualityPolicy policy, QualityRegistry registry, int routerDeployments)
    {
        Policy = policy;
        _deployments = routerDeployments;
        _estimates = new QualityEstimate[TierSlots * routerDeployments];
        foreach (Deployment deployment in route.Deployments)
        {
            for (int slot = 0; slot < TierSlots; slot++)
            {
                _estimates[(slot * routerDeployments) + deployment.Index] = registry.Get(deployment.Name, route.Name, QualityRegistry.TierName(slot), dimension: null, policy);
            }
        }
    }

    public QualityPolicy Policy { get; }

    /// <summary>Gets the overall estimate of <paramref name="deployment"/> for requests of <paramref name="tier"/>.</summary>
    public QualityEstimate For(Deployment deployment, string? tier) =>
        _estimates[(Math.Max(0, QualityRegistry.TierSlot(tier)) * _deployments) + deployment.Index];

    /// <summary>Checks whether the deployment is set aside for low quality; on exclusion, says why.</summary>
    public bool Excludes(Deployment deployment, RouterRequest? request, out Exclusion exclusion)
    {
        if (!Policy.Judges)
        {
            exclusion = default;
            return false;
        }

        QualityEstimate estimate = For(deployment, request?.Tier);
        if (estimate.Passes())
        {
            exclusion = default;
            return false;
        }

        exclusion = new Exclusion(deployment, ExclusionKind.LowQuality, Name: estimate.Reason);
        return true;
    }
}
