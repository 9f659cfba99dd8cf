using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;

namespace LlmRouter.Benchmarks;

/// <summary>
/// The router without resilience (one route, two deployments, the primary succeeds) against the same router with in-process
/// rate limits that are never reached: a requests-per-minute limit on each deployment; that plus a tokens-per-minute limit
/// (which estimates the request's tokens); and a per-caller requests-per-minute limit. Every request carries the caller key,
/// so the baseline reads the same request properties.
/// </summary>
[MemoryDiagnoser]
public class RateLimitOverheadBenchmarks
{
    private readonly ChatMessage[] _messages = [new(ChatRole.User, "Say hello.")];
    private readonly ChatOptions _options = new()
    {
        ModelId = "default",
        AdditionalProperties = new() { [LlmRouterRequestProperties.Caller] = "alice" },
    };

    private IChatClient _plain = null!;
    private IChatClient _requestsPerMinute = null!;
    private IChatClient _tokensPerMinute = null!;
    private IChatClient _caller = null!;

    [GlobalSetup]
    public void Setup()
    {
        _plain = Create(_ => { });
        _requestsPerMinute = Create(d => d.RequestsPerMinute = long.MaxValue / 4);
        _tokensPerMinute = Create(d => { d.RequestsPerMinute = long.MaxValue / 4; d.TokensPerMinute = long.MaxValue / 4; });
        _caller = Create(_ => { }, b => b.AddRateLimit("per-user", l => l.RequestsPerMinute = long.MaxValue / 4));
    }

    [Benchmark(Baseline = true)]
    public Task<ChatResponse> WithoutLimits() => _plain.GetResponseAsync(_messages, _options);

    [Benchmark]
    public Task<ChatResponse> DeploymentRequestsPerMinute() => _requestsPerMinute.GetResponseAsync(_messages, _options);

    [Benchmark]
    public Task<ChatResponse> DeploymentRequestsAndTokensPerMinute() => _tokensPerMinute.GetResponseAsync(_messages, _options);

    [Benchmark]
    public Task<ChatResponse> CallerRequestsPerMinute() => _caller.GetResponseAsync(_messages, _options);

    /// <summary>The router of <see cref="RouterOverheadBenchmarks"/> without resilience, its deployments limited by <paramref name="limits"/>.</summary>
    public static IChatClient Create(Action<DeploymentOptions> limits, Action<LlmRouterBuilder>? configure = null)
    {
        var builder = new LlmRouterBuilder()
            .AddDeployment("primary", new BenchmarkChatClient("Hello!", chunks: 1), d => { d.Model = "fake-model"; limits(d); })
            .AddDeployment("backup", new BenchmarkChatClient("Hello!", chunks: 1), d => { d.Model = "fake-model"; limits(d); })
            .AddRoute("default", r => r.Deployments = ["primary", "backup"])
            .WithoutResilience();
        configure?.Invoke(builder);
        return builder.Build();
    }
}
