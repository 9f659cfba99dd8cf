namespace LlmRouter;

/// <summary>
/// Names of the built-in selection strategies, for <see cref="RouteOptions.Strategy"/> and configuration. The order a strategy
/// gives is also the fallback order: the first candidate is tried first, then the next.
/// </summary>
/// <remarks>
/// A route's candidates are first filtered (capabilities, context window, tags, providers, <see cref="RouteOptions.MaxPrice"/>,
/// budgets); strategies order what remains. None allocates per call. Random choices use the router's random source
/// (<see cref="LlmRouterBuilder.UseRandomSource"/>), so tests can seed them.
/// </remarks>
public static class SelectionStrategies
{
    /// <summary>Candidates in the order the route lists them: the first is tried first, the rest are fallbacks.</summary>
    public const string Ordered = "Ordered";

    /// <summary>
    /// A random order in proportion to <see cref="Deployment.Weight"/>: a deployment is first with probability weight ÷ total
    /// weight, and each next place is drawn the same way among the rest. Deployments of weight 0 come last, in route order.
    /// </summary>
    public const string Weighted = "Weighted";

    /// <summary>The route's order, rotated by one per request: request n starts with candidate n mod count, then wraps around.</summary>
    public const string RoundRobin = "RoundRobin";

    /// <summary>Fewest calls in flight first (across every route and request); ties in random order.</summary>
    public const string LeastBusy = "LeastBusy";

    /// <summary>
    /// Fastest first by a decaying average of each deployment's time to first chunk (streaming requests) or whole-call latency
    /// (non-streaming); deployments within <see cref="SelectionOptions.LatencyBuffer"/> of the fastest are shuffled so that
    /// near-equals share the load, and deployments not timed yet go first so they get measured.
    /// </summary>
    public const string LowestLatency = "LowestLatency";

    /// <summary>
    /// Two candidates drawn at random, the one with fewer calls in flight first and the other second; the rest follow in route
    /// order. Spreads load nearly as well as <see cref="LeastBusy"/> without herding every request onto the same deployment.
    /// </summary>
    public const string PowerOfTwoChoices = "PowerOfTwoChoices";

    /// <summary>
    /// Cheapest first by the estimated cost of this request: estimated input tokens × input price + expected output tokens ×
    /// output price, where the expected output is the deployment's observed average (at most <c>ChatOptions.MaxOutputTokens</c>),
    /// else <c>MaxOutputTokens</c>, else 256 (<see cref="TokenEstimators.ExpectedOutputTokens(Microsoft.Extensions.AI.ChatOptions?, int?)"/>). Ties keep route order. Every
    /// deployment of the route must have a known price.
    /// </summary>
    public const string Cheapest = "Cheapest";

    /// <summary>
    /// The cheapest candidate (by <see cref="Cheapest"/>'s estimate of this request's cost) among those whose quality estimate
    /// is within <see cref="RouteOptions.QualityTolerance"/> of the best known one (scores come from <see cref="IRouterFeedback"/>);
    /// a deployment with too few scores to judge (<see cref="QualityOptions.MinimumSamples"/>) counts as within, so it gets the
    /// traffic that scores it. The others follow, best quality first. Every deployment of the route must have a known price.
    /// </summary>
    public const string BestValue = "BestValue";
}
