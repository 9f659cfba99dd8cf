using Microsoft.Extensions.AI;

namespace LlmRouter.AspNetCore.Tests.TestSupport;

/// <summary>A pipeline step that refuses its first request with the given exception, then lets every request through.</summary>
internal sealed class RefuseOnceChatClient(IChatClient inner, Func<Exception> refusal) : DelegatingChatClient(inner)
{
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Interlocked.Increment(ref _calls) == 1 ? throw refusal() : base.GetResponseAsync(messages, options, cancellationToken);

    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Interlocked.Increment(ref _calls) == 1 ? throw refusal() : base.GetStreamingResponseAsync(messages, options, cancellationToken);
}
