namespace LlmRouter;

/// <summary>
/// Keys the router sets in <c>ChatResponse.AdditionalProperties</c> (and on the final streamed update) to say who served a request.
/// </summary>
public static class LlmRouterProperties
{
    /// <summary>The route whose deployment served the request (a fallback route when the requested one failed). A <see cref="string"/>.</summary>
    public const string Route = "llmrouter.route";

    /// <summary>The name of the deployment that served the request. A <see cref="string"/>.</summary>
    public const string Deployment = "llmrouter.deployment";

    /// <summary>The provider of the deployment that served the request. A <see cref="string"/>.</summary>
    public const string Provider = "llmrouter.provider";

    /// <summary>How many calls were made for the request, retries and the successful one included. An <see cref="int"/>.</summary>
    public const string Attempts = "llmrouter.attempts";

    /// <summary>
    /// Why earlier attempts failed, present only when the request was retried or fell back: one
    /// <c>deployment: kind, HTTP status</c> entry per failed attempt, separated by <c>"; "</c>. A <see cref="string"/>.
    /// </summary>
    public const string FallbackReasons = "llmrouter.fallback_reasons";

    /// <summary>
    /// What the request cost in US dollars, a <see cref="decimal"/>: the serving call's usage (from
    /// <see cref="Microsoft.Extensions.AI.ChatResponse.Usage"/>, or the streamed <see cref="Microsoft.Extensions.AI.UsageContent"/>)
    /// priced at its deployment's <see cref="Deployment.Price"/> by <see cref="CostCalculator.Calculate(Microsoft.Extensions.AI.UsageDetails, ModelPrice, DateTimeOffset)"/>, plus the cost of
    /// failed attempts of the same request that reported usage. Exact, not rounded. Absent when the serving call reported no
    /// usage or its deployment has no price.
    /// </summary>
    public const string CostUsd = "llmrouter.cost_usd";

    /// <summary>The complexity tier that chose the route, for a request to a tiered route (<see cref="RouteOptions.Tiers"/>): <c>simple</c>, <c>medium</c>, <c>complex</c> or <c>reasoning</c>. A <see cref="string"/>.</summary>
    public const string Tier = "llmrouter.tier";

    /// <summary>The complexity score (0 to 100) the tier was chosen by; absent when the request named its tier. An <see cref="int"/>.</summary>
    public const string Complexity = "llmrouter.complexity";

    /// <summary>The variant (route name) an A/B route (<see cref="RouteOptions.Variants"/>) chose for the request. A <see cref="string"/>.</summary>
    public const string Variant = "llmrouter.variant";

    /// <summary>The stage the request named (<see cref="LlmRouterRequestProperties.Stage"/>), as the route's <see cref="RouteOptions.Stages"/> spell it when it has them. A <see cref="string"/>.</summary>
    public const string Stage = "llmrouter.stage";

    /// <summary>
    /// What data protection did, for a request whose route (or own request property) sets an action other than
    /// <see cref="DataProtectionAction.Allow"/>: the action and the findings' kinds and counts, never values. A <see cref="DataProtectionReport"/>.
    /// </summary>
    public const string DataProtection = "llmrouter.data_protection";

    /// <summary>The budget whose exhaustion moved the request to its cheaper route (<see cref="BudgetExceededAction.Downgrade"/>). A <see cref="string"/>.</summary>
    public const string DowngradedBy = "llmrouter.downgraded_by";

    /// <summary>
    /// Set by the response cache (<c>UseResponseCache</c>) on an answer it served: <see langword="true"/> for an exact match, the
    /// string <c>semantic</c> for a semantic one (see <see cref="CacheSimilarity"/>). The answer's
    /// <see cref="CostUsd"/> is then 0, its usage is the stored call's, and <see cref="CostSavedUsd"/> says what it saved.
    /// </summary>
    public const string CacheHit = "llmrouter.cache_hit";

    /// <summary>
    /// What an answer the response cache served saved in US dollars, a <see cref="decimal"/>: the cost of the call that stored it.
    /// Absent when that call's cost was not known.
    /// </summary>
    public const string CostSavedUsd = "llmrouter.cost_saved_usd";

    /// <summary>
    /// The cosine similarity between the request's last user turn and the stored one, on an answer the response cache served by
    /// meaning (<see cref="CacheHit"/> is <c>semantic</c>). A <see cref="double"/>.
    /// </summary>
    public const string CacheSimilarity = "llmrouter.cache_similarity";
}
