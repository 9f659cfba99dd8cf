namespace LlmRouter;

/// <summary>
/// The response cache's settings for one route (<see cref="ResponseCacheOptions.Routes"/>); a setting left
/// <see langword="null"/> takes the value of <see cref="ResponseCacheOptions"/>. Configuration: <c>ResponseCache:Routes:{route}</c>.
/// </summary>
public sealed class ResponseCacheRouteOptions
{
    /// <summary>Gets or sets whether the route's answers are cached.</summary>
    /// <value>The default is <see langword="null"/>: <see cref="ResponseCacheOptions.Enabled"/>.</value>
    public bool? Enabled { get; set; }

    /// <summary>Gets or sets how long an answer of the route is served from the cache.</summary>
    /// <value>The default is <see langword="null"/>: <see cref="ResponseCacheOptions.Ttl"/>.</value>
    public TimeSpan? Ttl { get; set; }

    /// <summary>Gets or sets who may be served an answer of the route.</summary>
    /// <value>The default is <see langword="null"/>: <see cref="ResponseCacheOptions.Scope"/>.</value>
    public ResponseCacheScope? Scope { get; set; }

    /// <summary>Gets or sets whether answers that call tools are cached.</summary>
    /// <value>The default is <see langword="null"/>: <see cref="ResponseCacheOptions.CacheToolCalls"/>.</value>
    public bool? CacheToolCalls { get; set; }

    /// <summary>
    /// Gets or sets whether the route also serves a stored answer whose last user turn means nearly the same as the request's:
    /// the embedding of the last user turn (from the container's <c>IEmbeddingGenerator&lt;string, Embedding&lt;float&gt;&gt;</c>)
    /// reaches <see cref="SimilarityThreshold"/> against one stored with the same route, scope, system prompt, earlier turns,
    /// tools and options.
    /// </summary>
    /// <value>The default is <see langword="null"/>: off.</value>
    public bool? Semantic { get; set; }

    /// <summary>Gets or sets the least cosine similarity a semantic match of the route must reach.</summary>
    /// <value>The default is <see langword="null"/>: <see cref="ResponseCacheOptions.SimilarityThreshold"/>.</value>
    public double? SimilarityThreshold { get; set; }
}
