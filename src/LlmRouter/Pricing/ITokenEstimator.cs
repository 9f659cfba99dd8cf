using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// Estimates how many input tokens a request will be billed for, before it is sent: for context-window filtering and for ranking
/// deployments by the estimated cost of this request.
/// </summary>
/// <remarks>
/// <see cref="TokenEstimators.Default"/> is the built-in estimate. Implementations are called for every routed request from many
/// threads at once: they must be thread-safe, must not modify the messages or options, and should not allocate per call.
/// </remarks>
public interface ITokenEstimator
{
    /// <summary>Gets the name configuration refers to this estimator by; compared case-insensitively.</summary>
    string Name { get; }

    /// <summary>Estimates the input tokens of a request: messages, system instructions, tool definitions and response schema.</summary>
    /// <param name="messages">The request's messages.</param>
    /// <param name="options">The request's options, or <see langword="null"/>.</param>
    /// <returns>The estimated input tokens, never negative.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="messages"/> is <see langword="null"/>.</exception>
    int EstimateInputTokens(IEnumerable<ChatMessage> messages, ChatOptions? options);

    /// <summary>
    /// Gives the estimator for the requests a deployment of <paramref name="model"/> serves, such as one counting with that
    /// model's own tokenizer. The router asks once per deployment when its routes are built (and on each reload), and estimates a
    /// request for each deployment with that deployment's estimator: its context window, price tier, <c>MaxPrice</c>, the
    /// <c>Cheapest</c> order and budget reservations use the count of the tokenizer that will bill it. A request is estimated
    /// once per distinct estimator among the deployments it considers.
    /// </summary>
    /// <param name="model">The model id a deployment sends, such as <c>gpt-4o-mini</c>.</param>
    /// <returns>The estimator for that model; by default this one, for every model.</returns>
    ITokenEstimator ForModel(string model) => this;
}
