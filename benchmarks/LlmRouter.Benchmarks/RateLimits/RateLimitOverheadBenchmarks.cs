using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;

namespace LlmRouter.Benchmarks;

/// <summary>
/// The router without resilience (one route, two deployments, the primary succeeds) against the same router with in-process
/// rate limits that are never reached: a requests-per-minute limit on each deployment; that plus a tokens-per-minute limit
/// (which estimates the request's tokens); and a per-caller requests-per-minute limit. Every request carries the caller key,
/// so the baseline reads the same request properties. To tell what a tokens limit adds beyond the estimate it makes the
/// router take: the estimate alone, and a router that estimates anyway (priced deployments ranked by
/// <see cref="SelectionStrategies.Cheapest"/>) with and without the tokens limit.
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
    private IChatClient _cheapest = null!;
    private IChatClient _cheapestTokensPerMinute = null!;

    [GlobalSetup]
    public void Setup()
    {
        _plain = Create(_ => { });
        _requestsPerMinute = Create(d => d.RequestsPerMinute = long.MaxValue / 4);
        _tokensPerMinute = Create(d => { d.RequestsPerMinute = long.MaxValue / 4; d.TokensPerMinute = long.MaxValue / 4; });
        _caller = Create(_ => { }, b => b.AddRateLimit("per-user", l => l.RequestsPerMinute = long.MaxValue / 4));
        _cheapest = CreateCheapest(_ => { });
        _cheapestTokensPerMinute = CreateCheapest(d => { d.RequestsPerMinute = long.MaxValue / 4; d.TokensPerMinute = long.MaxValue / 4; });
    }

    [Benchmark(Baseline = true)]
    public Task<ChatResponse> WithoutLimits() => _plain.GetResponseAsync(_messages, _options);

    [Benchmark]
    public Task<ChatResponse> DeploymentRequestsPerMinute() => _requestsPerMinute.GetResponseAsync(_messages, _options);

    [Benchmark]
    public Task<ChatResponse> DeploymentRequestsAndTokensPerMinute() => _tokensPerMinute.GetResponseAsync(_messages, _options);

    [Benchmark]
    public Task<ChatResponse> CallerRequestsPerMinute() => _caller.GetResponseAsync(_messages, _options);

    /// <summary>The estimate a tokens limit takes (input plus expected output), alone.</summary>
    [Benchmark]
    public long EstimateAlone() => TokenEstimators.Default.EstimateInputTokens(_messages, _options) + TokenEstimators.ExpectedOutputTokens(_options);

    /// <summary>A router that estimates every request anyway, to rank its candidates by cost.</summary>
    [Benchmark]
    public Task<ChatResponse> CheapestWithoutLimits() => _cheapest.GetResponseAsync(_messages, _options);

    /// <summary>The same with requests and tokens limits: what the limits add once the estimate is made anyway.</summary>
    [Benchmark]
    public Task<ChatResponse> CheapestWithRequestsAndTokensPerMinute() => _cheapestTokensPerMinute.GetResponseAsync(_messages, _options);

    /// <summary>
    /// The same routers in alternating rounds (<c>--interleaved-rate-limits</c>), each one's best round, so they see the same
    /// machine: what requests and tokens limits add to a router that does not estimate otherwise, and to one that does
    /// (<see cref="SelectionStrategies.Cheapest"/>), and what the estimate alone costs.
    /// </summary>
    public static void RunInterleaved(TextWriter output)
    {
        var benchmarks = new RateLimitOverheadBenchmarks();
        benchmarks.Setup();
        InterleavedComparison.Report(
            output,
            "router without an estimate of its own",
            [
                ("without limits", () => benchmarks.WithoutLimits().GetAwaiter().GetResult()),
                ("RequestsPerMinute", () => benchmarks.DeploymentRequestsPerMinute().GetAwaiter().GetResult()),
                ("RequestsPerMinute and TokensPerMinute", () => benchmarks.DeploymentRequestsAndTokensPerMinute().GetAwaiter().GetResult()),
            ],
            iterations: 400_000,
            againstPeer: false);
        InterleavedComparison.Report(
            output,
            "router that estimates anyway (Cheapest)",
            [
                ("without limits", () => benchmarks.CheapestWithoutLimits().GetAwaiter().GetResult()),
                ("RequestsPerMinute and TokensPerMinute", () => benchmarks.CheapestWithRequestsAndTokensPerMinute().GetAwaiter().GetResult()),
            ],
            iterations: 400_000,
            againstPeer: false);
        InterleavedComparison.Report(
            output,
            "the estimate",
            [
                ("nothing", () => { }),
                ("input estimate and expected output", () => benchmarks.EstimateAlone()),
            ],
            iterations: 400_000,
            againstPeer: false);
    }

    private static IChatClient CreateCheapest(Action<DeploymentOptions> limits) =>
        new LlmRouterBuilder()
            .AddDeployment("primary", new BenchmarkChatClient("Hello!", chunks: 1), d => { d.Model = "fake-model"; d.Price = new ModelPrice(1m, 1m); limits(d); })
            .AddDeployment("backup", new BenchmarkChatClient("Hello!", chunks: 1), d => { d.Model = "fake-model"; d.Price = new ModelPrice(2m, 2m); limits(d); })
            .AddRoute("default", r => { r.Deployments = ["primary", "backup"]; r.Strategy = SelectionStrategies.Cheapest; })
            .WithoutResilience()
            .Build();

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
