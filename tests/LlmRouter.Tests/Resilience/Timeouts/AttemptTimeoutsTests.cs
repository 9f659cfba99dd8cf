using LlmRouter.Testing;
using Microsoft.Extensions.Time.Testing;

namespace LlmRouter.Tests.Resilience.Timeouts;

public class AttemptTimeoutsTests
{
    private static readonly TimeSpan Millisecond = TimeSpan.FromMilliseconds(1);

    /// <summary>Timeouts in whole seconds; a negative number turns that timeout off.</summary>
    private static TimeoutOptions Options(int total = -1, int attempt = -1, int firstChunk = -1, int betweenChunks = -1) => new()
    {
        Total = Seconds(total),
        Attempt = Seconds(attempt),
        FirstChunk = Seconds(firstChunk),
        BetweenChunks = Seconds(betweenChunks),
    };

    private static TimeSpan? Seconds(int seconds) => seconds < 0 ? null : TimeSpan.FromSeconds(seconds);

    private static long Ticks(FakeTimeProvider clock, double seconds) => (long)(seconds * clock.TimestampFrequency);

    /// <summary>Lets time pass a millisecond at a time, so the idle check, which re-arms itself, runs at each of its due times.</summary>
    private static void Pass(FakeTimeProvider clock, TimeSpan duration)
    {
        for (TimeSpan left = duration; left > TimeSpan.Zero; left -= Millisecond)
        {
            clock.Advance(left < Millisecond ? left : Millisecond);
        }
    }

    /// <summary>Arms a timer as an attempt starting now would be armed, and starts it.</summary>
    private static AttemptTimer Armed(AttemptTimeouts timeouts, FakeTimeProvider clock, bool streaming, long? requestDeadline = null, long? startedAt = null, CancellationToken caller = default)
    {
        var timer = new AttemptTimer(clock);
        long now = clock.GetTimestamp();
        timeouts.Arm(timer, caller, startedAt ?? now, requestDeadline ?? timeouts.RequestDeadline(now), streaming);
        timer.Start();
        return timer;
    }

    [Fact]
    public void RequestDeadline_NoTotalTimeout_IsNever()
    {
        var clock = new FakeTimeProvider();
        var timeouts = new AttemptTimeouts(Options(attempt: 5), clock.TimestampFrequency);

        Assert.Equal(Timestamps.Never, timeouts.RequestDeadline(clock.GetTimestamp()));
    }

    [Fact]
    public void RequestDeadline_TotalTimeout_IsThatLongAfterTheStart()
    {
        var clock = new FakeTimeProvider();
        var timeouts = new AttemptTimeouts(Options(total: 30), clock.TimestampFrequency);
        long start = clock.GetTimestamp();

        Assert.Equal(start + Ticks(clock, 30), timeouts.RequestDeadline(start));
        Assert.Equal(start + Ticks(clock, 31), timeouts.RequestDeadline(start + Ticks(clock, 1)));
    }

    [Theory]
    [InlineData(-1, -1, -1, -1, false, false)]
    [InlineData(30, -1, -1, -1, true, true)]
    [InlineData(-1, 10, -1, -1, true, true)]
    [InlineData(-1, -1, 5, -1, false, true)]
    [InlineData(-1, -1, -1, 2, false, true)]
    [InlineData(-1, -1, 5, 2, false, true)]
    [InlineData(30, 10, 5, 2, true, true)]
    public void NeedsTimer_NotHedged_OnlyWhenATimeoutAppliesToTheKindOfCall(int total, int attempt, int firstChunk, int betweenChunks, bool call, bool stream)
    {
        var timeouts = new AttemptTimeouts(Options(total, attempt, firstChunk, betweenChunks), TimeSpan.TicksPerSecond);

        Assert.Equal((call, stream), (timeouts.NeedsTimer(streaming: false, cancellable: false), timeouts.NeedsTimer(streaming: true, cancellable: false)));
        Assert.Equal((call, stream), (timeouts.TimesCalls, timeouts.TimesStreams));
    }

    [Theory]
    [InlineData(-1, -1, -1, -1)]
    [InlineData(-1, -1, 5, 2)]
    [InlineData(30, 10, 5, 2)]
    public void NeedsTimer_Hedged_AlwaysSoTheRouterCanCancelTheLoser(int total, int attempt, int firstChunk, int betweenChunks)
    {
        var timeouts = new AttemptTimeouts(Options(total, attempt, firstChunk, betweenChunks), TimeSpan.TicksPerSecond);

        Assert.True(timeouts.NeedsTimer(streaming: false, cancellable: true));
        Assert.True(timeouts.NeedsTimer(streaming: true, cancellable: true));
    }

    [Fact]
    public void Arm_Call_FiresTheAttemptTimeoutAndIgnoresTheFirstChunkTimeout()
    {
        var clock = new FakeTimeProvider();
        var timeouts = new AttemptTimeouts(Options(attempt: 5, firstChunk: 2), clock.TimestampFrequency);
        using AttemptTimer timer = Armed(timeouts, clock, streaming: false);

        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.False(timer.Token.IsCancellationRequested);
        clock.Advance(TimeSpan.FromMilliseconds(2_999));
        Assert.False(timer.Token.IsCancellationRequested);
        clock.Advance(Millisecond);

        Assert.True(timer.Token.IsCancellationRequested);
        Assert.Equal(TimeoutKind.Attempt, timer.Expired);
    }

    [Fact]
    public void Arm_Stream_FiresTheFirstChunkTimeoutWhenItComesFirst()
    {
        var clock = new FakeTimeProvider();
        var timeouts = new AttemptTimeouts(Options(attempt: 5, firstChunk: 2), clock.TimestampFrequency);
        using AttemptTimer timer = Armed(timeouts, clock, streaming: true);

        clock.Advance(TimeSpan.FromMilliseconds(1_999));
        Assert.False(timer.Token.IsCancellationRequested);
        clock.Advance(Millisecond);

        Assert.Equal(TimeoutKind.FirstChunk, timer.Expired);
    }

    [Fact]
    public void Arm_Stream_FiresTheAttemptTimeoutWhenItComesFirst()
    {
        var clock = new FakeTimeProvider();
        var timeouts = new AttemptTimeouts(Options(attempt: 3, firstChunk: 8), clock.TimestampFrequency);
        using AttemptTimer timer = Armed(timeouts, clock, streaming: true);

        clock.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal(TimeoutKind.Attempt, timer.Expired);
    }

    [Fact]
    public void Arm_RequestDeadlineBeforeTheAttempts_FiresTheTotalTimeout()
    {
        var clock = new FakeTimeProvider();
        var timeouts = new AttemptTimeouts(Options(total: 3, attempt: 5), clock.TimestampFrequency);
        long requestDeadline = timeouts.RequestDeadline(clock.GetTimestamp());
        clock.Advance(TimeSpan.FromSeconds(1));
        using AttemptTimer timer = Armed(timeouts, clock, streaming: false, requestDeadline);

        clock.Advance(TimeSpan.FromMilliseconds(1_999));
        Assert.False(timer.Token.IsCancellationRequested);
        clock.Advance(Millisecond);

        Assert.Equal(TimeoutKind.Total, timer.Expired);
    }

    [Fact]
    public void Arm_AttemptStartedEarlier_DeadlinesCountFromItsStart()
    {
        var clock = new FakeTimeProvider();
        var timeouts = new AttemptTimeouts(Options(attempt: 5), clock.TimestampFrequency);
        long startedAt = clock.GetTimestamp() - Ticks(clock, 1);
        using AttemptTimer timer = Armed(timeouts, clock, streaming: false, startedAt: startedAt);

        clock.Advance(TimeSpan.FromSeconds(4));

        Assert.Equal(TimeoutKind.Attempt, timer.Expired);
    }

    [Fact]
    public void Arm_NoTimeouts_SchedulesNothing()
    {
        var clock = new TimerTrackingFakeTimeProvider();
        var timeouts = new AttemptTimeouts(Options(), clock.TimestampFrequency);

        using AttemptTimer call = Armed(timeouts, clock, streaming: false);
        using AttemptTimer stream = Armed(timeouts, clock, streaming: true);
        clock.Advance(TimeSpan.FromDays(1));

        Assert.Equal(0, clock.ActiveTimers);
        Assert.Equal((TimeoutKind.None, TimeoutKind.None), (call.Expired, stream.Expired));
    }

    [Fact]
    public void Arm_Stream_CutsASilenceBetweenChunks()
    {
        var clock = new FakeTimeProvider();
        var timeouts = new AttemptTimeouts(Options(betweenChunks: 4), clock.TimestampFrequency);
        using AttemptTimer timer = Armed(timeouts, clock, streaming: true);
        timer.OnChunk();

        Pass(clock, TimeSpan.FromSeconds(4));
        Pass(clock, TimeSpan.FromSeconds(1));

        Assert.Equal(TimeoutKind.BetweenChunks, timer.Expired);
    }

    [Fact]
    public void Arm_Call_NeverTimesASilenceBetweenChunks()
    {
        var clock = new FakeTimeProvider();
        var timeouts = new AttemptTimeouts(Options(betweenChunks: 4), clock.TimestampFrequency);
        using AttemptTimer timer = Armed(timeouts, clock, streaming: false);
        timer.OnChunk();

        Pass(clock, TimeSpan.FromSeconds(10));

        Assert.False(timer.Token.IsCancellationRequested);
        Assert.Equal(TimeoutKind.None, timer.Expired);
    }

    [Fact]
    public void Arm_CallerCancels_CancelsTheAttemptWithoutATimeout()
    {
        var clock = new FakeTimeProvider();
        var timeouts = new AttemptTimeouts(Options(attempt: 5), clock.TimestampFrequency);
        using var caller = new CancellationTokenSource();
        using AttemptTimer timer = Armed(timeouts, clock, streaming: false, caller: caller.Token);

        caller.Cancel();

        Assert.True(timer.Token.IsCancellationRequested);
        Assert.Equal(TimeoutKind.None, timer.Expired);
    }

    [Theory]
    [InlineData((int)TimeoutKind.Total, "Route 'r': the request exceeded its total timeout of 00:00:30 (Timeouts.Total) while deployment 'a' was answering.")]
    [InlineData((int)TimeoutKind.Attempt, "Deployment 'a' did not answer within the attempt timeout of 00:00:10 (Timeouts.Attempt).")]
    [InlineData((int)TimeoutKind.FirstChunk, "Deployment 'a' sent no first chunk within 00:00:05 (Timeouts.FirstChunk).")]
    [InlineData((int)TimeoutKind.BetweenChunks, "Deployment 'a' sent nothing for 00:00:02 between chunks (Timeouts.BetweenChunks).")]
    public void Exceeded_EachKind_NamesTheSettingAndTheDeployment(int kind, string message)
    {
        var clock = new FakeTimeProvider();
        using LlmRouterClient router = ResilienceUnits.Builder(clock, price: null, "a").BuildClient(reloadable: false);
        var timeouts = new AttemptTimeouts(Options(total: 30, attempt: 10, firstChunk: 5, betweenChunks: 2), clock.TimestampFrequency);
        var inner = new TaskCanceledException("cancelled by the attempt's timer");

        TimeoutException exception = timeouts.Exceeded((TimeoutKind)kind, "r", router.Model.FindDeployment("a")!, inner);

        Assert.Equal(message, exception.Message);
        Assert.Same(inner, exception.InnerException);
    }

    [Fact]
    public void TotalExceeded_NamesTheRouteAndTheSetting()
    {
        var timeouts = new AttemptTimeouts(Options(total: 45), TimeSpan.TicksPerSecond);

        Assert.Equal("Route 'r': the request exceeded its total timeout of 00:00:45 (Timeouts.Total).", timeouts.TotalExceeded("r"));
    }

    [Fact]
    public void Constructor_OptionsChangedAfterwards_KeepsTheSnapshot()
    {
        var clock = new TimerTrackingFakeTimeProvider();
        TimeoutOptions options = Options(attempt: 10);
        var timeouts = new AttemptTimeouts(options, clock.TimestampFrequency);

        options.Total = TimeSpan.FromSeconds(1);
        options.Attempt = TimeSpan.FromSeconds(1);
        options.FirstChunk = TimeSpan.FromSeconds(1);
        options.BetweenChunks = TimeSpan.FromSeconds(1);

        Assert.NotSame(options, timeouts.Options);
        Assert.Null(timeouts.Options.Total);
        Assert.Equal(TimeSpan.FromSeconds(10), timeouts.Options.Attempt);
        Assert.Null(timeouts.Options.FirstChunk);
        Assert.Null(timeouts.Options.BetweenChunks);
        Assert.Equal(Timestamps.Never, timeouts.RequestDeadline(clock.GetTimestamp()));
        using AttemptTimer timer = Armed(timeouts, clock, streaming: true);
        clock.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(TimeoutKind.None, timer.Expired);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(TimeoutKind.Attempt, timer.Expired);
    }

    [Fact]
    public void Constructor_TimeoutsTurnedOnAfterwards_AttemptsStillNeedNoTimer()
    {
        TimeoutOptions options = Options();
        var timeouts = new AttemptTimeouts(options, TimeSpan.TicksPerSecond);

        options.Total = TimeSpan.FromSeconds(1);
        options.FirstChunk = TimeSpan.FromSeconds(1);

        Assert.False(timeouts.NeedsTimer(streaming: false, cancellable: false));
        Assert.False(timeouts.NeedsTimer(streaming: true, cancellable: false));
    }
}
