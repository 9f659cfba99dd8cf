namespace LlmRouter;

/// <summary>
/// Describes a route for <see cref="LlmRouterBuilder.AddRoute(string, Action{RouteOptions})"/>: a name callers ask for in
/// <c>ChatOptions.ModelId</c>, its candidate deployments, how they are ordered, and the routes to fall back to.
/// </summary>
/// <remarks>Read once when the router is built; changing an instance afterwards has no effect on a built router.</remarks>
public sealed class RouteOptions
{
    /// <summary>Gets or sets the names of the candidate deployments; at least one is required.</summary>
    /// <value>The default is empty.</value>
    public IList<string> Deployments { get; set; } = [];

    /// <summary>Gets or sets the name of the selection strategy that orders the candidates (see <see cref="SelectionStrategies"/>).</summary>
    /// <value>The default is <see cref="SelectionStrategies.Ordered"/>: the order of <see cref="Deployments"/>.</value>
    public string Strategy { get; set; } = SelectionStrategies.Ordered;

    /// <summary>
    /// Gets or sets the routes tried, in order, after every candidate of this route failed. Their own fallbacks follow,
    /// breadth first; each deployment is tried at most once per request, and cycles are rejected when the router is built.
    /// </summary>
    /// <value>The default is empty.</value>
    public IList<string> Fallbacks { get; set; } = [];

    /// <summary>
    /// Gets or sets whether a response blocked by a provider's content filter is retried on the next candidate.
    /// Off by default: a blocked request usually should stay blocked.
    /// </summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool FallbackOnContentFilter { get; set; }

    /// <summary>
    /// Gets or sets hedging for this route: when the running attempt has not answered within <see cref="HedgingOptions.Delay"/>,
    /// the next candidate starts alongside, and the first answer wins.
    /// </summary>
    /// <value>The default is <see langword="null"/>: no hedging, one attempt at a time.</value>
    public HedgingOptions? Hedging { get; set; }
}
