using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;

namespace LlmRouter.Benchmarks;

/// <summary>
/// <see cref="CostCalculator.Calculate"/> on an Anthropic-shaped usage (cache reads and writes) against the same arithmetic
/// written inline on known counts (the baseline).
/// </summary>
[MemoryDiagnoser]
public class PricingCostBenchmarks
{
    private static readonly ModelPrice Price = new(1.00m, 5.00m) { CachedInput = 0.10m, CacheWrite = 1.25m };

    private readonly UsageDetails _usage = new()
    {
        InputTokenCount = 3_195,
        CachedInputTokenCount = 1_000,
        OutputTokenCount = 503,
        AdditionalCounts = new AdditionalPropertiesDictionary<long> { ["CacheWriteInputTokenCount"] = 100 },
    };

    private long _uncached = 2_095;
    private long _reads = 1_000;
    private long _writes = 100;
    private long _output = 503;

    [Benchmark(Baseline = true)]
    public decimal Inline() =>
        ((_uncached * Price.Input) + (_reads * Price.CachedInput!.Value) + (_writes * Price.CacheWrite!.Value) + (_output * Price.Output)) / 1_000_000m;

    [Benchmark]
    public decimal Calculate() => CostCalculator.Calculate(_usage, Price);

    [Benchmark]
    public decimal Estimate() => CostCalculator.Estimate(_uncached + _reads + _writes, _output, Price);
}
