using BenchmarkDotNet.Attributes;

namespace LlmRouter.Benchmarks;

/// <summary>
/// The rate-limit step alone, as the request path takes it when the limit is not reached: a deployment's requests and
/// tokens per minute (one bucket each, lock-free), and a caller's per-minute limit (the caller's buckets looked up by key).
/// The baseline reads the clock, which every step does once.
/// </summary>
[MemoryDiagnoser]
public class RateLimitStepBenchmarks
{
    private readonly TimeProvider _time = TimeProvider.System;
    private DeploymentRateLimit _deployment = null!;
    private CallerRateLimit _caller = null!;

    [GlobalSetup]
    public void Setup()
    {
        var options = new DeploymentOptions { RequestsPerMinute = long.MaxValue / 4, TokensPerMinute = long.MaxValue / 4 };
        _deployment = DeploymentRateLimit.Create("primary", options, previous: null, _time.TimestampFrequency)!;
        _caller = new CallerRateLimit("per-user", new RateLimitOptions { RequestsPerMinute = long.MaxValue / 4 }, route: null, _time.TimestampFrequency);
    }

    [Benchmark(Baseline = true)]
    public long Clock() => _time.GetTimestamp();

    [Benchmark]
    public bool DeploymentRequestsAndTokens() => _deployment.TryTake(1_000, _time.GetTimestamp(), out _, out _);

    [Benchmark]
    public bool Caller()
    {
        long now = _time.GetTimestamp();
        CallerWindow window = _caller.Windows[0];
        return _caller.Cells("alice", now)[0].TryTake(1, window.Limit, window.Ticks, now, out _);
    }
}
