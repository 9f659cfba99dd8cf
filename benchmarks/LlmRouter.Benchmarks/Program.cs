using System.Globalization;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using LlmRouter.Benchmarks;

// Full run:  dotnet run -c Release --project benchmarks/LlmRouter.Benchmarks -- [BenchmarkDotNet arguments]
// Quick run: dotnet run -c Release --project benchmarks/LlmRouter.Benchmarks -- --quick [--filter *Streaming*]
// Router vs direct call vs OrderedFailoverChatClient in alternating rounds: ... -- --interleaved
// Calls per second with 1, 2 and 64 concurrent callers: ... -- --throughput
// The router under N callers for S seconds, to profile: ... -- --load N S [--budget]
if (args.Contains("--load"))
{
    // For a sampling profiler (perf with DOTNET_PerfMapEnabled=1): the router with defaults (or priced, with a budget) under N callers for S seconds.
    int at = Array.IndexOf(args, "--load");
    ThroughputComparison.Load(int.Parse(args[at + 1], CultureInfo.InvariantCulture), TimeSpan.FromSeconds(int.Parse(args[at + 2], CultureInfo.InvariantCulture)), args.Contains("--budget"));
    return;
}

if (args.Contains("--throughput"))
{
    ThroughputComparison.Run(Console.Out);
    return;
}

// A response cache miss vs the direct call vs DistributedCachingChatClient in alternating rounds: ... -- --interleaved-cache
if (args.Contains("--interleaved-cache"))
{
    InterleavedCacheComparison.Run(Console.Out);
    return;
}

// The token estimate on a few requests in alternating rounds (run two builds in turn to compare them): ... -- --interleaved-estimate
if (args.Contains("--interleaved-estimate"))
{
    InterleavedEstimateComparison.Run(Console.Out);
    return;
}

// Quality and latency bookkeeping vs none in alternating rounds: ... -- --adaptive-interleaved
if (args.Contains("--adaptive-interleaved"))
{
    AdaptiveRoutingBenchmarks.RunInterleaved(Console.Out);
    return;
}

if (args.Contains("--interleaved"))
{
    InterleavedComparison.Run(Console.Out, args.Contains("--calls-only"));
    return;
}

// What in-process requests and tokens limits add, beyond the estimate, in alternating rounds: ... -- --interleaved-rate-limits
if (args.Contains("--interleaved-rate-limits"))
{
    RateLimitOverheadBenchmarks.RunInterleaved(Console.Out);
    return;
}

// Latency a shared state through Redis adds, p50 and p99 (starts its own redis-server): ... -- --shared-state
if (args.Contains("--shared-state"))
{
    await SharedStateLatency.RunAsync(Console.Out);
    return;
}

// The gateway endpoint vs the router in-process vs a plain reverse proxy at 64 connections: ... -- --gateway-load [seconds]
// One request at a time through the gateway, the router in-process and the proxy in alternating rounds: ... -- --gateway-latency
if (args.Contains("--gateway-latency"))
{
    await GatewayLatency.RunAsync(Console.Out);
    return;
}

if (args.Contains("--gateway-load"))
{
    int seconds = args.SkipWhile(a => a != "--gateway-load").Skip(1).Select(a => int.TryParse(a, out int s) ? s : 0).FirstOrDefault();
    GatewayLoad.Run(Console.Out, TimeSpan.FromSeconds(seconds > 0 ? seconds : 5));
    return;
}

bool quick = args.Contains("--quick");
string[] rest = [.. args.Where(a => a != "--quick")];

IConfig config = quick
    ? ManualConfig.CreateMinimumViable()
        .AddDiagnoser(MemoryDiagnoser.Default)
        .AddJob(Job.ShortRun
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithWarmupCount(2)
            .WithIterationCount(5)
            .WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(120)))
        .WithOptions(ConfigOptions.DisableLogFile)
    : DefaultConfig.Instance.AddDiagnoser(MemoryDiagnoser.Default);

if (rest.Length == 0)
{
    rest = ["--filter", "*"];
}

IEnumerable<Summary> summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(rest, config);
RatioTable.Print(summaries, Console.Out);
