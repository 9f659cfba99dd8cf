using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;

namespace LlmRouter.Benchmarks;

/// <summary>
/// What quality and latency bookkeeping add to a non-streaming call through a route of three priced deployments that report
/// usage: the plain route (baseline, nothing configured); with <see cref="RouteOptions.MinQuality"/> and
/// <see cref="RouteOptions.QualityDropTolerance"/> (every deployment scored healthy); with a <see cref="RouteOptions.LatencyTarget"/>
/// (every deployment timed and meeting it); with both; and <see cref="SelectionStrategies.BestValue"/> against
/// <see cref="SelectionStrategies.Cheapest"/>, each deployment scored.
/// </summary>
[MemoryDiagnoser]
public class AdaptiveRoutingBenchmarks
{
    private static readonly UsageDetails Usage = new() { InputTokenCount = 120, OutputTokenCount = 40 };
    private static readonly ChatMessage[] Messages = [new(ChatRole.User, "Say hello.")];
    private static readonly string[] Names = ["a", "b", "c"];

    private readonly ChatOptions _options = new() { ModelId = "default" };
    private IChatClient _plain = null!;
    private IChatClient _quality = null!;
    private IChatClient _latency = null!;
    private IChatClient _both = null!;
    private IChatClient _cheapest = null!;
    private IChatClient _bestValue = null!;

    [GlobalSetup]
    public void Setup()
    {
        _plain = Router(SelectionStrategies.Ordered, _ => { });
        _quality = Router(SelectionStrategies.Ordered, Quality);
        _latency = Router(SelectionStrategies.Ordered, Latency);
        _both = Router(SelectionStrategies.Ordered, r => { Quality(r); Latency(r); });
        _cheapest = Router(SelectionStrategies.Cheapest, _ => { });
        _bestValue = Router(SelectionStrategies.BestValue, _ => { });
        foreach (IChatClient router in (IChatClient[])[_quality, _both, _bestValue])
        {
            IRouterFeedback feedback = router.GetService<IRouterFeedback>()!;
            foreach (string name in Names)
            {
                for (int i = 0; i < 20; i++)
                {
                    feedback.Record(name, "default", null, 0.9);
                }
            }
        }

        foreach (IChatClient router in (IChatClient[])[_latency, _both])
        {
            for (int i = 0; i < 20; i++)
            {
                router.GetResponseAsync(Messages, _options).GetAwaiter().GetResult();
            }
        }
    }

    [Benchmark(Baseline = true)]
    public Task<ChatResponse> Plain() => _plain.GetResponseAsync(Messages, _options);

    [Benchmark]
    public Task<ChatResponse> MinQuality() => _quality.GetResponseAsync(Messages, _options);

    [Benchmark]
    public Task<ChatResponse> LatencyTarget() => _latency.GetResponseAsync(Messages, _options);

    [Benchmark]
    public Task<ChatResponse> QualityAndLatency() => _both.GetResponseAsync(Messages, _options);

    [Benchmark]
    public Task<ChatResponse> Cheapest() => _cheapest.GetResponseAsync(Messages, _options);

    [Benchmark]
    public Task<ChatResponse> BestValue() => _bestValue.GetResponseAsync(Messages, _options);

    /// <summary>
    /// The same calls in alternating rounds, keeping each one's best round (as <see cref="InterleavedComparison"/>): on a shared
    /// machine whose speed drifts between BenchmarkDotNet runs, alternating lets every variant see the same machine.
    /// </summary>
    public static void RunInterleaved(TextWriter output)
    {
        var benchmarks = new AdaptiveRoutingBenchmarks();
        benchmarks.Setup();
        (string Name, Func<Task<ChatResponse>> Call)[] subjects =
        [
            ("plain (nothing configured)", benchmarks.Plain),
            ("MinQuality + QualityDropTolerance", benchmarks.MinQuality),
            ("LatencyTarget", benchmarks.LatencyTarget),
            ("both", benchmarks.QualityAndLatency),
            ("Cheapest", benchmarks.Cheapest),
            ("BestValue", benchmarks.BestValue),
        ];
        const int Rounds = 30;
        const int Calls = 20_000;
        var best = new double[subjects.Length];
        Array.Fill(best, double.MaxValue);
        foreach ((string _, Func<Task<ChatResponse>> call) in subjects)
        {
            for (int i = 0; i < Calls * 5; i++)
            {
                call().GetAwaiter().GetResult();
            }
        }

        for (int round = 0; round < Rounds; round++)
        {
            for (int k = 0; k < subjects.Length; k++)
            {
                Func<Task<ChatResponse>> call = subjects[k].Call;
                long start = Stopwatch.GetTimestamp();
                for (int i = 0; i < Calls; i++)
                {
                    call().GetAwaiter().GetResult();
                }

                best[k] = Math.Min(best[k], Stopwatch.GetElapsedTime(start).TotalNanoseconds / Calls);
            }
        }

        for (int k = 0; k < subjects.Length; k++)
        {
            double against = k == 5 ? best[4] : best[0];
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{subjects[k].Name}: {best[k]:0} ns per call, {best[k] - against:+0;-0} ns against {(k == 5 ? "Cheapest" : "plain")}"));
        }
    }

    private static void Quality(RouteOptions route)
    {
        route.MinQuality = 0.5;
        route.QualityDropTolerance = 0.2;
    }

    private static void Latency(RouteOptions route) =>
        route.LatencyTarget = new LatencyTargetOptions { TimeToFirstToken = TimeSpan.FromSeconds(5), Total = TimeSpan.FromSeconds(10), MinimumSamples = 1 };

    private static IChatClient Router(string strategy, Action<RouteOptions> configure)
    {
        var builder = new LlmRouterBuilder();
        for (int i = 0; i < Names.Length; i++)
        {
            decimal scale = i + 1;
            builder.AddDeployment(Names[i], new BenchmarkChatClient("Hello!", chunks: 1, usage: Usage), d =>
            {
                d.Model = "fake-model";
                d.Price = new ModelPrice(0.15m * scale, 0.60m * scale);
            });
        }

        return builder.AddRoute("default", r =>
        {
            r.Deployments = Names;
            r.Strategy = strategy;
            configure(r);
        }).Build();
    }
}
