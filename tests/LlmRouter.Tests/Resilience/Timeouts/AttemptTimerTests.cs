using LlmRouter.Testing;

namespace LlmRouter.Tests.Resilience.Timeouts;

public class AttemptTimerTests
{
    private static long Ticks(double seconds) => TimeSpan.FromSeconds(seconds).Ticks;

    [Fact]
    public async Task Arm_AttemptDeadlinePasses_CancelsWithAttemptKind()
    {
        var clock = new ManualTimeProvider();
        using var timer = new AttemptTimer(clock);

        timer.Arm(CancellationToken.None, 0, Timestamps.Never, Ticks(5), Timestamps.Never, 0);
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
        var clock = new ManualTimeProvider();
        using var timer = new AttemptTimer(clock);

        timer.Arm(CancellationToken.None, 0, Ticks(2), Ticks(5), Ticks(3), 0);
        clock.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(TimeoutKind.Total, timer.Expired);
    }

    [Fact]
    public void OnChunk_FirstChunk_EndsFirstChunkAndAttemptDeadlines()
    {
        var clock = new ManualTimeProvider();
        using var timer = new AttemptTimer(clock);
        timer.Arm(CancellationToken.None, 0, Timestamps.Never, Ticks(5), Ticks(3), betweenChunks: Ticks(10));

        clock.Advance(TimeSpan.FromSeconds(2));
        timer.OnChunk();
        clock.Advance(TimeSpan.FromSeconds(9));

        Assert.False(timer.Token.IsCancellationRequested);
        Assert.Equal(TimeoutKind.None, timer.Expired);
    }

    [Fact]
    public void Arm_NoChunkBeforeFirstChunkDeadline_CancelsWithFirstChunkKind()
    {
        var clock = new ManualTimeProvider();
        using var timer = new AttemptTimer(clock);

        timer.Arm(CancellationToken.None, 0, Timestamps.Never, Timestamps.Never, Ticks(3), betweenChunks: Ticks(10));
        clock.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal(TimeoutKind.FirstChunk, timer.Expired);
    }

    [Fact]
    public void OnChunk_SteadyChunks_KeepTheStreamAliveThenSilenceCutsIt()
    {
        var clock = new ManualTimeProvider();
        using var timer = new AttemptTimer(clock);
        timer.Arm(CancellationToken.None, 0, Timestamps.Never, Timestamps.Never, Timestamps.Never, betweenChunks: Ticks(4));
        timer.OnChunk();

        for (int i = 0; i < 20; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(3));
            timer.OnChunk();
        }

        // Silent from the last chunk on: not cut before the timeout, cut by 1.25 times it.
        Assert.False(timer.Token.IsCancellationRequested);
        clock.Advance(TimeSpan.FromMilliseconds(3_999));
        Assert.False(timer.Token.IsCancellationRequested);
        clock.Advance(TimeSpan.FromMilliseconds(1_001));

        Assert.True(timer.Token.IsCancellationRequested);
        Assert.Equal(TimeoutKind.BetweenChunks, timer.Expired);
    }

    [Fact]
    public void Silence_IsDetectedWithinAQuarterOfTheTimeoutAfterItPasses()
    {
        var clock = new ManualTimeProvider();
        using var timer = new AttemptTimer(clock);
        timer.Arm(CancellationToken.None, 0, Timestamps.Never, Timestamps.Never, Timestamps.Never, betweenChunks: Ticks(4));
        timer.OnChunk();
        clock.Advance(TimeSpan.FromMilliseconds(100));
        timer.OnChunk();

        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.False(timer.Token.IsCancellationRequested);
        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(TimeoutKind.BetweenChunks, timer.Expired);
    }

    [Fact]
    public async Task Arm_CallerCancels_CancelsWithoutATimeoutKind()
    {
        var clock = new ManualTimeProvider();
        using var timer = new AttemptTimer(clock);
        using var caller = new CancellationTokenSource();
        timer.Arm(caller.Token, 0, Timestamps.Never, Ticks(5), Timestamps.Never, 0);

        await caller.CancelAsync();

        Assert.True(timer.Token.IsCancellationRequested);
        Assert.Equal(TimeoutKind.None, timer.Expired);
    }

    [Fact]
    public void Disarm_AfterCancellation_GivesAFreshTokenAndNoTimerFiresLater()
    {
        var clock = new ManualTimeProvider();
        using var timer = new AttemptTimer(clock);
        timer.Arm(CancellationToken.None, 0, Timestamps.Never, Ticks(1), Timestamps.Never, 0);
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
        var clock = new ManualTimeProvider();
        using var pool = new AttemptTimerPool(clock);
        AttemptTimer first = pool.Rent();
        first.Arm(CancellationToken.None, 0, Timestamps.Never, Ticks(1), Timestamps.Never, 0);
        pool.Return(first);

        AttemptTimer second = pool.Rent();

        Assert.Same(first, second);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.False(second.Token.IsCancellationRequested);
    }
}
