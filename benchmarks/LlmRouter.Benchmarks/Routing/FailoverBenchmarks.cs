using System.Net;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;

namespace LlmRouter.Benchmarks;

/// <summary>
/// What a refusing primary costs before the backup serves: the primary answers 503 (a failed task, as a provider client
/// that read the status returns it), the backup answers. The direct call is the backup alone; the peer is
/// <see cref="OrderedFailoverChatClient"/> over the same two; the router runs with its defaults (retry, breaker, cooldown
/// and timeouts on), so the primary stays eligible for a retry that never has to happen.
/// </summary>
[MemoryDiagnoser]
public class FailoverBenchmarks
{
    private readonly ChatMessage[] _messages = [new(ChatRole.User, "Say hello.")];
    private readonly ChatOptions _directOptions = new() { ModelId = "fake-model" };
    private readonly ChatOptions _routerOptions = new() { ModelId = "default" };
    private IChatClient _direct = null!;
    private IChatClient _peer = null!;
    private IChatClient _router = null!;

    [GlobalSetup]
    public void Setup()
    {
        _direct = new BenchmarkChatClient("Hello!", chunks: 1);
        _peer = new OrderedFailoverChatClient([new RefusingChatClient(), new BenchmarkChatClient("Hello!", chunks: 1)], leaveOpen: false);

        // The breaker is off so that millions of refusals in a run do not open the primary's circuit and skip it.
        _router = new LlmRouterBuilder()
            .ConfigureCircuitBreaker(b => b.Enabled = false)
            .AddDeployment("primary", new RefusingChatClient(), d => d.Model = "fake-model")
            .AddDeployment("backup", new BenchmarkChatClient("Hello!", chunks: 1), d => d.Model = "fake-model")
            .AddRoute("default", r => r.Deployments = ["primary", "backup"])
            .Build();
    }

    [Benchmark(Baseline = true)]
    public Task<ChatResponse> Direct() => _direct.GetResponseAsync(_messages, _directOptions);

    [Benchmark]
    public Task<ChatResponse> OrderedFailover() => _peer.GetResponseAsync(_messages, _directOptions);

    [Benchmark]
    public Task<ChatResponse> RouterFailsOverFirst() => _router.GetResponseAsync(_messages, _routerOptions);

    /// <summary>A provider stand-in that answers every call with HTTP 503.</summary>
    private sealed class RefusingChatClient : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromException<ChatResponse>(new ProviderException(HttpStatusCode.ServiceUnavailable, "Overloaded."));

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
