using Microsoft.Extensions.AI;

namespace LlmRouter.Benchmarks;

/// <summary>
/// A provider stand-in that answers synchronously: a fresh response per call, as a real client would build,
/// and a stream of pre-built updates, so what the router adds is all the benchmark sees.
/// </summary>
internal sealed class BenchmarkChatClient(string text, int chunks) : IChatClient
{
    private readonly ChatResponseUpdate[] _updates = CreateUpdates(chunks);

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, text)) { ModelId = options?.ModelId });

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
