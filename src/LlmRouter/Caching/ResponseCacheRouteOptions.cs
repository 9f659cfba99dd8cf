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
}
