using LlmRouter.Testing;
using Microsoft.Extensions.Time.Testing;

namespace LlmRouter.Tests.Resilience.Timeouts;

public class AttemptTimerTests
{
    private static readonly TimeSpan Millisecond = TimeSpan.FromMilliseconds(1);

    private static long Ticks(double seconds) => TimeSpan.FromSeconds(seconds).Ticks;

    /// <summary>
    /// Lets <paramref name="duration"/> pass a millisecond at a time. FakeTimeProvider.Advance fires a due timer once, with the
    /// clock already at the end of the jump; the idle check re-arms itself from its own callback, so only small steps let it run
    /// at each of its due times, as it would while real time passes.
    /// </summary>
    private static void Pass(FakeTimeProvider clock, TimeSpan duration)
    {
        for (TimeSpan left = duration; left > TimeSpan.Zero; left -= Millisecond)
        {
            clock.Advance(left < Millisecond ? left : Millisecond);
        }
    }

    [Fact]
    public async Task Arm_AttemptDeadlinePasses_CancelsWithAttemptKind()
    {
        var clock = new TimerTrackingFakeTimeProvider();
        using var timer = new AttemptTimer(clock);

        long now = clock.GetTimestamp();
        timer.Arm(CancellationToken.None, now, Timestamps.Never, now + Ticks(5), Timestamps.Never, 0);
        timer.Start();
        await clock.WaitForTimersAsync(1);
        clock.Advance(TimeSpan.FromMilliseconds(4_999));
        Assert.False(timer.Token.IsCancellationRequested);
        clock.Advance(TimeSpan.FromMilliseconds(1));

        Assert.True(timer.Token.IsCancellationRequested);
        Assert.Equal(TimeoutKind.Attempt, timer.Expired);
    }

    [Fact]
    public void Arm_TotalDeadlineEarlier_CancelsWithTotalKind()
    {
        var clock = new FakeTimeProvider();
        using var timer = new AttemptTimer(clock);

        long now = clock.GetTimestamp();
        timer.Arm(CancellationToken.None, now, now + Ticks(2), now + Ticks(5), now + Ticks(3), 0);
        timer.Start();
        clock.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(TimeoutKind.Total, timer.Expired);
    }

    [Fact]
    public void OnChunk_FirstChunk_EndsFirstChunkAndAttemptDeadlines()
    {
        var clock = new FakeTimeProvider();
        using var timer = new AttemptTimer(clock);
        long now = clock.GetTimestamp();
        timer.Arm(CancellationToken.None, now, Timestamps.Never, now + Ticks(5), now + Ticks(3), betweenChunks: Ticks(10));
        timer.Start();

        Pass(clock, TimeSpan.FromSeconds(2));
        timer.OnChunk();
        Pass(clock, TimeSpan.FromSeconds(9));

        Assert.False(timer.Token.IsCancellationRequested);
        Assert.Equal(TimeoutKind.None, timer.Expired);
    }

    [Fact]
    public void Arm_NoChunkBeforeFirstChunkDeadline_CancelsWithFirstChunkKind()
    {
        var clock = new FakeTimeProvider();
        using var timer = new AttemptTimer(clock);

        long now = clock.GetTimestamp();
        timer.Arm(CancellationToken.None, now, Timestamps.Never, Timestamps.Never, now + Ticks(3), betweenChunks: Ticks(10));
        timer.Start();
        clock.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal(TimeoutKind.FirstChunk, timer.Expired);
    }

    [Fact]
    public void OnChunk_SteadyChunks_KeepTheStreamAliveThenSilenceCutsIt()
    {
        var clock = new FakeTimeProvider();
        using var timer = new AttemptTimer(clock);
        long now = clock.GetTimestamp();
        timer.Arm(CancellationToken.None, now, Timestamps.Never, Timestamps.Never, Timestamps.Never, betweenChunks: Ticks(4));
        timer.Start();
        timer.OnChunk();

        for (int i = 0; i < 20; i++)
        {
            Pass(clock, TimeSpan.FromSeconds(3));
            timer.OnChunk();
        }

        // Silent from the last chunk on: not cut before the timeout, cut by 1.25 times it.
        Assert.False(timer.Token.IsCancellationRequested);
        Pass(clock, TimeSpan.FromMilliseconds(3_999));
        Assert.False(timer.Token.IsCancellationRequested);
        Pass(clock, TimeSpan.FromMilliseconds(1_001));

        Assert.True(timer.Token.IsCancellationRequested);
        Assert.Equal(TimeoutKind.BetweenChunks, timer.Expired);
    }

    [Fact]
    public void Silence_IsDetectedWithinAQuarterOfTheTimeoutAfterItPasses()
    {
        var clock = new FakeTimeProvider();
        using var timer = new AttemptTimer(clock);
        long now = clock.GetTimestamp();
        timer.Arm(CancellationToken.None, now, Timestamps.Never, Timestamps.Never, Timestamps.Never, betweenChunks: Ticks(4));
        timer.Start();
        timer.OnChunk();
        Pass(clock, TimeSpan.FromMilliseconds(100));
        timer.OnChunk();

        Pass(clock, TimeSpan.FromSeconds(4));
        Assert.False(timer.Token.IsCancellationRequested);
        Pass(clock, TimeSpan.FromSeconds(1));

        Assert.Equal(TimeoutKind.BetweenChunks, timer.Expired);
    }

    [Fact]
    public async Task Arm_CallerCancels_CancelsWithoutATimeoutKind()
    {
        var clock = new FakeTimeProvider();
        using var timer = new AttemptTimer(clock);
        using var caller = new CancellationTokenSource();
        long now = clock.GetTimestamp();
        timer.Arm(caller.Token, now, Timestamps.Never, now + Ticks(5), Timestamps.Never, 0);
        timer.Start();

        await caller.CancelAsync();

        Assert.True(timer.Token.IsCancellationRequested);
        Assert.Equal(TimeoutKind.None, timer.Expired);
    }

    [Fact]
    public void Disarm_AfterCancellation_GivesAFreshTokenAndNoTimerFiresLater()
    {
        var clock = new TimerTrackingFakeTimeProvider();
        using var timer = new AttemptTimer(clock);
        long now = clock.GetTimestamp();
        timer.Arm(CancellationToken.None, now, Timestamps.Never, now + Ticks(1), Timestamps.Never, 0);
        timer.Start();
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(timer.Token.IsCancellationRequested);

        Assert.True(timer.Disarm());
        Assert.False(timer.Token.IsCancellationRequested);
        clock.Advance(TimeSpan.FromHours(1));
        Assert.False(timer.Token.IsCancellationRequested);
        Assert.Equal(0, clock.ActiveTimers);
    }

    [Fact]
    public void Pool_ReturnedTimer_IsReusedDisarmed()
    {
        var clock = new FakeTimeProvider();
        using var pool = new AttemptTimerPool(clock);
        AttemptTimer first = pool.Rent();
        long now = clock.GetTimestamp();
        first.Arm(CancellationToken.None, now, Timestamps.Never, now + Ticks(1), Timestamps.Never, 0);
        first.Start();
        pool.Return(first);

        AttemptTimer second = pool.Rent();

        Assert.Same(first, second);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.False(second.Token.IsCancellationRequested);
    }

    [Fact]
    public void Arm_NotStarted_SchedulesNothingAndNeverFires()
    {
        var clock = new TimerTrackingFakeTimeProvider();
        using var timer = new AttemptTimer(clock);
        long now = clock.GetTimestamp();

        timer.Arm(CancellationToken.None, now, now + Ticks(2), now + Ticks(1), Timestamps.Never, 0);
        clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(0, clock.ActiveTimers);
        Assert.False(timer.Token.IsCancellationRequested);
        Assert.True(timer.Disarm());
    }

    [Fact]
    public void Start_AfterTheDeadlinePassed_FiresAtOnceWithTheDeadlineKind()
    {
        var clock = new FakeTimeProvider();
        using var timer = new AttemptTimer(clock);
        long now = clock.GetTimestamp();
        timer.Arm(CancellationToken.None, now, Timestamps.Never, now + Ticks(1), Timestamps.Never, 0);
        clock.Advance(TimeSpan.FromSeconds(3));

        timer.Start();

        Assert.True(timer.Token.IsCancellationRequested);
        Assert.Equal(TimeoutKind.Attempt, timer.Expired);
    }

    [Fact]
    public async Task Arm_CallerTokenCancelledBeforeStart_CancelsTheAttempt()
    {
        var clock = new FakeTimeProvider();
        using var timer = new AttemptTimer(clock);
        using var caller = new CancellationTokenSource();
        long now = clock.GetTimestamp();

        timer.Arm(caller.Token, now, Timestamps.Never, now + Ticks(5), Timestamps.Never, 0);
        await caller.CancelAsync();

        Assert.True(timer.Token.IsCancellationRequested);
        Assert.Equal(TimeoutKind.None, timer.Expired);
    }
}
