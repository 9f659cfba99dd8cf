namespace LlmRouter;

/// <summary>
/// Orders a route's candidate deployments for one request; the order is also the fallback order.
/// Configuration and <see cref="RouteOptions.Strategy"/> refer to a strategy by its <see cref="Name"/>.
/// </summary>
/// <remarks>
/// Register custom strategies with <see cref="LlmRouterBuilder.AddSelectionStrategy(ISelectionStrategy)"/>.
/// One instance serves every route that names it and every request concurrently: implementations must be
/// thread-safe and should not allocate per call.
/// </remarks>
public interface ISelectionStrategy
{
    /// <summary>Gets the name routes use to refer to this strategy; compared case-insensitively.</summary>
    string Name { get; }

    /// <summary>Reorders <paramref name="candidates"/> in place: the first element is tried first.</summary>
    /// <param name="context">The request being routed.</param>
    /// <param name="candidates">The route's deployments, in the order the route lists them.</param>
    void Order(in SelectionContext context, Span<Deployment> candidates);
}
