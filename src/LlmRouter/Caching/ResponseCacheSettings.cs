using System.Collections.Frozen;

namespace LlmRouter;

/// <summary>An immutable, validated copy of <see cref="ResponseCacheOptions"/>: the policy of each route and the caller property.</summary>
internal sealed class ResponseCacheSettings
{
    private readonly FrozenDictionary<string, CachePolicy> _routes;

    private ResponseCacheSettings(CachePolicy defaults, FrozenDictionary<string, CachePolicy> routes, string callerProperty, int semanticMaxEntries, long semanticMaxBytes)
    {
        Defaults = defaults;
        _routes = routes;
        CallerProperty = callerProperty;
        SemanticMaxEntries = semanticMaxEntries;
        SemanticMaxBytes = semanticMaxBytes;
    }

    /// <summary>Gets the names of the routes with a semantic cache.</summary>
    public IEnumerable<string> SemanticRoutes => _routes.Where(static r => r.Value.Enabled && r.Value.Semantic).Select(static r => r.Key);

    /// <summary>Gets the entry bound of the built-in semantic index.</summary>
    public int SemanticMaxEntries { get; }

    /// <summary>Gets the byte bound of the built-in semantic index.</summary>
    public long SemanticMaxBytes { get; }

    /// <summary>Gets the policy of routes without settings of their own.</summary>
    public CachePolicy Defaults { get; }

    /// <summary>Gets the request property holding the caller key.</summary>
    public string CallerProperty { get; }

    /// <summary>Gets the policy of <paramref name="route"/> (the route asked for, or the default route's name).</summary>
    public CachePolicy For(string? route) =>
        route is not null && _routes.Count > 0 && _routes.TryGetValue(route, out CachePolicy? policy) ? policy : Defaults;

    /// <summary>Validates and copies <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">A setting is out of range; the message lists every problem.</exception>
    public static ResponseCacheSettings From(ResponseCacheOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        CheckTtl(errors, "ResponseCache:Ttl", options.Ttl);
        if (string.IsNullOrWhiteSpace(options.CallerProperty))
        {
            errors.Add($"ResponseCache:CallerProperty must name a request property, such as {LlmRouterRequestProperties.Caller}.");
        }

        CheckThreshold(errors, "ResponseCache:SimilarityThreshold", options.SimilarityThreshold);
        if (options.SemanticMaxEntries < 1)
        {
            errors.Add($"ResponseCache:SemanticMaxEntries: {options.SemanticMaxEntries} is out of range; it must be at least 1.");
        }

        if (options.SemanticMaxMegabytes < 1)
        {
            errors.Add($"ResponseCache:SemanticMaxMegabytes: {options.SemanticMaxMegabytes} is out of range; it must be at least 1.");
        }

        var defaults = new CachePolicy(options.Enabled, options.Ttl, options.Scope, options.CacheToolCalls, Semantic: false, options.SimilarityThreshold);
        var routes = new Dictionary<string, CachePolicy>(StringComparer.OrdinalIgnoreCase);
        foreach ((string name, ResponseCacheRouteOptions route) in options.Routes)
        {
            if (route is null)
            {
                errors.Add($"ResponseCache:Routes:{name} has no settings.");
                continue;
            }

            if (route.Ttl is { } ttl)
            {
                CheckTtl(errors, $"ResponseCache:Routes:{name}:Ttl", ttl);
            }

            if (route.SimilarityThreshold is { } threshold)
            {
                CheckThreshold(errors, $"ResponseCache:Routes:{name}:SimilarityThreshold", threshold);
            }

            routes[name] = new CachePolicy(
                route.Enabled ?? defaults.Enabled,
                route.Ttl ?? defaults.Ttl,
                route.Scope ?? defaults.Scope,
                route.CacheToolCalls ?? defaults.CacheToolCalls,
                route.Semantic ?? false,
                route.SimilarityThreshold ?? defaults.SimilarityThreshold);
        }

        if (!System.Enum.IsDefined(options.Scope))
        {
            errors.Add($"ResponseCache:Scope: {options.Scope} is not valid. Valid values: {string.Join(", ", System.Enum.GetNames<ResponseCacheScope>())}.");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid response cache settings: " + string.Join(" ", errors), nameof(options));
        }

        return new ResponseCacheSettings(
            defaults, routes.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase), options.CallerProperty, options.SemanticMaxEntries, options.SemanticMaxMegabytes * 1024L * 1024);
    }

    private static void CheckThreshold(List<string> errors, string key, double threshold)
    {
        if (!(threshold > 0 && threshold <= 1))
        {
            errors.Add($"{key}: {threshold} is out of range; a cosine similarity threshold must be more than 0 and at most 1 (such as 0.97).");
        }
    }

    private static void CheckTtl(List<string> errors, string key, TimeSpan ttl)
    {
        if (ttl <= TimeSpan.Zero || ttl > ResponseCacheConstants.MaxTtl)
        {
            errors.Add($"{key}: {ttl} is out of range; it must be more than zero and at most 365 days (365.00:00:00).");
        }
    }
}
