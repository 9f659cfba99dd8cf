namespace LlmRouter;

/// <summary>
/// Describes a route for <see cref="LlmRouterBuilder.AddRoute(string, Action{RouteOptions})"/>: a name callers ask for in
/// <c>ChatOptions.ModelId</c>, its candidate deployments, how they are ordered, and the routes to fall back to.
/// </summary>
/// <remarks>Read once when the router is built; changing an instance afterwards has no effect on a built router.</remarks>
public sealed class RouteOptions
{
    /// <summary>Gets or sets the names of the candidate deployments; at least one is required.</summary>
    /// <value>The default is empty.</value>
    public IList<string> Deployments { get; set; } = [];

    /// <summary>Gets or sets the name of the selection strategy that orders the candidates (see <see cref="SelectionStrategies"/>).</summary>
    /// <value>The default is <see cref="SelectionStrategies.Ordered"/>: the order of <see cref="Deployments"/>.</value>
    public string Strategy { get; set; } = SelectionStrategies.Ordered;

    /// <summary>
    /// Gets or sets the routes tried, in order, after every candidate of this route failed. Their own fallbacks follow,
    /// breadth first; each deployment is tried at most once per request, and cycles are rejected when the router is built.
    /// </summary>
    /// <value>The default is empty.</value>
    public IList<string> Fallbacks { get; set; } = [];

    /// <summary>
    /// Gets or sets whether a response blocked by a provider's content filter is retried on the next candidate.
    /// Off by default: a blocked request usually should stay blocked.
    /// </summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool FallbackOnContentFilter { get; set; }

    /// <summary>
    /// Gets or sets hedging for this route: when the running attempt has not answered within <see cref="HedgingOptions.Delay"/>,
    /// the next candidate starts alongside, and the first answer wins.
    /// </summary>
    /// <value>The default is <see langword="null"/>: no hedging, one attempt at a time.</value>
    public HedgingOptions? Hedging { get; set; }

    /// <summary>
    /// Gets or sets the most a candidate may cost per million tokens: deployments priced above it are never called for this
    /// route, whatever the strategy. Every deployment of a route with a limit must have a known price.
    /// </summary>
    /// <value>The default is <see langword="null"/>: no limit.</value>
    public PriceLimit? MaxPrice { get; set; }

    /// <summary>
    /// Gets or sets tags a candidate must all have (for example <c>eu</c> or <c>zero-retention</c>); deployments without
    /// them are not called for this route. Requests can require more with <see cref="LlmRouterRequestProperties.RequiredTags"/>.
    /// </summary>
    /// <value>The default is empty.</value>
    public IList<string> RequiredTags { get; set; } = [];

    /// <summary>Gets or sets tags a candidate must not have (for example <c>local</c>); deployments with any of them are not called for this route.</summary>
    /// <value>The default is empty.</value>
    public IList<string> ExcludedTags { get; set; } = [];

    /// <summary>Gets or sets the only providers (by <see cref="Deployment.Provider"/>, case-insensitive) whose deployments this route may call; empty allows all.</summary>
    /// <value>The default is empty: every provider.</value>
    public IList<string> AllowedProviders { get; set; } = [];

    /// <summary>Gets or sets providers (by <see cref="Deployment.Provider"/>, case-insensitive) whose deployments this route never calls.</summary>
    /// <value>The default is empty.</value>
    public IList<string> DeniedProviders { get; set; } = [];

    /// <summary>
    /// Gets or sets the only regions (by <see cref="DeploymentOptions.Region"/>, case-insensitive) where this route's candidates
    /// may process data; a deployment elsewhere, or without a region, is not called for this route. A region allows its
    /// subregions: <c>eu</c> allows <c>eu-west-1</c>. Requests can narrow it with <see cref="LlmRouterRequestProperties.AllowedRegions"/>.
    /// </summary>
    /// <value>The default is empty: every region, and deployments without one.</value>
    public IList<string> AllowedRegions { get; set; } = [];

    /// <summary>
    /// Gets or sets what the route does with sensitive data in its requests: detect it, then redact it before untrusted
    /// deployments, keep the request on trusted ones, or block it.
    /// </summary>
    /// <value>The default is <see langword="null"/>: no detection.</value>
    public DataProtectionOptions? DataProtection { get; set; }

    /// <summary>
    /// Gets or sets, for a route that dispatches by request complexity, the route that serves each tier. The request is scored
    /// by <see cref="ComplexityScorer"/>; a tier with no route of its own goes to the next higher tier that has one, else the
    /// next lower. A route with tiers has no <see cref="Deployments"/>, <see cref="Fallbacks"/> or <see cref="Variants"/> of
    /// its own.
    /// </summary>
    /// <value>The default is empty: the route serves requests with its own deployments.</value>
    public IDictionary<ComplexityTier, string> Tiers { get; set; } = new Dictionary<ComplexityTier, string>();

    /// <summary>Gets or sets the name of the scorer that assigns a request its tier (see <see cref="ComplexityScorers"/>); used with <see cref="Tiers"/>.</summary>
    /// <value>The default is <see cref="ComplexityScorers.Heuristic"/>.</value>
    public string ComplexityScorer { get; set; } = ComplexityScorers.Heuristic;

    /// <summary>
    /// Gets or sets, for an A/B split or canary, the routes (variants) that share this route's traffic, with their relative
    /// weights. A request with a key in <see cref="VariantKey"/> always gets the same variant (as long as the variants and
    /// weights stay the same, in every process); a request without one gets a random variant. The variant is reported as
    /// <see cref="LlmRouterProperties.Variant"/>. A route with variants has no <see cref="Deployments"/>, <see cref="Fallbacks"/>
    /// or <see cref="Tiers"/> of its own.
    /// </summary>
    /// <value>The default is empty: the route serves requests with its own deployments.</value>
    public IDictionary<string, double> Variants { get; set; } = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Gets or sets, for a route that serves the steps of a multi-step run (an agent workflow), the route that serves each stage:
    /// <c>{ "plan": "fast", "act": "fast", "validate": "smart" }</c>. A call names its stage with
    /// <see cref="LlmRouterRequestProperties.Stage"/>; one that names none, or a stage not listed, is an <see cref="ArgumentException"/>
    /// listing the stages. Each stage's route serves with its own <see cref="Deployments"/> (and fails over by its own
    /// <see cref="Fallbacks"/>). A route with stages has no <see cref="Deployments"/>, <see cref="Fallbacks"/>,
    /// <see cref="Tiers"/> or <see cref="Variants"/> of its own.
    /// </summary>
    /// <value>The default is empty: the route serves requests with its own deployments.</value>
    public IDictionary<string, string> Stages { get; set; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets or sets the <c>ChatOptions.AdditionalProperties</c> key whose value (a user, team or session id) keeps a caller on one variant.</summary>
    /// <value>The default is <see cref="LlmRouterRequestProperties.Caller"/>.</value>
    public string VariantKey { get; set; } = LlmRouterRequestProperties.Caller;

    /// <summary>
    /// Gets or sets the lowest quality estimate (0 to 1, from <see cref="IRouterFeedback"/> scores) a deployment may have and
    /// still be called for this route. One with enough scores (<see cref="QualityOptions.MinimumSamples"/>) below it is set
    /// aside, with the reason in the request's error, and tried again on probation after <see cref="QualityOptions.ProbationRequests"/>
    /// requests; it is called as usual again once its new estimate clears the bar by <see cref="QualityOptions.Hysteresis"/>.
    /// </summary>
    /// <value>The default is <see langword="null"/>: no bar.</value>
    public double? MinQuality { get; set; }

    /// <summary>
    /// Gets or sets how far (a fraction, 0.15 for 15 %) a deployment's quality estimate may fall below its own baseline (an
    /// estimate decaying over <see cref="QualityOptions.BaselineHalfLife"/>, 24 hours by default) before it is set aside for
    /// this route as with <see cref="MinQuality"/>.
    /// </summary>
    /// <value>The default is <see langword="null"/>: drops are not watched.</value>
    public double? QualityDropTolerance { get; set; }

    /// <summary>
    /// Gets or sets, for <see cref="SelectionStrategies.BestValue"/>, how far below the best known quality estimate a candidate
    /// still counts as good enough, so the cheapest of those comes first.
    /// </summary>
    /// <value>The default is 0.05.</value>
    public double QualityTolerance { get; set; } = QualityConstants.DefaultQualityTolerance;

    /// <summary>
    /// Gets or sets sampled evaluation: a share of the route's non-streaming responses scored in the background by a judge
    /// (<see cref="JudgeEvaluator"/>, or the evaluator given to <see cref="LlmRouterBuilder.UseEvaluator"/>), the scores fed to
    /// <see cref="IRouterFeedback"/>. Requests never wait for it.
    /// </summary>
    /// <value>The default is <see langword="null"/>: no evaluation.</value>
    public EvaluationOptions? Evaluation { get; set; }

    /// <summary>Gets or sets how the route keeps and judges its deployments' quality estimates.</summary>
    /// <value>The default is <see langword="null"/>: the defaults of <see cref="QualityOptions"/>.</value>
    public QualityOptions? Quality { get; set; }

    /// <summary>
    /// Gets or sets a latency the route's candidates should meet at a percentile of their recent calls: those that miss it (or
    /// have too few recent calls to tell) go after every candidate that meets it, so with <see cref="SelectionStrategies.Cheapest"/>
    /// the cheapest deployment that meets the target comes first. A small share of requests explores one that misses it, so a
    /// deployment that recovered is found again.
    /// </summary>
    /// <value>The default is <see langword="null"/>: no target.</value>
    public LatencyTargetOptions? LatencyTarget { get; set; }
}
