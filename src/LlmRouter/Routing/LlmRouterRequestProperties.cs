namespace LlmRouter;

/// <summary>
/// Keys a caller may set in <c>ChatOptions.AdditionalProperties</c> to steer the router for one request. The router reads
/// them and removes every <c>llmrouter.*</c> key before forwarding the options to a deployment.
/// </summary>
/// <remarks>
/// <para>
/// List values may be a <see cref="string"/> (one value, or several separated by commas), any
/// <see cref="IEnumerable{T}"/> of strings, or a <see cref="System.Text.Json.JsonElement"/> string or array of strings.
/// </para>
/// <para>
/// A step in front of the router (a <c>DelegatingChatClient</c> added to the <c>ChatClientBuilder</c> that <c>AddLlmRouter</c>
/// returns) steers routing the same way, and only this way: it clones the <c>ChatOptions</c> it receives, sets these keys (or
/// <c>ModelId</c>, the route) on the clone, and passes the clone on, so the caller's object is never modified.
/// </para>
/// </remarks>
public static class LlmRouterRequestProperties
{
    /// <summary>
    /// Who the request is for (a user, team or tenant id), a <see cref="string"/>: the key of caller budgets
    /// (<see cref="BudgetScope.Caller"/>) and of sticky A/B variants (<see cref="RouteOptions.VariantKey"/>) by default.
    /// </summary>
    public const string Caller = "llmrouter.caller";

    /// <summary>
    /// The only deployment (by <see cref="Deployment.Name"/>, case-insensitive) this request may be served by: every other
    /// candidate of the route and of its fallback routes is set aside, so a failure of that deployment is retried as the route's
    /// retry options say but never falls back to another one. A string (one name, or several separated by commas, for any of
    /// them) or a list of strings; a name that is not among the route's candidates leaves nothing to call, and the request fails
    /// with an <see cref="LlmRouterException"/> that lists each candidate as set aside by the request.
    /// </summary>
    public const string Deployment = "llmrouter.deployment";

    /// <summary>Tags every candidate must have for this request, on top of the route's <see cref="RouteOptions.RequiredTags"/>.</summary>
    public const string RequiredTags = "llmrouter.required_tags";

    /// <summary>Tags no candidate may have for this request, on top of the route's <see cref="RouteOptions.ExcludedTags"/>.</summary>
    public const string ExcludedTags = "llmrouter.excluded_tags";

    /// <summary>The only providers this request may go to, on top of the route's <see cref="RouteOptions.AllowedProviders"/>.</summary>
    public const string AllowedProviders = "llmrouter.allowed_providers";

    /// <summary>Providers this request must not go to, on top of the route's <see cref="RouteOptions.DeniedProviders"/>.</summary>
    public const string DeniedProviders = "llmrouter.denied_providers";

    /// <summary>
    /// The only regions this request may be processed in (by <see cref="DeploymentOptions.Region"/>; <c>eu</c> allows
    /// <c>eu-west-1</c>), on top of the route's <see cref="RouteOptions.AllowedRegions"/>: a candidate elsewhere, or without a
    /// region, is not called for the request.
    /// </summary>
    public const string AllowedRegions = "llmrouter.allowed_regions";

    /// <summary>
    /// The <see cref="DataProtectionAction"/> for this request (or its name: <c>Allow</c>, <c>Redact</c>, <c>TrustedOnly</c>,
    /// <c>Block</c>), in place of its route's <see cref="DataProtectionOptions.Action"/>, with the route's kinds (every kind when
    /// the route has no <see cref="RouteOptions.DataProtection"/>). Needs data protection on at least one route of the router,
    /// which readies untrusted deployments for redaction; otherwise the request fails with an <see cref="ArgumentException"/>.
    /// </summary>
    public const string DataProtection = "llmrouter.data_protection";

    /// <summary>
    /// The most this request accepts to pay per million tokens, a <see cref="PriceLimit"/> (or a JSON object with <c>Input</c>
    /// and/or <c>Output</c>), on top of the route's <see cref="RouteOptions.MaxPrice"/>: a candidate priced above it, or with no
    /// known price, is not called for the request.
    /// </summary>
    public const string MaxPrice = "llmrouter.max_price";

    /// <summary>
    /// The tier a tiered route (<see cref="RouteOptions.Tiers"/>) serves this request with, skipping the scorer: a
    /// <see cref="ComplexityTier"/> or its name (<c>simple</c>, <c>medium</c>, <c>complex</c>, <c>reasoning</c>).
    /// </summary>
    public const string Tier = "llmrouter.tier";

    /// <summary>The variant (route name) an A/B route (<see cref="RouteOptions.Variants"/>) serves this request with, skipping the assignment.</summary>
    public const string Variant = "llmrouter.variant";

    /// <summary>
    /// The step of a multi-step run (an agent workflow's <c>plan</c>, <c>act</c>, <c>validate</c>) this call is. A route with
    /// <see cref="RouteOptions.Stages"/> sends it to the stage's route; on any route, the response (<see cref="LlmRouterProperties.Stage"/>)
    /// and the request's span say the stage. A string.
    /// </summary>
    public const string Stage = "llmrouter.stage";

    /// <summary>
    /// How the response cache (<c>UseResponseCache</c>) treats this request: <c>no-store</c> (neither served from the cache nor
    /// stored), <c>no-cache</c> (the router is called and its answer replaces the stored one), or how long this request's answer
    /// is kept, a <see cref="TimeSpan"/> or its text (<c>00:05:00</c>). Any other value is an <see cref="ArgumentException"/>.
    /// </summary>
    public const string Cache = "llmrouter.cache";
}
