using System.Net;
using LlmRouter.Testing;
using Microsoft.Extensions.AI;

namespace LlmRouter.Tests.Testing;

public class TimerTrackingFakeTimeProviderTests
{
    [Fact]
    public void ActiveTimers_OneShotTimers_CountedUntilTheyFire()
    {
        var clock = new TimerTrackingFakeTimeProvider();
        var fired = new List<string>();
        using ITimer late = clock.CreateTimer(_ => fired.Add("late"), null, TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan);
        using ITimer early = clock.CreateTimer(_ => fired.Add("early"), null, TimeSpan.FromSeconds(2), Timeout.InfiniteTimeSpan);
        using ITimer never = clock.CreateTimer(_ => fired.Add("never"), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        Assert.Equal(2, clock.ActiveTimers);

        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(["early"], fired);
        Assert.Equal(1, clock.ActiveTimers);

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["early", "late"], fired);
        Assert.Equal(0, clock.ActiveTimers);
    }

    [Fact]
    public void ActiveTimers_PeriodicTimer_StaysCountedAndFiresOncePerPeriod()
    {
        var clock = new TimerTrackingFakeTimeProvider();
        int ticks = 0;
        using ITimer timer = clock.CreateTimer(_ => ticks++, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

        clock.Advance(TimeSpan.FromSeconds(3.5));

        Assert.Equal(3, ticks);
        Assert.Equal(1, clock.ActiveTimers);
    }

    [Fact]
    public void Timer_ChangeAndDispose_RescheduleAndUncount()
    {
        var clock = new TimerTrackingFakeTimeProvider();
        int ticks = 0;
        ITimer timer = clock.CreateTimer(_ => ticks++, null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);

        Assert.True(timer.Change(TimeSpan.FromSeconds(10), Timeout.InfiniteTimeSpan));
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(0, ticks);
        Assert.Equal(1, clock.ActiveTimers);

        Assert.True(timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan));
        Assert.Equal(0, clock.ActiveTimers);
        Assert.True(timer.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan));
        Assert.Equal(1, clock.ActiveTimers);

        timer.Dispose();
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(0, ticks);
        Assert.Equal(0, clock.ActiveTimers);
        Assert.False(timer.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan));
    }

    [Fact]
    public void Timer_ChangedByItsOwnCallback_CountsTheNewSchedule()
    {
        var clock = new TimerTrackingFakeTimeProvider();
        int ticks = 0;
        ITimer? timer = null;
        timer = clock.CreateTimer(
            _ =>
            {
                if (++ticks == 1)
                {
                    timer!.Change(TimeSpan.FromSeconds(3), Timeout.InfiniteTimeSpan);
                }
            },
            null,
            TimeSpan.FromSeconds(1),
            Timeout.InfiniteTimeSpan);

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal((1, 1), (ticks, clock.ActiveTimers));

        clock.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal((2, 0), (ticks, clock.ActiveTimers));
        timer.Dispose();
    }

    [Fact]
    public void CreateTimer_ZeroDueTime_FiresAtOnceAndIsNotCounted()
    {
        var clock = new TimerTrackingFakeTimeProvider();
        int ticks = 0;

        using ITimer timer = clock.CreateTimer(_ => ticks++, null, TimeSpan.Zero, Timeout.InfiniteTimeSpan);

        Assert.Equal((1, 0), (ticks, clock.ActiveTimers));
    }

    [Fact]
    public void CreateTimer_DueTimeOutOfRange_ThrowsAndCountsNothing()
    {
        var clock = new TimerTrackingFakeTimeProvider();

        Assert.Throws<ArgumentOutOfRangeException>(() => clock.CreateTimer(_ => { }, null, TimeSpan.FromMilliseconds(-2), Timeout.InfiniteTimeSpan));

        Assert.Equal(0, clock.ActiveTimers);
    }

    [Fact]
    public async Task TaskDelay_CompletesOnlyWhenAdvancedPastIt()
    {
        var clock = new TimerTrackingFakeTimeProvider();

        Task delay = Task.Delay(TimeSpan.FromSeconds(30), clock);
        Assert.Equal(1, clock.ActiveTimers);
        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.False(delay.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(1));

        await delay;
        Assert.Equal(0, clock.ActiveTimers);
    }

    [Fact]
    public void CancellationTokenSource_CancelsAfterTimeoutAndReleasesItsTimer()
    {
        var clock = new TimerTrackingFakeTimeProvider();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10), clock);

        clock.Advance(TimeSpan.FromSeconds(9));
        Assert.False(timeout.IsCancellationRequested);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(timeout.IsCancellationRequested);
        Assert.Equal(0, clock.ActiveTimers);
    }

    [Fact]
    public async Task WaitForTimersAsync_AnotherThreadSchedulesTimers_Completes()
    {
        var clock = new TimerTrackingFakeTimeProvider();

        Task waiting = clock.WaitForTimersAsync(2);
        Assert.False(waiting.IsCompleted);
        Task first = Task.Run(() => Task.Delay(TimeSpan.FromSeconds(1), clock));
        Task second = Task.Run(() => Task.Delay(TimeSpan.FromSeconds(2), clock));
        await waiting;

        clock.Advance(TimeSpan.FromSeconds(2));
        await Task.WhenAll(first, second);
    }

    [Fact]
    public async Task WaitForTimersAsync_RouterWaitsOutRetryAfter_AdvancingPastItAnswers()
    {
        // The README's example.
        var clock = new TimerTrackingFakeTimeProvider();
        var flaky = new ScriptedChatClient(timeProvider: clock)
            .Enqueue(ScriptedOutcome.Failure(HttpStatusCode.TooManyRequests, retryAfter: TimeSpan.FromSeconds(2)))
            .Enqueue(ScriptedOutcome.Text("Hello!"));
        IChatClient router = new LlmRouterBuilder()
            .UseTimeProvider(clock)
            .ConfigureTimeouts(t => t.Attempt = null)
            .AddDeployment("flaky", flaky)
            .Build();

        Task<ChatResponse> call = router.GetResponseAsync("Hi");
        await clock.WaitForTimersAsync(1);
        Assert.False(call.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal("Hello!", (await call).Text);
        Assert.Equal(2, flaky.CallCount);
    }

    [Fact]
    public async Task WaitForTimersAsync_Cancelled_Throws()
    {
        var clock = new TimerTrackingFakeTimeProvider();
        using var cancellation = new CancellationTokenSource();

        Task waiting = clock.WaitForTimersAsync(1, cancellation.Token);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }

    [Fact]
    public void Constructor_StartTime_IsFakeTimeProviderStart()
    {
        var start = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

        Assert.Equal(start, new TimerTrackingFakeTimeProvider(start).GetUtcNow());
        Assert.Equal(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero), new TimerTrackingFakeTimeProvider().Start);
    }
}
