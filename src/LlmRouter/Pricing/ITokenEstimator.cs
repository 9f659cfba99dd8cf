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
}
