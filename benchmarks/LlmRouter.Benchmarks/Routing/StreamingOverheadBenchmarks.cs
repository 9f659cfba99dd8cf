using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;

namespace LlmRouter.Benchmarks;

/// <summary>
/// A streamed call read to the end, directly vs through the router with its default retry, circuit breaker and four
/// timeouts, and through Microsoft.Extensions.AI's <see cref="OrderedFailoverChatClient"/> over the same stand-ins. Two stream
/// lengths give the per-chunk cost as a slope, with the per-stream cost (the router's final update, its enumerator) cancelled out.
/// </summary>
[MemoryDiagnoser]
public class StreamingOverheadBenchmarks
{
    private readonly ChatMessage[] _messages = [new(ChatRole.User, "Count to a hundred.")];
    private readonly ChatOptions _directOptions = new() { ModelId = "fake-model" };
    private readonly ChatOptions _routerOptions = new() { ModelId = "default" };
    private IChatClient _direct = null!;
    private IChatClient _router = null!;
    private IChatClient _peer = null!;

    [Params(10, 100)]
    public int Chunks { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _direct = new BenchmarkChatClient("unused", Chunks);
        _router = BenchmarkRouters.Create(Chunks, resilience: true);
        _peer = BenchmarkRouters.CreatePeer(Chunks);
    }

    [Benchmark(Baseline = true)]
    public async Task<int> Direct()
    {
        int count = 0;
        await foreach (ChatResponseUpdate update in _direct.GetStreamingResponseAsync(_messages, _directOptions).ConfigureAwait(false))
        {
            count++;
        }

        return count;
    }

    [Benchmark]
    public async Task<int> OrderedFailover()
    {
        int count = 0;
        await foreach (ChatResponseUpdate update in _peer.GetStreamingResponseAsync(_messages, _directOptions).ConfigureAwait(false))
        {
            count++;
        }

        return count;
    }

    [Benchmark]
    public async Task<int> Router()
    {
        int count = 0;
        await foreach (ChatResponseUpdate update in _router.GetStreamingResponseAsync(_messages, _routerOptions).ConfigureAwait(false))
        {
            count++;
        }

        return count;
    }
}
