using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>The request a <see cref="ISelectionStrategy"/> orders candidates for.</summary>
public readonly struct SelectionContext
{
    internal SelectionContext(string route, IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        Route = route;
        Messages = messages;
        Options = options;
    }

    /// <summary>Gets the name of the route whose candidates are being ordered.</summary>
    public string Route { get; }

    /// <summary>Gets the request's messages. Do not modify them.</summary>
    public IEnumerable<ChatMessage> Messages { get; }

    /// <summary>Gets the caller's options, as passed to the router. Do not modify them.</summary>
    public ChatOptions? Options { get; }
}
