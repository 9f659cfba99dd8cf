using Microsoft.Extensions.AI;

namespace LlmRouter.Benchmarks;

/// <summary>
/// A provider stand-in: a fresh response per call, as a real client would build, and a stream of pre-built updates, so
/// what the router adds is all the benchmark sees. It answers synchronously, or after one hop through the thread pool, and
/// reports the same usage object every time when given one.
/// </summary>
internal sealed class BenchmarkChatClient(string text, int chunks, bool asynchronous = false, UsageDetails? usage = null) : IChatClient
{
    private readonly ChatResponseUpdate[] _updates = CreateUpdates(chunks);

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        asynchronous ? AnswerLaterAsync(options) : Task.FromResult(Answer(options));

    private ChatResponse Answer(ChatOptions? options) => new(new ChatMessage(ChatRole.Assistant, text)) { ModelId = options?.ModelId, Usage = usage };

    /// <summary>Completes on the thread pool, as a real provider call does, so the caller's async path is measured too.</summary>
    private async Task<ChatResponse> AnswerLaterAsync(ChatOptions? options)
    {
        await Task.Yield();
        return Answer(options);
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        foreach (ChatResponseUpdate update in _updates)
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }

    private static ChatResponseUpdate[] CreateUpdates(int count)
    {
        var updates = new ChatResponseUpdate[count];
        for (int i = 0; i < count; i++)
        {
            updates[i] = new ChatResponseUpdate(ChatRole.Assistant, "token ") { MessageId = "m1", ResponseId = "r1" };
        }

        return updates;
    }
}
