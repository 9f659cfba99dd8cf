using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace LlmRouter.Tests.Routing;

/// <summary>
/// Guards the router's allocation budget (a behaviour, not a timing): what it adds per call on top of the client
/// it routes to, and that a committed stream costs nothing per chunk.
/// </summary>
public class LlmRouterClientAllocationTests
{
    private const long NonStreamingBudgetBytes = 600;

    private static readonly ChatMessage[] Messages = [new(ChatRole.User, "hi")];

    [Fact]
    public void GetResponseAsync_PrimarySucceeds_AddsAtMostBudgetBytes()
    {
        var direct = new SynchronousClient(chunks: 1);
        IChatClient router = BuildRouter(chunks: 1);
        var directOptions = new ChatOptions { ModelId = "m" };
        var routerOptions = new ChatOptions { ModelId = "default" };

        long directBytes = MeasurePerCall(() => direct.GetResponseAsync(Messages, directOptions).GetAwaiter().GetResult());
        long routerBytes = MeasurePerCall(() => router.GetResponseAsync(Messages, routerOptions).GetAwaiter().GetResult());

        Assert.InRange(routerBytes - directBytes, 0, NonStreamingBudgetBytes);
    }

    [Fact]
    public void GetStreamingResponseAsync_Committed_AllocatesNothingPerChunk()
    {
        long overheadShort = StreamOverhead(chunks: 10);
        long overheadLong = StreamOverhead(chunks: 100);

        Assert.Equal(overheadShort, overheadLong);
    }

    private static long StreamOverhead(int chunks)
    {
        var direct = new SynchronousClient(chunks);
        IChatClient router = BuildRouter(chunks);
        var directOptions = new ChatOptions { ModelId = "m" };
        var routerOptions = new ChatOptions { ModelId = "default" };

        long directBytes = MeasurePerCall(() => Drain(direct.GetStreamingResponseAsync(Messages, directOptions)));
        long routerBytes = MeasurePerCall(() => Drain(router.GetStreamingResponseAsync(Messages, routerOptions)));
        return routerBytes - directBytes;
    }

    private static IChatClient BuildRouter(int chunks) => new LlmRouterBuilder()
        .AddDeployment("primary", new SynchronousClient(chunks), d => d.Model = "m")
        .AddDeployment("backup", new SynchronousClient(chunks), d => d.Model = "m")
        .AddRoute("default", r => r.Deployments = ["primary", "backup"])
        .Build();

    private static void Drain(IAsyncEnumerable<ChatResponseUpdate> stream)
    {
        IAsyncEnumerator<ChatResponseUpdate> enumerator = stream.GetAsyncEnumerator();
        try
        {
            while (enumerator.MoveNextAsync().AsTask().GetAwaiter().GetResult())
            {
            }
        }
        finally
        {
            enumerator.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>Bytes allocated by one call on this thread, after warm-up, as the minimum of several runs.</summary>
    private static long MeasurePerCall(Action call)
    {
        const int Calls = 200;
        for (int i = 0; i < Calls; i++)
        {
            call();
        }

        long best = long.MaxValue;
        for (int run = 0; run < 5; run++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < Calls; i++)
            {
                call();
            }

            best = Math.Min(best, (GC.GetAllocatedBytesForCurrentThread() - before) / Calls);
        }

        return best;
    }

    /// <summary>Answers synchronously with a fresh response, and streams pre-built updates, so only the router allocates.</summary>
    private sealed class SynchronousClient(int chunks) : IChatClient
    {
        private readonly ChatResponseUpdate[] _updates = [.. Enumerable.Range(0, chunks).Select(_ => new ChatResponseUpdate(ChatRole.Assistant, "x") { MessageId = "m1" })];

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "x")));

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.CompletedTask;
            foreach (ChatResponseUpdate update in _updates)
            {
                yield return update;
            }
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
