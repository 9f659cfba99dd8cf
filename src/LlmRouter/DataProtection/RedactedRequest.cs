using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>A request's messages with every finding replaced by its placeholder, and the placeholders to put back. Immutable once built.</summary>
internal sealed class RedactedRequest(IReadOnlyList<ChatMessage> messages, Placeholders placeholders)
{
    /// <summary>Gets the messages an untrusted deployment receives.</summary>
    public IReadOnlyList<ChatMessage> Messages { get; } = messages;

    /// <summary>Gets the placeholders of the request.</summary>
    public Placeholders Placeholders { get; } = placeholders;
}
