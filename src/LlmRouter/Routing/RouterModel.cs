using System.Collections.Frozen;

namespace LlmRouter;

/// <summary>Everything a request needs to be routed, immutable; a configuration reload swaps it whole.</summary>
internal sealed class RouterModel
{
    private readonly FrozenDictionary<string, Route> _routes;
    private readonly string _knownRoutes;

    public RouterModel(Deployment[] deployments, IReadOnlyList<Route> routes, Route? defaultRoute, IProviderErrorClassifier[] classifiers, ResilienceSettings settings)
    {
        Settings = settings;
        Deployments = deployments;
        DefaultRoute = defaultRoute;
        Classifiers = classifiers;
        _routes = routes.ToFrozenDictionary(r => r.Name, StringComparer.OrdinalIgnoreCase);
        _knownRoutes = string.Join(", ", routes.Select(r => r.Name));
    }

    public Deployment[] Deployments { get; }

    public Route? DefaultRoute { get; }

    public IProviderErrorClassifier[] Classifiers { get; }

    public ResilienceSettings Settings { get; }

    /// <summary>Finds a deployment by name, or returns <see langword="null"/>.</summary>
    public Deployment? FindDeployment(string name)
    {
        foreach (Deployment deployment in Deployments)
        {
            if (string.Equals(deployment.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return deployment;
            }
        }

        return null;
    }

    /// <summary>Finds the route a request asked for in <c>ChatOptions.ModelId</c>.</summary>
    /// <exception cref="ArgumentException">The name is not a route, or none was given and there is no default route.</exception>
    public Route ResolveRoute(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return DefaultRoute ?? throw new ArgumentException(
                $"ChatOptions.ModelId is not set and the router has no default route. Set ModelId to one of the routes ({_knownRoutes}) or configure a default route.",
                "options");
        }

        if (_routes.TryGetValue(name, out Route? route))
        {
            return route;
        }

        throw new ArgumentException($"ChatOptions.ModelId names unknown route '{name}'. Known routes: {_knownRoutes}.", "options");
    }
}
