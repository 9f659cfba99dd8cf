namespace LlmRouter;

/// <summary>A built route: immutable, shared by every request.</summary>
internal sealed class Route
{
    public Route(string name, Deployment[] deployments, ISelectionStrategy strategy, bool fallbackOnContentFilter, HedgingOptions? hedging)
    {
        Hedging = hedging is null ? null : new HedgingOptions { Delay = hedging.Delay, MaxParallelAttempts = hedging.MaxParallelAttempts };
        Name = name;
        Deployments = deployments;
        Strategy = strategy;
        KeepsOrder = strategy is OrderedSelectionStrategy;
        FallbackOnContentFilter = fallbackOnContentFilter;
    }

    public string Name { get; }

    /// <summary>Gets the candidates in the order the route lists them.</summary>
    public Deployment[] Deployments { get; }

    public ISelectionStrategy Strategy { get; }

    /// <summary>Gets whether the strategy leaves the listed order as it is, so no per-request copy is needed.</summary>
    public bool KeepsOrder { get; }

    public bool FallbackOnContentFilter { get; }

    /// <summary>Gets the route's hedging settings, or <see langword="null"/> when it does not hedge.</summary>
    public HedgingOptions? Hedging { get; }

    /// <summary>Gets the fallback routes to try after this route's candidates, breadth first, without this route or repeats.</summary>
    public Route[] FallbackChain { get; set; } = [];
}
