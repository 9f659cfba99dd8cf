using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;

namespace LlmRouter.Benchmarks;

/// <summary>
/// A non-streaming call made directly on a client vs the same call through the router
/// (one route, two deployments, the primary succeeds).
/// </summary>
[MemoryDiagnoser]
public class RouterOverheadBenchmarks
{
    private readonly ChatMessage[] _messages = [new(ChatRole.User, "Say hello.")];
    private readonly ChatOptions _directOptions = new() { ModelId = "fake-model" };
    private readonly ChatOptions _routerOptions = new() { ModelId = "default" };
    private IChatClient _direct = null!;
    private IChatClient _router = null!;

    [GlobalSetup]
    public void Setup()
    {
        _direct = new BenchmarkChatClient("Hello!", chunks: 1);
        _router = new LlmRouterBuilder()
            .AddDeployment("primary", new BenchmarkChatClient("Hello!", chunks: 1), d => d.Model = "fake-model")
            .AddDeployment("backup", new BenchmarkChatClient("Hello!", chunks: 1), d => d.Model = "fake-model")
            .AddRoute("default", r => r.Deployments = ["primary", "backup"])
            .Build();
    }

    [Benchmark(Baseline = true)]
    public Task<ChatResponse> Direct() => _direct.GetResponseAsync(_messages, _directOptions);

    [Benchmark]
    public Task<ChatResponse> Router() => _router.GetResponseAsync(_messages, _routerOptions);
}
