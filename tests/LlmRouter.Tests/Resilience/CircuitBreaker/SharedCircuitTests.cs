using LlmRouter.Testing;

namespace LlmRouter.Tests.Resilience.CircuitBreaker;

/// <summary>A circuit breaker linked to shared circuits: what it publishes, when it probes, and what it takes from other processes.</summary>
public class SharedCircuitTests
{
    private static readonly TimeSpan Break = TimeSpan.FromSeconds(5);

    private readonly TimerTrackingFakeTimeProvider _time = new();
    private readonly FakeCircuits _circuits = new();

    private LlmRouter.CircuitBreaker Create() =>
        new(
            new CircuitBreakerOptions { MinimumThroughput = 2, BreakDuration = Break },
            _time.TimestampFrequency,
            new SharedCircuit(_circuits, "a", TimeSpan.FromSeconds(30), Break, _time));

    private long Now => _time.GetTimestamp();

    private LlmRouter.CircuitBreaker Opened()
    {
        LlmRouter.CircuitBreaker breaker = Create();
        breaker.OnFailure(Now, probe: false);
        Assert.True(breaker.OnFailure(Now, probe: false));
        return breaker;
    }

    [Fact]
    public void OnFailure_Opens_PublishesTheBreak()
    {
        Opened();

        Assert.Equal(["opened a 00:00:05"], _circuits.Published);
    }

    [Fact]
    public void TryAcquire_BreakOverWithoutGrant_RefusesAndClaimsOnceInTheBackground()
    {
        LlmRouter.CircuitBreaker breaker = Opened();
        var answer = new TaskCompletionSource<ProbeClaim>();
        _circuits.Answer = () => new ValueTask<ProbeClaim>(answer.Task);
        _time.Advance(Break);

        Assert.False(breaker.TryAcquire(Now, out _));
        Assert.False(breaker.TryAcquire(Now, out _));
        Assert.Equal(1, _circuits.Claims);
        Assert.Equal(TimeSpan.FromSeconds(31), _circuits.LastLease);

        // The claim's continuation may run on another thread: the grant arrives shortly after the answer.
        answer.SetResult(ProbeClaim.Grant);
        bool probe = false;
        Assert.True(SpinWait.SpinUntil(() => breaker.TryAcquire(Now, out probe), TimeSpan.FromSeconds(10)));
        Assert.True(probe);
        Assert.Equal(CircuitState.HalfOpen, breaker.State);
        Assert.False(breaker.TryAcquire(Now, out _));
        Assert.Equal(1, _circuits.Claims);
    }

    [Fact]
    public void OnSuccess_ProbeWithTheGrant_ClosesAndPublishesTheClose()
    {
        LlmRouter.CircuitBreaker breaker = Opened();
        _time.Advance(Break);
        Assert.True(breaker.TryAcquire(Now, out bool probe));

        Assert.True(breaker.OnSuccess(Now, probe));

        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(["opened a 00:00:05", "closed a"], _circuits.Published);
    }

    [Fact]
    public void OnFailure_ProbeWithTheGrant_ReopensAndPublishesTheNewBreak()
    {
        LlmRouter.CircuitBreaker breaker = Opened();
        _time.Advance(Break);
        Assert.True(breaker.TryAcquire(Now, out bool probe));

        Assert.True(breaker.OnFailure(Now, probe));

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(Now + _time.TimestampFrequency * 5, breaker.OpenUntil);
        Assert.Equal(["opened a 00:00:05", "opened a 00:00:05"], _circuits.Published);
    }

    [Fact]
    public void TryAcquire_ClaimRefusedForLongerThanABreak_KeepsOutForOneBreakThenAsksAgain()
    {
        LlmRouter.CircuitBreaker breaker = Opened();
        _circuits.Answer = () => new ValueTask<ProbeClaim>(ProbeClaim.Refuse(TimeSpan.FromMinutes(10)));
        _time.Advance(Break);

        Assert.False(breaker.TryAcquire(Now, out _));

        Assert.Equal(Now + _time.TimestampFrequency * 5, breaker.OpenUntil);
        _time.Advance(Break - TimeSpan.FromTicks(1));
        Assert.False(breaker.TryAcquire(Now, out _));
        Assert.Equal(1, _circuits.Claims);
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.False(breaker.TryAcquire(Now, out _));
        Assert.Equal(2, _circuits.Claims);
    }

    [Fact]
    public async Task Grant_UnusedForASecond_IsGivenBackAndAskedForAgain()
    {
        LlmRouter.CircuitBreaker breaker = Opened();
        var answer = new TaskCompletionSource<ProbeClaim>();
        _circuits.Answer = () => new ValueTask<ProbeClaim>(answer.Task);
        _time.Advance(Break);
        Assert.False(breaker.TryAcquire(Now, out _));
        answer.SetResult(ProbeClaim.Grant);
        await _time.WaitForTimersAsync(1).WaitAsync(TimeSpan.FromSeconds(10));

        // Unused: the call that asked went elsewhere, and none came within the grant's second.
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(["a"], _circuits.Released);
        _circuits.Answer = () => new ValueTask<ProbeClaim>(ProbeClaim.Refuse(TimeSpan.FromSeconds(2)));
        Assert.False(breaker.TryAcquire(Now, out _));
        Assert.Equal(2, _circuits.Claims);
    }

    [Fact]
    public void TryAcquire_ClaimGrantedAtOnce_ProbesAtOnce()
    {
        LlmRouter.CircuitBreaker breaker = Opened();
        _time.Advance(Break);

        Assert.True(breaker.TryAcquire(Now, out bool probe));

        Assert.True(probe);
        Assert.Equal(1, _circuits.Claims);
        Assert.False(breaker.TryAcquire(Now, out _));
    }

    [Fact]
    public void OnIgnored_ProbeCancelled_GivesTheGrantBack()
    {
        LlmRouter.CircuitBreaker breaker = Opened();
        _time.Advance(Break);
        Assert.True(breaker.TryAcquire(Now, out bool probe));

        breaker.OnIgnored(probe);
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(["a"], _circuits.Released);
    }

    [Fact]
    public void TryAcquire_ClaimThrows_ProbesAsWithoutSharedCircuits()
    {
        LlmRouter.CircuitBreaker breaker = Opened();
        _circuits.Answer = () => throw new InvalidOperationException("The shared store broke its contract.");
        _time.Advance(Break);

        Assert.True(breaker.TryAcquire(Now, out bool probe));
        Assert.True(probe);
    }

    [Fact]
    public void OpenFromElsewhere_Closed_OpensUntilTheirBreakEndsWithoutPublishing()
    {
        LlmRouter.CircuitBreaker breaker = Create();

        breaker.OpenFromElsewhere(Now, Now + 100);

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(Now + 100, breaker.OpenUntil);
        Assert.False(breaker.TryAcquire(Now, out _));
        Assert.Empty(_circuits.Published);
        Assert.Equal(0, _circuits.Claims);
    }

    [Fact]
    public void OpenFromElsewhere_ReopenedAfterTheirProbeFailed_TakesTheirNewBreak()
    {
        LlmRouter.CircuitBreaker breaker = Opened();
        _circuits.Answer = () => new ValueTask<ProbeClaim>(ProbeClaim.Refuse(TimeSpan.FromSeconds(3)));
        _time.Advance(Break);
        Assert.False(breaker.TryAcquire(Now, out _));

        _time.Advance(TimeSpan.FromSeconds(1));
        breaker.OpenFromElsewhere(Now, Now + _time.TimestampFrequency * 5);

        Assert.Equal(Now + _time.TimestampFrequency * 5, breaker.OpenUntil);
    }

    [Fact]
    public void CloseFromElsewhere_Open_ClosesWithAFreshWindow_HalfOpenIsLeftToItsProbe()
    {
        LlmRouter.CircuitBreaker open = Opened();
        open.CloseFromElsewhere();
        Assert.Equal(CircuitState.Closed, open.State);
        Assert.Equal((0, 0), open.Sample(Now));

        LlmRouter.CircuitBreaker probing = Opened();
        _time.Advance(Break);
        Assert.True(probing.TryAcquire(Now, out _));
        probing.CloseFromElsewhere();
        probing.OpenFromElsewhere(Now, Now + 100);
        Assert.Equal(CircuitState.HalfOpen, probing.State);
    }

    private sealed class FakeCircuits : ISharedCircuits
    {
        public List<string> Published { get; } = [];

        public List<string> Released { get; } = [];

        public int Claims { get; private set; }

        public TimeSpan LastLease { get; private set; }

        public Func<ValueTask<ProbeClaim>> Answer { get; set; } = () => new ValueTask<ProbeClaim>(ProbeClaim.Grant);

        public void PublishOpened(string deployment, TimeSpan breakDuration) => Published.Add($"opened {deployment} {breakDuration}");

        public void PublishClosed(string deployment) => Published.Add($"closed {deployment}");

        public ValueTask<ProbeClaim> ClaimProbeAsync(string deployment, TimeSpan lease)
        {
            Claims++;
            LastLease = lease;
            return Answer();
        }

        public void ReleaseProbe(string deployment) => Released.Add(deployment);

        public IDisposable Subscribe(Action<string, TimeSpan> opened, Action<string> closed) => throw new NotSupportedException();
    }
}
