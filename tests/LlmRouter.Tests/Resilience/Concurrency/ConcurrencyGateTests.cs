using LlmRouter.Testing;

namespace LlmRouter.Tests.Resilience.Concurrency;

public class ConcurrencyGateTests
{
    [Fact]
    public void TryEnter_Unlimited_AlwaysAdmitsAndCounts()
    {
        var gate = new ConcurrencyGate(limit: null, queues: false);

        for (int i = 0; i < 100; i++)
        {
            Assert.True(gate.TryEnter());
        }

        Assert.Equal(100, gate.InFlight);
        Assert.Null(gate.Limit);
    }

    [Fact]
    public async Task EnterAndExit_UnlimitedOnEveryCore_InFlightNeverNegativeAndBackToZero()
    {
        var gate = new ConcurrencyGate(limit: null, queues: false);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            for (int i = 0; i < 2_000; i++)
            {
                Assert.True(gate.TryEnter());
                Assert.InRange(gate.InFlight, 0, 8);
                if (i % 100 == 0)
                {
                    await Task.Yield();
                }

                gate.Exit();
            }
        })));

        Assert.Equal(0, gate.InFlight);
        Assert.True(gate.TryEnter());
        Assert.True(gate.TryEnter());
        Assert.Equal(2, gate.InFlight);
    }

    [Fact]
    public void TryEnter_AtLimit_RejectsUntilExit()
    {
        var gate = new ConcurrencyGate(limit: 2, queues: false);

        Assert.True(gate.TryEnter());
        Assert.True(gate.TryEnter());
        Assert.False(gate.TryEnter());
        gate.Exit();
        Assert.True(gate.TryEnter());
        Assert.Equal(2, gate.InFlight);
    }

    [Fact]
    public async Task WaitAsync_SlotFreedBeforeTimeout_Admits()
    {
        var clock = new TimerTrackingFakeTimeProvider();
        var gate = new ConcurrencyGate(limit: 1, queues: true);
        gate.TryEnter();

        Task<bool> waiting = gate.WaitAsync(TimeSpan.FromSeconds(5), clock, CancellationToken.None).AsTask();
        await clock.WaitForTimersAsync(1);
        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.False(waiting.IsCompleted);
        gate.Exit();

        Assert.True(await waiting);
        Assert.Equal(1, gate.InFlight);
    }

    [Fact]
    public async Task WaitAsync_NoSlotWithinTimeout_ReturnsFalse()
    {
        var clock = new TimerTrackingFakeTimeProvider();
        var gate = new ConcurrencyGate(limit: 1, queues: true);
        gate.TryEnter();

        Task<bool> waiting = gate.WaitAsync(TimeSpan.FromSeconds(5), clock, CancellationToken.None).AsTask();
        await clock.WaitForTimersAsync(1);
        clock.Advance(TimeSpan.FromSeconds(5));

        Assert.False(await waiting);
        Assert.Equal(1, gate.InFlight);
    }

    [Fact]
    public async Task WaitAsync_Cancelled_Throws()
    {
        var gate = new ConcurrencyGate(limit: 1, queues: true);
        gate.TryEnter();
        using var cancellation = new CancellationTokenSource();

        Task<bool> waiting = gate.WaitAsync(TimeSpan.FromMinutes(1), TimeProvider.System, cancellation.Token).AsTask();
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }

    [Fact]
    public async Task EnterAndExit_ThousandConcurrentCallers_NeverExceedTheLimit()
    {
        var gate = new ConcurrencyGate(limit: 10, queues: true);
        int current = 0;
        int highest = 0;

        await Task.WhenAll(Enumerable.Range(0, 1_000).Select(_ => Task.Run(async () =>
        {
            Assert.True(await gate.WaitAsync(TimeSpan.FromMinutes(1), TimeProvider.System, CancellationToken.None));
            int now = Interlocked.Increment(ref current);
            InterlockedMax(ref highest, now);
            await Task.Yield();
            Interlocked.Decrement(ref current);
            gate.Exit();
        })));

        Assert.InRange(highest, 1, 10);
        Assert.Equal(0, gate.InFlight);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen = Volatile.Read(ref target);
        while (value > seen)
        {
            int previous = Interlocked.CompareExchange(ref target, value, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }
}
