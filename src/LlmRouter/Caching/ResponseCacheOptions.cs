namespace LlmRouter;

/// <summary>
/// Settings of the response cache, the step added with <c>UseResponseCache</c> in front of the router. Configuration section:
/// <c>ResponseCache</c>; its presence adds the step to the pipeline that <c>AddLlmRouter(configuration)</c> returns.
/// </summary>
/// <remarks>
/// The settings here apply to every route; <see cref="Routes"/> overrides them per route (the route asked for in
/// <c>ChatOptions.ModelId</c>, or the router's default route). The options are copied when the step is created: later
/// changes to this object are not seen.
/// </remarks>
public sealed class ResponseCacheOptions
{
    /// <summary>Gets or sets whether answers are cached on routes that <see cref="Routes"/> does not turn on or off.</summary>
    /// <value>The default is <see langword="true"/>. Set it to <see langword="false"/> and enable single routes to cache only those.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets how long an answer is served from the cache after it was stored; a request can set its own (<see cref="LlmRouterRequestProperties.Cache"/>).</summary>
    /// <value>The default is 1 hour. It must be more than zero and at most 365 days.</value>
    public TimeSpan Ttl { get; set; } = ResponseCacheConstants.DefaultTtl;

    /// <summary>Gets or sets who may be served a stored answer.</summary>
    /// <value>The default is <see cref="ResponseCacheScope.Caller"/>: only requests with the caller key of the request that stored it.</value>
    public ResponseCacheScope Scope { get; set; } = ResponseCacheScope.Caller;

    /// <summary>
    /// Gets or sets whether answers that call tools (function calls, finish reason <c>tool_calls</c>) are stored. Off by default:
    /// a tool loop usually needs the model to decide afresh.
    /// </summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool CacheToolCalls { get; set; }

    /// <summary>Gets or sets the request property (in <c>ChatOptions.AdditionalProperties</c>) that holds the caller key a <see cref="ResponseCacheScope.Caller"/> entry belongs to.</summary>
    /// <value>The default is <see cref="LlmRouterRequestProperties.Caller"/> (<c>llmrouter.caller</c>).</value>
    public string CallerProperty { get; set; } = LlmRouterRequestProperties.Caller;

    /// <summary>
    /// Gets or sets the least cosine similarity between a request's last user turn and a stored one for a route with a semantic
    /// cache (<see cref="ResponseCacheRouteOptions.Semantic"/>) to serve the stored answer.
    /// </summary>
    /// <value>The default is 0.97. It must be more than 0 and at most 1.</value>
    public double SimilarityThreshold { get; set; } = ResponseCacheConstants.DefaultSimilarityThreshold;

    /// <summary>Gets or sets how many embeddings the built-in semantic index keeps; the least recently used go first.</summary>
    /// <value>The default is 10,000. It must be at least 1.</value>
    public int SemanticMaxEntries { get; set; } = ResponseCacheConstants.DefaultSemanticMaxEntries;

    /// <summary>Gets or sets how many mebibytes the built-in semantic index keeps, embeddings and keys counted; the least recently used go first.</summary>
    /// <value>The default is 256. It must be at least 1.</value>
    public int SemanticMaxMegabytes { get; set; } = ResponseCacheConstants.DefaultSemanticMaxMegabytes;

    /// <summary>Gets the settings of single routes, by route name (case-insensitive), overriding the ones above.</summary>
    public IDictionary<string, ResponseCacheRouteOptions> Routes { get; } = new Dictionary<string, ResponseCacheRouteOptions>(StringComparer.OrdinalIgnoreCase);
}
