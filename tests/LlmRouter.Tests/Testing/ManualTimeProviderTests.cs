using LlmRouter.Testing;

namespace LlmRouter.Tests.Testing;

public class ManualTimeProviderTests
{
    [Fact]
    public void Advance_MovesClockAndTimestamp()
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        long start = clock.GetTimestamp();

        clock.Advance(TimeSpan.FromMinutes(90));

        Assert.Equal(new DateTimeOffset(2030, 1, 1, 1, 30, 0, TimeSpan.Zero), clock.GetUtcNow());
        Assert.Equal(TimeSpan.FromMinutes(90), clock.GetElapsedTime(start));
    }

    [Fact]
    public void Advance_FiresDueTimersInOrderAtTheirDueTime()
    {
        var clock = new ManualTimeProvider();
        var fired = new List<(string Name, TimeSpan At)>();
        using ITimer late = clock.CreateTimer(_ => fired.Add(("late", clock.Elapsed)), null, TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan);
        using ITimer early = clock.CreateTimer(_ => fired.Add(("early", clock.Elapsed)), null, TimeSpan.FromSeconds(2), Timeout.InfiniteTimeSpan);
        using ITimer never = clock.CreateTimer(_ => fired.Add(("never", clock.Elapsed)), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal([("early", TimeSpan.FromSeconds(2))], fired);

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal([("early", TimeSpan.FromSeconds(2)), ("late", TimeSpan.FromSeconds(5))], fired);
        Assert.Equal(TimeSpan.FromSeconds(5), clock.Elapsed);
    }

    [Fact]
    public void Advance_PeriodicTimerFiresOncePerPeriod()
    {
        var clock = new ManualTimeProvider();
        int ticks = 0;
        using ITimer timer = clock.CreateTimer(_ => ticks++, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

        clock.Advance(TimeSpan.FromSeconds(3.5));

        Assert.Equal(3, ticks);
    }

    [Fact]
    public void Timer_ChangeAndDispose_Reschedule()
    {
        var clock = new ManualTimeProvider();
        int ticks = 0;
        ITimer timer = clock.CreateTimer(_ => ticks++, null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);

        Assert.True(timer.Change(TimeSpan.FromSeconds(10), Timeout.InfiniteTimeSpan));
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(0, ticks);
        Assert.Equal(1, clock.ActiveTimers);

        timer.Dispose();
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(0, ticks);
        Assert.Equal(0, clock.ActiveTimers);
        Assert.False(timer.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan));
    }

    [Fact]
    public async Task TaskDelay_CompletesOnlyWhenAdvancedPastIt()
    {
        var clock = new ManualTimeProvider();

        Task delay = Task.Delay(TimeSpan.FromSeconds(30), clock);
        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.False(delay.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(1));

        await delay;
    }

    [Fact]
    public void CancellationTokenSource_CancelsAfterTimeoutOnManualClock()
    {
        var clock = new ManualTimeProvider();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10), clock);

        clock.Advance(TimeSpan.FromSeconds(9));
        Assert.False(timeout.IsCancellationRequested);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(timeout.IsCancellationRequested);
    }

    [Fact]
    public async Task WaitForTimersAsync_CompletesWhenAnotherThreadSchedulesATimer()
    {
        var clock = new ManualTimeProvider();

        Task waiting = clock.WaitForTimersAsync(2);
        Assert.False(waiting.IsCompleted);
        Task first = Task.Run(() => Task.Delay(TimeSpan.FromSeconds(1), clock));
        Task second = Task.Run(() => Task.Delay(TimeSpan.FromSeconds(2), clock));
        await waiting;

        clock.Advance(TimeSpan.FromSeconds(2));
        await Task.WhenAll(first, second);
    }

    [Fact]
    public void Advance_Negative_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ManualTimeProvider().Advance(TimeSpan.FromTicks(-1)));
    }
}
