namespace LlmRouter;

/// <summary>Options of the dashboard (<c>MapLlmRouterDashboard</c>).</summary>
public sealed class LlmRouterDashboardOptions
{
    /// <summary>
    /// Gets or sets whether only requests from the same machine may see the dashboard (others get 403), as Hangfire's
    /// dashboard does by default. Turn it off only with an authorization policy on the endpoints
    /// (<c>MapLlmRouterDashboard(...).RequireAuthorization(...)</c>).
    /// </summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool LocalRequestsOnly { get; set; } = true;
}
