using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// Scores how demanding a request is, for routes that dispatch by tier (<see cref="RouteOptions.Tiers"/>). Routes refer to a
/// scorer by its <see cref="Name"/> in <see cref="RouteOptions.ComplexityScorer"/>; register custom ones with
/// <see cref="LlmRouterBuilder.AddComplexityScorer(IComplexityScorer)"/>.
/// </summary>
/// <remarks>
/// One instance scores every request of every route that names it, from many threads at once: implementations must be
/// thread-safe, deterministic for reproducible routing, must not modify the messages or options, and should not allocate.
/// </remarks>
public interface IComplexityScorer
{
    /// <summary>Gets the name routes refer to this scorer by; compared case-insensitively.</summary>
    string Name { get; }

    /// <summary>Scores a request.</summary>
    /// <param name="messages">The request's messages.</param>
    /// <param name="options">The request's options, or <see langword="null"/>.</param>
    /// <returns>The score (0 to 100) and the tier.</returns>
    ComplexityScore Score(IEnumerable<ChatMessage> messages, ChatOptions? options);
}
