using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;

namespace LlmRouter.Benchmarks;

/// <summary>
/// A non-streaming call made directly on a client vs the same call through the router (one route, two deployments,
/// the primary succeeds): once with retry, circuit breaker and timeouts off, once with the defaults, where all are on; and
/// through Microsoft.Extensions.AI's <see cref="OrderedFailoverChatClient"/> over the same two stand-ins, the nearest peer.
/// Two more show what the options the deployment receives cost: a caller that names a route called after the deployments'
/// model (the router forwards the caller's own options), and a caller whose options carry a custom property and a
/// <c>llmrouter.caller</c> key (removed from the copy the deployment needs anyway).
/// </summary>
[MemoryDiagnoser]
public class RouterOverheadBenchmarks
{
    private readonly ChatMessage[] _messages = [new(ChatRole.User, "Say hello.")];
    private readonly ChatOptions _directOptions = new() { ModelId = "fake-model" };
    private readonly ChatOptions _routerOptions = new() { ModelId = "default" };
    private readonly ChatOptions _taggedOptions = new()
    {
        ModelId = "default",
        AdditionalProperties = new() { ["custom"] = "kept", [LlmRouterRequestProperties.Caller] = "tenant-1" },
    };
    private IChatClient _direct = null!;
    private IChatClient _plainRouter = null!;
    private IChatClient _resilientRouter = null!;
    private IChatClient _peer = null!;
    private IChatClient _modelRoute = null!;

    [GlobalSetup]
    public void Setup()
    {
        _direct = new BenchmarkChatClient("Hello!", chunks: 1);
        _plainRouter = BenchmarkRouters.Create(chunks: 1, resilience: false);
        _resilientRouter = BenchmarkRouters.Create(chunks: 1, resilience: true);
        _peer = BenchmarkRouters.CreatePeer(chunks: 1);
        _modelRoute = BenchmarkRouters.Create(chunks: 1, resilience: true, route: "fake-model");
    }

    [Benchmark(Baseline = true)]
    public Task<ChatResponse> Direct() => _direct.GetResponseAsync(_messages, _directOptions);

    [Benchmark]
    public Task<ChatResponse> OrderedFailover() => _peer.GetResponseAsync(_messages, _directOptions);

    [Benchmark]
    public Task<ChatResponse> RouterWithoutResilience() => _plainRouter.GetResponseAsync(_messages, _routerOptions);

    [Benchmark]
    public Task<ChatResponse> RouterWithRetryBreakerTimeouts() => _resilientRouter.GetResponseAsync(_messages, _routerOptions);

    [Benchmark]
    public Task<ChatResponse> RouterRouteNamedAsTheModel() => _modelRoute.GetResponseAsync(_messages, _directOptions);

    [Benchmark]
    public Task<ChatResponse> RouterWithCallerProperty() => _resilientRouter.GetResponseAsync(_messages, _taggedOptions);
}
