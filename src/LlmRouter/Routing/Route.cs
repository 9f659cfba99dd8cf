namespace LlmRouter;

/// <summary>A built route: immutable, shared by every request (apart from the round-robin counter).</summary>
internal sealed class Route
{
    private readonly Dictionary<string, object?>?[] _propertyTemplates;
    private int _turn = -1;

    /// <param name="name">The route's name.</param>
    /// <param name="deployments">Its candidates, in the order listed.</param>
    /// <param name="strategy">The strategy that orders them.</param>
    /// <param name="options">The route's options.</param>
    /// <param name="spend">Its spend counter, kept across reloads.</param>
    /// <param name="routerDeployments">How many deployments the router has, for the per-deployment response templates.</param>
    public Route(string name, Deployment[] deployments, ISelectionStrategy strategy, RouteOptions options, SpendCounter spend, int routerDeployments)
    {
        _propertyTemplates = new Dictionary<string, object?>?[routerDeployments];
        AsPath = [this];
        Hedging = options.Hedging?.Snapshot();
        Evaluation = options.Evaluation?.Snapshot();
        Name = name;
        Deployments = deployments;
        NamedStrategy = strategy;
        Strategy = options.LatencyTarget is { } target ? new LatencyTargetSelectionStrategy(strategy, target.Snapshot()) : strategy;
        KeepsOrder = Strategy is OrderedSelectionStrategy;
        FallbackOnContentFilter = options.FallbackOnContentFilter;
        Spend = spend;
        Filter = RouteFilter.Create(options);
        OrderHint = new int[deployments.Length];
        foreach (Deployment deployment in deployments)
        {
            // Only capabilities some candidate is known to lack are worth checking; unknown capabilities count as present.
            if (deployment.Capabilities is { } capabilities)
            {
                CapabilityChecks |= ~capabilities & RouteFilter.Checkable;
            }

            if (deployment.ContextWindow is { } window)
            {
                ChecksContext = true;
                SmallestContextWindow = Math.Min(SmallestContextWindow, window);
            }
        }
    }

    public string Name { get; }

    /// <summary>Gets the path of a request this route serves without dispatching: the route alone.</summary>
    public IReadOnlyList<Route> AsPath { get; }

    /// <summary>Gets the candidates in the order the route lists them; empty for a route that dispatches (tiers, variants).</summary>
    public Deployment[] Deployments { get; }

    /// <summary>Gets what orders the candidates of a request: the strategy the route names, with its latency target applied after it when it has one.</summary>
    public ISelectionStrategy Strategy { get; }

    /// <summary>Gets the strategy the route names (<see cref="RouteOptions.Strategy"/>).</summary>
    public ISelectionStrategy NamedStrategy { get; }

    /// <summary>Gets whether the strategy leaves the listed order as it is, so no per-request copy is needed.</summary>
    public bool KeepsOrder { get; }

    public bool FallbackOnContentFilter { get; }

    /// <summary>Gets the route's sampled evaluation, or <see langword="null"/> when its responses are not evaluated.</summary>
    public EvaluationOptions? Evaluation { get; }

    /// <summary>Gets the route's hedging settings, or <see langword="null"/> when it does not hedge.</summary>
    public HedgingOptions? Hedging { get; }

    /// <summary>Gets the fallback routes to try after this route's candidates, breadth first, without this route or repeats.</summary>
    public Route[] FallbackChain { get; set; } = [];

    /// <summary>Gets what requests that asked for the route have cost, kept across reloads by name.</summary>
    public SpendCounter Spend { get; }

    /// <summary>Gets the route's own filters (tags, providers, price limit, quality bars), or <see langword="null"/> when it has none.</summary>
    public RouteFilter? Filter { get; set; }

    /// <summary>Gets the route's quality estimates of its deployments, when it judges or ranks by quality; else <see langword="null"/>.</summary>
    public QualityGate? Quality { get; set; }

    /// <summary>Gets what the route does with sensitive data, or <see langword="null"/> when it does not look for any.</summary>
    public DataProtectionPolicy? DataProtection { get; set; }

    /// <summary>Gets the capabilities a request may need that at least one candidate is known to lack: nothing else needs checking.</summary>
    public ModelCapabilities CapabilityChecks { get; }

    /// <summary>Gets whether a candidate has a known context window, so a request's size is worth checking.</summary>
    public bool ChecksContext { get; }

    /// <summary>Gets the smallest known context window among the candidates; <see cref="int.MaxValue"/> when none is known.</summary>
    public int SmallestContextWindow { get; } = int.MaxValue;

    /// <summary>Gets the budgets of <see cref="BudgetScope.Route"/> that limit this route.</summary>
    public Budget[] Budgets { get; set; } = [];

    /// <summary>Gets the variants of an A/B route, or <see langword="null"/>.</summary>
    public RouteVariant[]? Variants { get; set; }

    /// <summary>Gets the request property that keeps a caller on one variant.</summary>
    public string VariantKey { get; set; } = LlmRouterRequestProperties.Caller;

    /// <summary>Gets, for a tiered route, the route of each tier (indexed by <see cref="ComplexityTier"/>, every tier filled), or <see langword="null"/>.</summary>
    public Route[]? Tiers { get; set; }

    /// <summary>Gets the scorer of a tiered route.</summary>
    public IComplexityScorer? Scorer { get; set; }

    /// <summary>Gets, for a route that serves by stage, the route of each stage (case-insensitive names), or <see langword="null"/>.</summary>
    public Dictionary<string, Route>? Stages { get; set; }

    /// <summary>Gets whether the route hands requests to other routes (by tier, variant or stage) rather than serving them.</summary>
    public bool Dispatches => Variants is not null || Tiers is not null || Stages is not null;

    /// <summary>
    /// Gets the order (positions in <see cref="Deployments"/>) the route's last sorted request ended with, a starting point for
    /// the next sort; shared by concurrent requests without synchronization (see <see cref="CandidateOrder.SortByKey"/>).
    /// </summary>
    public int[] OrderHint { get; }

    /// <summary>Gets the next round-robin turn: 0, 1, 2, …, wrapping around at <see cref="int.MaxValue"/>.</summary>
    public int NextTurn() => Interlocked.Increment(ref _turn) & int.MaxValue;

    /// <summary>
    /// Gets the response properties every response served by <paramref name="deployment"/> for this route carries, built on
    /// first use (two threads may both build it; either copy serves). Never modified once built.
    /// </summary>
    public Dictionary<string, object?> PropertyTemplate(Deployment deployment) =>
        _propertyTemplates[deployment.Index] ??= RouterPropertyBag.Template(this, deployment);

    public override string ToString() => Name;
}
