namespace LlmRouter.Tests.Resilience.CircuitBreaker;

public class CircuitBreakerTests
{
    private const long Frequency = TimeSpan.TicksPerSecond;

    private static LlmRouter.CircuitBreaker Create(double ratio = 0.5, int throughput = 4, int samplingSeconds = 10, int breakSeconds = 5) =>
        new(new CircuitBreakerOptions
        {
            FailureRatio = ratio,
            MinimumThroughput = throughput,
            SamplingDuration = TimeSpan.FromSeconds(samplingSeconds),
            BreakDuration = TimeSpan.FromSeconds(breakSeconds),
        }, Frequency);

    private static long Seconds(double seconds) => (long)(seconds * Frequency);

    [Fact]
    public async Task OnSuccess_ConcurrentOnEveryCore_SampleCountsEachOnceAndRolloverForgetsThem()
    {
        LlmRouter.CircuitBreaker breaker = Create(throughput: 1_000_000, samplingSeconds: 10);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (int i = 0; i < 10_000; i++)
            {
                breaker.OnSuccess(Seconds(0.5), probe: false);
            }
        })));
        breaker.OnFailure(Seconds(0.5), probe: false);

        Assert.Equal((80_001, 1), breaker.Sample(Seconds(0.5)));

        // The same bucket one window later: rolled over, so the earlier successes no longer count.
        breaker.OnSuccess(Seconds(10.5), probe: false);
        Assert.Equal((1, 0), breaker.Sample(Seconds(10.5)));
    }

    [Fact]
    public void OnFailure_BelowMinimumThroughput_StaysClosed()
    {
        LlmRouter.CircuitBreaker breaker = Create(throughput: 4);

        Assert.False(breaker.OnFailure(0, probe: false));
        Assert.False(breaker.OnFailure(0, probe: false));
        Assert.False(breaker.OnFailure(0, probe: false));

        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal((3, 3), breaker.Sample(0));
    }

    [Fact]
    public void OnFailure_RatioReachedAtMinimumThroughput_Opens()
    {
        LlmRouter.CircuitBreaker breaker = Create(ratio: 0.5, throughput: 4);
        breaker.OnSuccess(0, probe: false);
        breaker.OnSuccess(0, probe: false);
        Assert.False(breaker.OnFailure(0, probe: false));

        bool opened = breaker.OnFailure(Seconds(1), probe: false);

        Assert.True(opened);
        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(Seconds(1), breaker.OpenedAt);
        Assert.Equal(Seconds(6), breaker.OpenUntil);
    }

    [Fact]
    public void OnFailure_RatioBelowThreshold_StaysClosed()
    {
        LlmRouter.CircuitBreaker breaker = Create(ratio: 0.5, throughput: 4);
        for (int i = 0; i < 3; i++)
        {
            breaker.OnSuccess(0, probe: false);
        }

        Assert.False(breaker.OnFailure(0, probe: false));
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public void TryAcquire_Open_RejectsUntilBreakEndsThenAdmitsExactlyOneProbe()
    {
        LlmRouter.CircuitBreaker breaker = Create(ratio: 1, throughput: 1, breakSeconds: 5);
        breaker.OnFailure(0, probe: false);

        Assert.False(breaker.TryAcquire(Seconds(4.9), out _));
        Assert.True(breaker.TryAcquire(Seconds(5), out bool probe));
        Assert.True(probe);
        Assert.Equal(CircuitState.HalfOpen, breaker.State);
        Assert.False(breaker.TryAcquire(Seconds(5), out _));
        Assert.False(breaker.TryAcquire(Seconds(100), out _));
    }

    [Fact]
    public void OnSuccess_Probe_ClosesAndClearsTheWindow()
    {
        LlmRouter.CircuitBreaker breaker = Create(ratio: 1, throughput: 1);
        breaker.OnFailure(0, probe: false);
        breaker.TryAcquire(Seconds(5), out bool probe);

        Assert.True(breaker.OnSuccess(Seconds(6), probe));

        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal((0, 0), breaker.Sample(Seconds(6)));
        Assert.True(breaker.TryAcquire(Seconds(6), out bool again));
        Assert.False(again);
    }

    [Fact]
    public void OnFailure_Probe_ReopensForAnotherBreak()
    {
        LlmRouter.CircuitBreaker breaker = Create(ratio: 1, throughput: 1, breakSeconds: 5);
        breaker.OnFailure(0, probe: false);
        breaker.TryAcquire(Seconds(5), out bool probe);

        Assert.True(breaker.OnFailure(Seconds(7), probe));

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(Seconds(12), breaker.OpenUntil);
        Assert.False(breaker.TryAcquire(Seconds(11), out _));
    }

    [Fact]
    public void OnIgnored_Probe_GivesTheTurnToTheNextRequest()
    {
        LlmRouter.CircuitBreaker breaker = Create(ratio: 1, throughput: 1);
        breaker.OnFailure(0, probe: false);
        breaker.TryAcquire(Seconds(5), out bool probe);

        breaker.OnIgnored(probe);

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.True(breaker.TryAcquire(Seconds(5), out bool next));
        Assert.True(next);
    }

    [Fact]
    public void OnFailure_WhileOpen_IsNotCounted()
    {
        LlmRouter.CircuitBreaker breaker = Create(ratio: 1, throughput: 1);
        breaker.OnFailure(0, probe: false);

        Assert.False(breaker.OnFailure(Seconds(1), probe: false));
        Assert.Equal((1, 1), breaker.Sample(Seconds(1)));
    }

    [Fact]
    public void Sample_OldCallsAgeOutOfTheWindow()
    {
        LlmRouter.CircuitBreaker breaker = Create(ratio: 0.5, throughput: 4, samplingSeconds: 10);
        breaker.OnFailure(0, probe: false);
        breaker.OnFailure(Seconds(1), probe: false);
        breaker.OnFailure(Seconds(2), probe: false);

        Assert.Equal((3, 3), breaker.Sample(Seconds(9.5)));
        Assert.Equal((2, 2), breaker.Sample(Seconds(10.5)));
        Assert.Equal((0, 0), breaker.Sample(Seconds(13)));

        Assert.False(breaker.OnFailure(Seconds(13), probe: false));
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public async Task OnFailureAndOnSuccess_ConcurrentCalls_CountEveryOne()
    {
        LlmRouter.CircuitBreaker breaker = Create(ratio: 1, throughput: int.MaxValue);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(() =>
        {
            for (int i = 0; i < 10_000; i++)
            {
                if (i % 2 == 0)
                {
                    breaker.OnSuccess(Seconds(1), probe: false);
                }
                else
                {
                    breaker.OnFailure(Seconds(1), probe: false);
                }
            }
        })));

        Assert.Equal((80_000, 40_000), breaker.Sample(Seconds(1)));
    }
}
