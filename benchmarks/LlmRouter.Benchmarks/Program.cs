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
if (args.Contains("--interleaved"))
{
    InterleavedComparison.Run(Console.Out);
    return;
}

// Latency a shared state through Redis adds, p50 and p99 (starts its own redis-server): ... -- --shared-state
if (args.Contains("--shared-state"))
{
    await SharedStateLatency.RunAsync(Console.Out);
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
