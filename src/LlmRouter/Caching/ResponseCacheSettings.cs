using System.Collections.Frozen;

namespace LlmRouter;

/// <summary>An immutable, validated copy of <see cref="ResponseCacheOptions"/>: the policy of each route and the caller property.</summary>
internal sealed class ResponseCacheSettings
{
    private readonly FrozenDictionary<string, CachePolicy> _routes;

    private ResponseCacheSettings(CachePolicy defaults, FrozenDictionary<string, CachePolicy> routes, string callerProperty)
    {
        Defaults = defaults;
        _routes = routes;
        CallerProperty = callerProperty;
    }

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

        var defaults = new CachePolicy(options.Enabled, options.Ttl, options.Scope, options.CacheToolCalls);
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

            routes[name] = new CachePolicy(
                route.Enabled ?? defaults.Enabled,
                route.Ttl ?? defaults.Ttl,
                route.Scope ?? defaults.Scope,
                route.CacheToolCalls ?? defaults.CacheToolCalls);
        }

        if (!System.Enum.IsDefined(options.Scope))
        {
            errors.Add($"ResponseCache:Scope: {options.Scope} is not valid. Valid values: {string.Join(", ", System.Enum.GetNames<ResponseCacheScope>())}.");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid response cache settings: " + string.Join(" ", errors), nameof(options));
        }

        return new ResponseCacheSettings(defaults, routes.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase), options.CallerProperty);
    }

    private static void CheckTtl(List<string> errors, string key, TimeSpan ttl)
    {
        if (ttl <= TimeSpan.Zero || ttl > ResponseCacheConstants.MaxTtl)
        {
            errors.Add($"{key}: {ttl} is out of range; it must be more than zero and at most 365 days (365.00:00:00).");
        }
    }
}
