namespace LlmRouter;

/// <summary>
/// Resolves a request's <c>model</c> that names no route: a deployment's model, or a deployment's name. The request runs on the
/// matching deployments of the first route (in the router's order) that the key may use and that holds one, restricted to
/// them by <see cref="LlmRouterRequestProperties.Deployment"/>: retried as that route says, never moved to another deployment.
/// </summary>
/// <remarks>
/// Walks the routing model on each call, without a cache: only requests that name a deployment pay for it, and a reloaded
/// model or changed key applies at once. Route names win over deployment models, so a model named like a route is reached
/// through the route.
/// </remarks>
internal static class DeploymentModels
{
    /// <summary>Finds the route that serves <paramref name="name"/> for <paramref name="key"/>, and the deployments it is restricted to; no route when none may.</summary>
    public static (Route? Route, string[]? Deployments) Find(RouterModel model, GatewayKey key, string name)
    {
        foreach (Route route in model.Routes)
        {
            if (!key.AllowsRoute(route.Name))
            {
                continue;
            }

            List<string>? matching = null;
            foreach (Deployment deployment in route.Deployments)
            {
                if (Names(deployment, name))
                {
                    (matching ??= []).Add(deployment.Name);
                }
            }

            if (matching is not null)
            {
                return (route, [.. matching]);
            }
        }

        return (null, null);
    }

    /// <summary>Lists, once each and in the router's order, the models of the deployments in the routes <paramref name="key"/> may use, other than route names.</summary>
    public static List<string> List(RouterModel model, GatewayKey key)
    {
        var models = new List<string>();
        foreach (Route route in model.Routes)
        {
            if (!key.AllowsRoute(route.Name))
            {
                continue;
            }

            foreach (Deployment deployment in route.Deployments)
            {
                if (deployment.Model is { Length: > 0 } name && model.FindRoute(name) is null && !models.Contains(name, StringComparer.OrdinalIgnoreCase))
                {
                    models.Add(name);
                }
            }
        }

        return models;
    }

    /// <summary>Gets the first route <paramref name="key"/> may use that holds <paramref name="deployment"/>, or <see langword="null"/>.</summary>
    public static Route? Reachable(RouterModel model, GatewayKey key, Deployment deployment)
    {
        foreach (Route route in model.Routes)
        {
            if (key.AllowsRoute(route.Name) && Array.IndexOf(route.Deployments, deployment) >= 0)
            {
                return route;
            }
        }

        return null;
    }

    private static bool Names(Deployment deployment, string name) =>
        string.Equals(deployment.Model, name, StringComparison.OrdinalIgnoreCase) || string.Equals(deployment.Name, name, StringComparison.OrdinalIgnoreCase);
}
