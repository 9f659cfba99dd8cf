using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;

namespace LlmRouter.Benchmarks;

/// <summary>
/// As <see cref="RouterOverheadBenchmarks"/>, with a client that completes asynchronously as a real provider does: the
/// router's own async state machine is then part of what it adds. <c>OrderedFailover</c> is Microsoft.Extensions.AI's
/// <see cref="OrderedFailoverChatClient"/> over the same stand-ins.
/// </summary>
[MemoryDiagnoser]
public class AsyncRouterOverheadBenchmarks
{
    private readonly ChatMessage[] _messages = [new(ChatRole.User, "Say hello.")];
    private readonly ChatOptions _directOptions = new() { ModelId = "fake-model" };
    private readonly ChatOptions _routerOptions = new() { ModelId = "default" };
    private IChatClient _direct = null!;
    private IChatClient _router = null!;
    private IChatClient _plainRouter = null!;
    private IChatClient _peer = null!;

    [GlobalSetup]
    public void Setup()
    {
        _direct = new BenchmarkChatClient("Hello!", chunks: 1, asynchronous: true);
        _router = BenchmarkRouters.Create(chunks: 1, resilience: true, asynchronous: true);
        _plainRouter = BenchmarkRouters.Create(chunks: 1, resilience: false, asynchronous: true);
        _peer = BenchmarkRouters.CreatePeer(chunks: 1, asynchronous: true);
    }

    [Benchmark(Baseline = true)]
    public Task<ChatResponse> Direct() => _direct.GetResponseAsync(_messages, _directOptions);

    [Benchmark]
    public Task<ChatResponse> OrderedFailover() => _peer.GetResponseAsync(_messages, _directOptions);

    [Benchmark]
    public Task<ChatResponse> RouterWithoutResilience() => _plainRouter.GetResponseAsync(_messages, _routerOptions);

    [Benchmark]
    public Task<ChatResponse> RouterWithRetryBreakerTimeouts() => _router.GetResponseAsync(_messages, _routerOptions);
}
