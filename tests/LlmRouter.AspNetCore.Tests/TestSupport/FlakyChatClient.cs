using System.Net;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace LlmRouter.AspNetCore.Tests.TestSupport;

/// <summary>A deployment that fails every <c>n</c>-th call with HTTP 500 and answers the others with a short text and its usage.</summary>
internal sealed class FlakyChatClient(int failEvery) : IChatClient
{
    private int _calls;

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Increment(ref _calls) % failEvery == 0)
        {
            throw new HttpRequestException("simulated outage", null, HttpStatusCode.InternalServerError);
        }

        return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok"))
        {
            Usage = new UsageDetails { InputTokenCount = 1000, OutputTokenCount = 500 },
            FinishReason = ChatFinishReason.Stop,
        });
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ChatResponse response = await GetResponseAsync(messages, options, cancellationToken);
        foreach (ChatResponseUpdate update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
