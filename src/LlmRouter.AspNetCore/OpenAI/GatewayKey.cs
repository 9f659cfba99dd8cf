namespace LlmRouter;

/// <summary>What a request's key grants: the caller it runs as and the routes it may use.</summary>
/// <param name="Name">The key's name, as configured or as the <see cref="LlmRouterGatewayOptions.Authenticate"/> callback calls it.</param>
/// <param name="Caller">The caller the request runs as (<see cref="LlmRouterRequestProperties.Caller"/>).</param>
/// <param name="Routes">The routes the key may use, or <see langword="null"/> for every route.</param>
public sealed record GatewayKey(string Name, string Caller, IReadOnlyCollection<string>? Routes = null)
{
    /// <summary>Tells whether the key may use <paramref name="route"/> (compared case-insensitively, as route names are).</summary>
    /// <param name="route">The route's name.</param>
    /// <returns><see langword="true"/> when <see cref="Routes"/> is <see langword="null"/> or names the route.</returns>
    public bool AllowsRoute(string route)
    {
        if (Routes is null)
        {
            return true;
        }

        foreach (string allowed in Routes)
        {
            if (string.Equals(allowed, route, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
