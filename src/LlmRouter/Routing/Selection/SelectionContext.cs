using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>The request a <see cref="ISelectionStrategy"/> orders candidates for.</summary>
public readonly struct SelectionContext
{
    private readonly RouterRequest? _request;

    internal SelectionContext(string route, IEnumerable<ChatMessage> messages, ChatOptions? options, RouterRequest? request = null, Route? routeModel = null)
    {
        Route = route;
        Messages = messages;
        Options = options;
        _request = request;
        RouteModel = routeModel;
    }

    /// <summary>Gets the name of the route whose candidates are being ordered.</summary>
    public string Route { get; }

    /// <summary>Gets the request's messages. Do not modify them.</summary>
    public IEnumerable<ChatMessage> Messages { get; }

    /// <summary>Gets the caller's options, as passed to the router. Do not modify them.</summary>
    public ChatOptions? Options { get; }

    /// <summary>Gets whether the request is streamed.</summary>
    public bool IsStreaming => _request?.Streaming ?? false;

    /// <summary>
    /// Gets the request's estimated input tokens, by the router's <see cref="ITokenEstimator"/> (<see cref="TokenEstimators.Default"/>
    /// unless replaced). Computed on first use and shared with the router's own filters, so reading it costs at most one estimate
    /// per request.
    /// </summary>
    public int EstimatedInputTokens => _request?.EstimatedInputTokens ?? TokenEstimators.Default.EstimateInputTokens(Messages, Options);

    /// <summary>
    /// Gets the request's estimated input tokens for <paramref name="deployment"/>, by the estimator made for its model
    /// (<see cref="ITokenEstimator.ForModel"/>); the same as <see cref="EstimatedInputTokens"/> when that is the router's own.
    /// </summary>
    internal int EstimatedInputTokensFor(Deployment deployment) =>
        _request?.EstimatedInputTokensFor(deployment) ?? deployment.Estimator.EstimateInputTokens(Messages, Options);

    /// <summary>Gets the route being ordered, for the built-in strategies' per-route state.</summary>
    internal Route? RouteModel { get; }

    internal RouterRequest? Request => _request;

    /// <summary>Returns a uniform random number in [0, 1) from the router's random source (<see cref="LlmRouterBuilder.UseRandomSource"/>).</summary>
    /// <returns>The number.</returns>
    public double NextRandom() => _request?.NextRandom() ?? Random.Shared.NextDouble();
}
