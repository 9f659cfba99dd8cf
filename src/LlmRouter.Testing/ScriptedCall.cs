using Microsoft.Extensions.AI;

namespace LlmRouter.Testing;

/// <summary>One call a <see cref="ScriptedChatClient"/> received, as it was at the time of the call.</summary>
public sealed class ScriptedCall
{
    internal ScriptedCall(int number, IEnumerable<ChatMessage> messages, ChatOptions? options, bool streaming, ScriptedOutcome outcome, CancellationToken cancellationToken)
    {
        Number = number;
        Messages = [.. messages];
        Options = options?.Clone();
        IsStreaming = streaming;
        Outcome = outcome;
        CancellationToken = cancellationToken;
    }

    /// <summary>Gets the call's position among the client's calls, starting at 1.</summary>
    public int Number { get; }

    /// <summary>Gets a copy of the messages sent.</summary>
    public IReadOnlyList<ChatMessage> Messages { get; }

    /// <summary>Gets a copy of the options sent, or <see langword="null"/> when none were.</summary>
    public ChatOptions? Options { get; }

    /// <summary>Gets whether the call was <c>GetStreamingResponseAsync</c>.</summary>
    public bool IsStreaming { get; }

    /// <summary>Gets the outcome the call was given.</summary>
    public ScriptedOutcome Outcome { get; }

    /// <summary>Gets the cancellation token the call received.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Describes the call, for test failure messages.</summary>
    /// <returns>For example <c>#2 streaming model=gpt-4o-mini: Chunks(3)</c>.</returns>
    public override string ToString() => $"#{Number} {(IsStreaming ? "streaming" : "non-streaming")} model={Options?.ModelId ?? "(none)"}: {Outcome}";
}
