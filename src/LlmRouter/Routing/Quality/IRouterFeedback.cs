using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// Takes quality scores of the router's responses, so that a route with <see cref="RouteOptions.MinQuality"/>,
/// <see cref="RouteOptions.QualityDropTolerance"/> or <see cref="SelectionStrategies.BestValue"/> shifts traffic by them.
/// Obtain it with <c>router.GetService&lt;IRouterFeedback&gt;()</c> or from the container.
/// </summary>
/// <remarks>
/// Each score moves a decaying estimate of its deployment × route (× tier, for a request a tiered route dispatched), seen in
/// <see cref="IRouterHealth"/> (<see cref="DeploymentHealth.Quality"/>) and as the metric <c>llmrouter.deployment.quality</c>.
/// A score with a dimension (for example <c>"faithfulness"</c>) also moves that dimension's own estimate; the estimate without
/// a dimension, which every score moves, is the one routes act on. Thread-safe; recording never blocks a request.
/// </remarks>
public interface IRouterFeedback
{
    /// <summary>
    /// Records the quality of a response the router returned; the response says which deployment, route and tier served it (a
    /// stream combined with <c>ToChatResponse</c> says it on its last message, which is read too).
    /// </summary>
    /// <param name="response">A response of the router, carrying <see cref="LlmRouterProperties.Deployment"/> and <see cref="LlmRouterProperties.Route"/>.</param>
    /// <param name="score">The quality, from 0 (worst) to 1 (best).</param>
    /// <param name="dimension">What the score measures, or <see langword="null"/> for overall quality.</param>
    /// <exception cref="ArgumentNullException"><paramref name="response"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="score"/> is not a number from 0 to 1.</exception>
    /// <exception cref="ArgumentException">The response does not say who served it, or names a deployment or route the router does not have.</exception>
    void Record(ChatResponse response, double score, string? dimension = null);

    /// <summary>Records the quality of a response scored later, by the deployment, route and tier that served it.</summary>
    /// <param name="deployment">The deployment that served the response (case-insensitive).</param>
    /// <param name="route">The route it served (<see cref="LlmRouterProperties.Route"/>; case-insensitive).</param>
    /// <param name="tier">The tier (<see cref="LlmRouterProperties.Tier"/>), or <see langword="null"/> when the request had none.</param>
    /// <param name="score">The quality, from 0 (worst) to 1 (best).</param>
    /// <param name="dimension">What the score measures, or <see langword="null"/> for overall quality.</param>
    /// <exception cref="ArgumentNullException"><paramref name="deployment"/> or <paramref name="route"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="score"/> is not a number from 0 to 1.</exception>
    /// <exception cref="ArgumentException">
    /// The deployment or route does not exist, the route does not list the deployment, or the tier is not a tier name; the message lists what would be valid.
    /// </exception>
    void Record(string deployment, string route, string? tier, double score, string? dimension = null);
}
