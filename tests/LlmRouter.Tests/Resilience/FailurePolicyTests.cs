using System.Net;
using LlmRouter.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace LlmRouter.Tests.Resilience;

public class FailurePolicyTests
{
    private const int Seed = 20_261_130;
    private static readonly TimeSpan Break = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan BaseDelay = TimeSpan.FromMilliseconds(200);

    public static TheoryData<ProviderErrorKind> RetryableKinds =>
    [
        ProviderErrorKind.RateLimited,
        ProviderErrorKind.Overloaded,
        ProviderErrorKind.ServerError,
        ProviderErrorKind.Timeout,
        ProviderErrorKind.Transport,
        ProviderErrorKind.InvalidResponse,
    ];

    [Fact]
    public void Classify_CustomClassifierRecognisesTheException_WinsOverTheBuiltInRules()
    {
        var custom = new ProviderError(ProviderErrorKind.QuotaExceeded, 503);
        using var h = new Harness(classifiers: [new Classifier(e => e is HttpRequestException ? custom : null)]);

        ProviderError error = h.Policy.Classify(new HttpRequestException("busy", null, HttpStatusCode.ServiceUnavailable));

        Assert.Equal(custom, error);
    }

    [Fact]
    public void Classify_SeveralCustomClassifiers_FirstAnswerInTheOrderAddedWins()
    {
        var first = new Classifier(_ => null);
        var second = new Classifier(_ => new ProviderError(ProviderErrorKind.Overloaded, 529));
        var third = new Classifier(_ => new ProviderError(ProviderErrorKind.Authentication, 401));
        using var h = new Harness(classifiers: [first, second, third]);

        ProviderError error = h.Policy.Classify(new InvalidOperationException("sdk failure"));

        Assert.Equal(new ProviderError(ProviderErrorKind.Overloaded, 529), error);
        Assert.Equal((1, 1, 0), (first.Calls, second.Calls, third.Calls));
    }

    [Fact]
    public void Classify_NoCustomClassifierRecognisesTheException_BuiltInRulesClassifyIt()
    {
        var declines = new Classifier(_ => null);
        using var h = new Harness(classifiers: [declines]);

        ProviderError error = h.Policy.Classify(new HttpRequestException("slow down", null, HttpStatusCode.TooManyRequests));

        Assert.Equal(new ProviderError(ProviderErrorKind.RateLimited, 429), error);
        Assert.Equal(1, declines.Calls);
    }

    [Fact]
    public void OnFailure_CountingFailures_ReturnTrueExactlyWhenOneOpensTheCircuit()
    {
        using var h = new Harness();
        var error = new ProviderError(ProviderErrorKind.ServerError, 500);

        bool[] opened = [.. Enumerable.Range(0, 4).Select(_ => h.Policy.OnFailure(h.A, error, probe: false, h.Now))];

        Assert.Equal(new[] { false, false, true, false }, opened);
        Assert.Equal(CircuitState.Open, h.A.State.Breaker!.State);
        Assert.Equal(CircuitState.Closed, h.B.State.Breaker!.State);
        FakeLogRecord log = Assert.Single(h.Logs.GetSnapshot());
        Assert.Equal((6, LogLevel.Warning), (log.Id.Id, log.Level));
        Assert.Equal("Deployment 'a': circuit opened after 3 of 3 sampled calls failed; it is skipped for 00:00:10.", log.Message);
    }

    [Theory]
    [InlineData(ProviderErrorKind.Overloaded)]
    [InlineData(ProviderErrorKind.ServerError)]
    [InlineData(ProviderErrorKind.Timeout)]
    [InlineData(ProviderErrorKind.Transport)]
    [InlineData(ProviderErrorKind.InvalidResponse)]
    [InlineData(ProviderErrorKind.Authentication)]
    [InlineData(ProviderErrorKind.PermissionDenied)]
    [InlineData(ProviderErrorKind.NotFound)]
    [InlineData(ProviderErrorKind.QuotaExceeded)]
    public void OnFailure_KindThatSaysSomethingAboutTheDeployment_CountsAgainstItsBreaker(ProviderErrorKind kind)
    {
        using var h = new Harness(breaker: b => b.MinimumThroughput = 1);

        bool opened = h.Policy.OnFailure(h.A, new ProviderError(kind), probe: false, h.Now);

        Assert.True(opened);
        Assert.Equal(CircuitState.Open, h.A.State.Breaker!.State);
        Assert.Equal((1, 1), h.A.State.Breaker.Sample(h.Now));
    }

    [Theory]
    [InlineData(ProviderErrorKind.RateLimited)]
    [InlineData(ProviderErrorKind.BadRequest)]
    [InlineData(ProviderErrorKind.ContextLengthExceeded)]
    [InlineData(ProviderErrorKind.ContentFiltered)]
    [InlineData(ProviderErrorKind.Cancelled)]
    [InlineData(ProviderErrorKind.Unknown)]
    public void OnFailure_KindThatSaysNothingAboutTheDeployment_IsIgnoredByItsBreaker(ProviderErrorKind kind)
    {
        using var h = new Harness(breaker: b => b.MinimumThroughput = 1);

        bool opened = h.Policy.OnFailure(h.A, new ProviderError(kind), probe: false, h.Now);

        Assert.False(opened);
        Assert.Equal(CircuitState.Closed, h.A.State.Breaker!.State);
        Assert.Equal((0, 0), h.A.State.Breaker.Sample(h.Now));
        Assert.DoesNotContain(h.Logs.GetSnapshot(), r => r.Id.Id == 6);
    }

    [Fact]
    public void OnFailure_ProbeFailsForAReasonThatIsNotTheDeployments_GivesTheProbeTurnBack()
    {
        using var h = new Harness(breaker: b => b.MinimumThroughput = 1);
        LlmRouter.CircuitBreaker breaker = h.A.State.Breaker!;
        h.Policy.OnFailure(h.A, new ProviderError(ProviderErrorKind.ServerError, 500), probe: false, h.Now);
        h.Clock.Advance(Break);
        Assert.True(breaker.TryAcquire(h.Now, out bool probe));
        Assert.True(probe);
        Assert.False(breaker.TryAcquire(h.Now, out _));

        bool opened = h.Policy.OnFailure(h.A, new ProviderError(ProviderErrorKind.BadRequest, 400), probe: true, h.Now);

        Assert.False(opened);
        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.True(breaker.TryAcquire(h.Now, out bool probeAgain));
        Assert.True(probeAgain);
    }

    [Fact]
    public void OnFailure_ProbeFailsForTheDeploymentsOwnReason_ReopensTheCircuitForAnotherBreak()
    {
        using var h = new Harness(breaker: b => b.MinimumThroughput = 1);
        LlmRouter.CircuitBreaker breaker = h.A.State.Breaker!;
        h.Policy.OnFailure(h.A, new ProviderError(ProviderErrorKind.ServerError, 500), probe: false, h.Now);
        h.Clock.Advance(Break);
        Assert.True(breaker.TryAcquire(h.Now, out bool probe));

        bool opened = h.Policy.OnFailure(h.A, new ProviderError(ProviderErrorKind.Timeout), probe, h.Now);

        Assert.True(opened);
        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(h.Later(Break), breaker.OpenUntil);
        Assert.False(breaker.TryAcquire(h.Now, out _));
        Assert.Equal(2, h.Logs.GetSnapshot().Count(r => r.Id.Id == 6));
    }

    [Fact]
    public void OnFailure_BreakersDisabled_NeverOpensButStillCoolsDown()
    {
        using var h = new Harness(breaker: b =>
        {
            b.Enabled = false;
            b.MinimumThroughput = 1;
        });

        bool opened = h.Policy.OnFailure(h.A, new ProviderError(ProviderErrorKind.ServerError, 503, TimeSpan.FromSeconds(2)), probe: false, h.Now);

        Assert.False(opened);
        Assert.Null(h.A.State.Breaker);
        Assert.Equal(h.Later(TimeSpan.FromSeconds(2)), h.A.State.CooldownUntil);
    }

    [Fact]
    public void OnFailure_RetryAfter_CoolsTheDeploymentDownForThatLong()
    {
        using var h = new Harness();

        h.Policy.OnFailure(h.A, new ProviderError(ProviderErrorKind.ServerError, 503, TimeSpan.FromSeconds(7)), probe: false, h.Now);

        Assert.Equal(h.Later(TimeSpan.FromSeconds(7)), h.A.State.CooldownUntil);
        Assert.Equal(0, h.B.State.CooldownUntil);
        FakeLogRecord log = Assert.Single(h.Logs.GetSnapshot());
        Assert.Equal((8, LogLevel.Debug), (log.Id.Id, log.Level));
        Assert.Equal("Deployment 'a': cooling down for 00:00:07 after ServerError.", log.Message);
    }

    [Fact]
    public void OnFailure_RateLimitedWithoutRetryAfter_CoolsDownForTheDefaultDuration()
    {
        using var h = new Harness(cooldown: c => c.DefaultDuration = TimeSpan.FromSeconds(3));

        h.Policy.OnFailure(h.A, new ProviderError(ProviderErrorKind.RateLimited, 429), probe: false, h.Now);

        Assert.Equal(h.Later(TimeSpan.FromSeconds(3)), h.A.State.CooldownUntil);
        Assert.Equal("Deployment 'a': cooling down for 00:00:03 after RateLimited.", Assert.Single(h.Logs.GetSnapshot()).Message);
    }

    [Fact]
    public void OnFailure_RateLimitedWithZeroDefaultDuration_DoesNotCoolDown()
    {
        using var h = new Harness(cooldown: c => c.DefaultDuration = TimeSpan.Zero);

        h.Policy.OnFailure(h.A, new ProviderError(ProviderErrorKind.RateLimited, 429), probe: false, h.Now);

        Assert.Equal(0, h.A.State.CooldownUntil);
        Assert.Empty(h.Logs.GetSnapshot());
    }

    [Fact]
    public void OnFailure_OtherFailureWithoutRetryAfter_DoesNotCoolDown()
    {
        using var h = new Harness();

        h.Policy.OnFailure(h.A, new ProviderError(ProviderErrorKind.Overloaded, 503), probe: false, h.Now);

        Assert.Equal(0, h.A.State.CooldownUntil);
    }

    [Fact]
    public void OnFailure_RetryAfterBeyondMaxDuration_IsCappedAtMaxDuration()
    {
        using var h = new Harness(cooldown: c => c.MaxDuration = TimeSpan.FromMinutes(1));

        h.Policy.OnFailure(h.A, new ProviderError(ProviderErrorKind.RateLimited, 429, TimeSpan.FromMinutes(10)), probe: false, h.Now);

        Assert.Equal(h.Later(TimeSpan.FromMinutes(1)), h.A.State.CooldownUntil);
        Assert.Equal("Deployment 'a': cooling down for 00:01:00 after RateLimited.", Assert.Single(h.Logs.GetSnapshot()).Message);
    }

    [Fact]
    public void OnFailure_DefaultDurationBeyondMaxDuration_IsCappedAtMaxDuration()
    {
        using var h = new Harness(cooldown: c =>
        {
            c.DefaultDuration = TimeSpan.FromSeconds(30);
            c.MaxDuration = TimeSpan.FromSeconds(20);
        });

        h.Policy.OnFailure(h.A, new ProviderError(ProviderErrorKind.RateLimited, 429), probe: false, h.Now);

        Assert.Equal(h.Later(TimeSpan.FromSeconds(20)), h.A.State.CooldownUntil);
    }

    [Fact]
    public void OnFailure_ShorterSecondCooldown_NeverShortensTheFirst()
    {
        using var h = new Harness();
        long until = h.Later(TimeSpan.FromSeconds(30));
        h.Policy.OnFailure(h.A, new ProviderError(ProviderErrorKind.RateLimited, 429, TimeSpan.FromSeconds(30)), probe: false, h.Now);
        h.Clock.Advance(TimeSpan.FromSeconds(5));

        h.Policy.OnFailure(h.A, new ProviderError(ProviderErrorKind.RateLimited, 429, TimeSpan.FromSeconds(10)), probe: false, h.Now);

        Assert.Equal(until, h.A.State.CooldownUntil);
        Assert.Single(h.Logs.GetSnapshot(), r => r.Id.Id == 8);

        // A longer one extends it.
        h.Policy.OnFailure(h.A, new ProviderError(ProviderErrorKind.RateLimited, 429, TimeSpan.FromSeconds(40)), probe: false, h.Now);

        Assert.Equal(h.Later(TimeSpan.FromSeconds(40)), h.A.State.CooldownUntil);
        Assert.Equal(2, h.Logs.GetSnapshot().Count(r => r.Id.Id == 8));
    }

    [Fact]
    public void OnSuccess_Probe_ClosesTheCircuitAndLogsIt()
    {
        using var h = new Harness(breaker: b => b.MinimumThroughput = 1);
        LlmRouter.CircuitBreaker breaker = h.A.State.Breaker!;
        h.Policy.OnFailure(h.A, new ProviderError(ProviderErrorKind.ServerError, 500), probe: false, h.Now);
        h.Clock.Advance(Break);
        Assert.True(breaker.TryAcquire(h.Now, out bool probe));

        h.Policy.OnSuccess(h.A, probe, h.Now);

        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal((0, 0), breaker.Sample(h.Now));
        FakeLogRecord log = Assert.Single(h.Logs.GetSnapshot(), r => r.Id.Id == 7);
        Assert.Equal((LogLevel.Information, "Deployment 'a': circuit closed after a successful probe."), (log.Level, log.Message));
    }

    [Fact]
    public void OnSuccess_NotAProbe_CountsASuccessWithoutLogging()
    {
        using var h = new Harness();

        h.Policy.OnSuccess(h.A, probe: false, h.Now);

        Assert.Equal((1, 0), h.A.State.Breaker!.Sample(h.Now));
        Assert.Empty(h.Logs.GetSnapshot());
    }

    [Fact]
    public void OnIgnored_Probe_GivesTheProbeTurnBack()
    {
        using var h = new Harness(breaker: b => b.MinimumThroughput = 1);
        LlmRouter.CircuitBreaker breaker = h.A.State.Breaker!;
        h.Policy.OnFailure(h.A, new ProviderError(ProviderErrorKind.ServerError, 500), probe: false, h.Now);
        h.Clock.Advance(Break);
        Assert.True(breaker.TryAcquire(h.Now, out bool probe));

        FailurePolicy.OnIgnored(h.A, probe);

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.True(breaker.TryAcquire(h.Now, out bool probeAgain));
        Assert.True(probeAgain);
    }

    [Fact]
    public void OnIgnored_ForcedProbeEndsAfterAnotherForcedProbeClosedTheCircuit_LeavesTheCircuitClosed()
    {
        using var h = new Harness(breaker: b => b.MinimumThroughput = 1);
        h.Policy.OnFailure(h.A, new ProviderError(ProviderErrorKind.ServerError, 500), probe: false, h.Now);

        // Every candidate's circuit is open and the router tries the earliest opened anyway: two requests force it at once.
        Assert.True(DeploymentLease.TryForce(h.A, out DeploymentLease first));
        Assert.True(DeploymentLease.TryForce(h.A, out DeploymentLease second));
        h.Policy.OnSuccess(h.A, first.Probe, h.Now);
        first.Release();

        // The second request's caller cancels: that says nothing about the deployment.
        FailurePolicy.OnIgnored(h.A, second.Probe);
        second.Release();

        Assert.Equal(CircuitState.Closed, h.A.State.Breaker!.State);
        Assert.True(h.A.State.Breaker.TryAcquire(h.Now, out bool probe));
        Assert.False(probe);
    }

    [Fact]
    public void Decide_BadRequest_StopsWithoutTryingAnotherDeployment()
    {
        using var h = new Harness();

        Assert.Equal((FailureAction.StopBadRequest, TimeSpan.Zero), h.Decide(new ProviderError(ProviderErrorKind.BadRequest, 400)));
        Assert.Empty(h.Logs.GetSnapshot());
    }

    [Theory]
    [InlineData(false, (int)FailureAction.StopContentFiltered)]
    [InlineData(true, (int)FailureAction.MoveOn)]
    public void Decide_ContentFiltered_StopsUnlessTheRouteFallsBackOnIt(bool fallbackOnContentFilter, int expectedAction)
    {
        var expected = (FailureAction)expectedAction;
        using var h = new Harness();

        (FailureAction action, TimeSpan wait) = h.Decide(new ProviderError(ProviderErrorKind.ContentFiltered, 400), fallbackOnContentFilter: fallbackOnContentFilter);

        Assert.Equal((expected, TimeSpan.Zero), (action, wait));
    }

    [Fact]
    public void Decide_ContextLengthExceeded_MovesOnToALargerContext()
    {
        using var h = new Harness();

        Assert.Equal((FailureAction.MoveOnToLargerContext, TimeSpan.Zero), h.Decide(new ProviderError(ProviderErrorKind.ContextLengthExceeded, 413)));
    }

    [Theory]
    [InlineData(ProviderErrorKind.Authentication, 401)]
    [InlineData(ProviderErrorKind.PermissionDenied, 403)]
    [InlineData(ProviderErrorKind.NotFound, 404)]
    [InlineData(ProviderErrorKind.QuotaExceeded, 402)]
    public void Decide_Misconfiguration_MovesOnAndWarnsOncePerDeployment(ProviderErrorKind kind, int status)
    {
        using var h = new Harness();
        var error = new ProviderError(kind, status);

        (FailureAction, TimeSpan)[] actions = [h.Decide(error), h.Decide(error), h.Decide(error, deployment: h.B)];

        Assert.All(actions, a => Assert.Equal((FailureAction.MoveOn, TimeSpan.Zero), a));
        FakeLogRecord[] warnings = [.. h.Logs.GetSnapshot()];
        Assert.Equal(2, warnings.Length);
        Assert.All(warnings, w => Assert.Equal((3, LogLevel.Warning), (w.Id.Id, w.Level)));
        Assert.Equal(
            $"Deployment 'a' (provider 'acme') looks misconfigured: {kind}, status {status}. Check its credentials, permissions, model id and quota. Logged once per deployment.",
            warnings[0].Message);
        Assert.StartsWith("Deployment 'b' (provider 'acme')", warnings[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_Unknown_MovesOnWithoutRetrying()
    {
        using var h = new Harness();

        Assert.Equal((FailureAction.MoveOn, TimeSpan.Zero), h.Decide(new ProviderError(ProviderErrorKind.Unknown)));
        Assert.Empty(h.Logs.GetSnapshot());
    }

    [Theory]
    [MemberData(nameof(RetryableKinds))]
    public void Decide_RetryableKind_RetriesAfterTheExponentialBackoff(ProviderErrorKind kind)
    {
        using var h = new Harness();
        var error = new ProviderError(kind);

        Assert.Equal((FailureAction.RetryAfterOthers, BaseDelay), h.Decide(error, @try: 1));
        Assert.Equal((FailureAction.RetryAfterOthers, BaseDelay * 2), h.Decide(error, @try: 2));

        FakeLogRecord[] logs = [.. h.Logs.GetSnapshot()];
        Assert.All(logs, r => Assert.Equal((9, LogLevel.Debug), (r.Id.Id, r.Level)));
        Assert.Equal(
            new[] { $"Deployment 'a': attempt 2 may follow after 00:00:00.2000000 ({kind}).", $"Deployment 'a': attempt 3 may follow after 00:00:00.4000000 ({kind})." },
            logs.Select(r => r.Message));
    }

    [Fact]
    public void Decide_RetryAfterGiven_WaitsThatLongInsteadOfTheBackoff()
    {
        using var h = new Harness();

        Assert.Equal(
            (FailureAction.RetryAfterOthers, TimeSpan.FromSeconds(3)),
            h.Decide(new ProviderError(ProviderErrorKind.RateLimited, 429, TimeSpan.FromSeconds(3)), @try: 2));
    }

    [Fact]
    public void Decide_Jitter_SpreadsEachBackoffWithTheSeededRandomSource()
    {
        var random = new Random(Seed);
        using var h = new Harness(retry: r => r.UseJitter = true, random: random.NextDouble);
        var draws = new Random(Seed);
        TimeSpan first = Jittered(BaseDelay, draws.NextDouble());
        TimeSpan second = Jittered(BaseDelay * 2, draws.NextDouble());

        (FailureAction, TimeSpan) one = h.Decide(new ProviderError(ProviderErrorKind.ServerError, 500), @try: 1);
        (FailureAction, TimeSpan) two = h.Decide(new ProviderError(ProviderErrorKind.ServerError, 500), @try: 2);

        Assert.Equal((FailureAction.RetryAfterOthers, first), one);
        Assert.Equal((FailureAction.RetryAfterOthers, second), two);
        Assert.NotEqual(BaseDelay, first);
        Assert.InRange(first, BaseDelay * 0.75, BaseDelay * 1.25);
        Assert.InRange(second, BaseDelay * 1.5, BaseDelay * 2.5);

        static TimeSpan Jittered(TimeSpan delay, double draw) => TimeSpan.FromTicks((long)(delay.Ticks * (1 + (((draw * 2) - 1) * 0.25))));
    }

    [Theory]
    [InlineData(3, 2, true)]
    [InlineData(3, 3, false)]
    [InlineData(3, 4, false)]
    [InlineData(1, 1, false)]
    public void Decide_TryReachesMaxAttempts_MovesOn(int maxAttempts, int @try, bool retries)
    {
        FailureAction expected = retries ? FailureAction.RetryAfterOthers : FailureAction.MoveOn;
        using var h = new Harness(retry: r => r.MaxAttempts = maxAttempts);

        (FailureAction action, _) = h.Decide(new ProviderError(ProviderErrorKind.ServerError, 500), @try: @try);

        Assert.Equal(expected, action);
    }

    [Fact]
    public void Decide_FailureOpenedTheCircuit_MovesOnWithoutWaiting()
    {
        using var h = new Harness();

        Assert.Equal((FailureAction.MoveOn, TimeSpan.Zero), h.Decide(new ProviderError(ProviderErrorKind.ServerError, 500), opened: true));
        Assert.Empty(h.Logs.GetSnapshot());
    }

    [Fact]
    public void Decide_CallerCannotRetry_MovesOnWithoutWaiting()
    {
        using var h = new Harness();

        Assert.Equal((FailureAction.MoveOn, TimeSpan.Zero), h.Decide(new ProviderError(ProviderErrorKind.Overloaded, 503), mayRetry: false));
        Assert.Empty(h.Logs.GetSnapshot());
    }

    [Fact]
    public void Decide_RetryAfterBeyondMaxRetryAfter_MovesOnWithoutWaiting()
    {
        using var h = new Harness(retry: r => r.MaxRetryAfter = TimeSpan.FromSeconds(10));

        (FailureAction, TimeSpan) beyond = h.Decide(new ProviderError(ProviderErrorKind.RateLimited, 429, TimeSpan.FromSeconds(10) + TimeSpan.FromTicks(1)));
        (FailureAction, TimeSpan) atTheLimit = h.Decide(new ProviderError(ProviderErrorKind.RateLimited, 429, TimeSpan.FromSeconds(10)));

        Assert.Equal((FailureAction.MoveOn, TimeSpan.Zero), beyond);
        Assert.Equal((FailureAction.RetryAfterOthers, TimeSpan.FromSeconds(10)), atTheLimit);
    }

    [Fact]
    public void Decide_BackoffBeyondMaxRetryAfter_MovesOnWithoutWaiting()
    {
        using var h = new Harness(retry: r =>
        {
            r.BaseDelay = TimeSpan.FromSeconds(2);
            r.MaxRetryAfter = TimeSpan.FromSeconds(1);
        });

        Assert.Equal((FailureAction.MoveOn, TimeSpan.Zero), h.Decide(new ProviderError(ProviderErrorKind.ServerError, 500)));
    }

    [Fact]
    public void Decide_WaitWouldReachTheDeadline_MovesOnWithoutWaiting()
    {
        using var h = new Harness();
        var error = new ProviderError(ProviderErrorKind.RateLimited, 429, TimeSpan.FromSeconds(1));

        (FailureAction, TimeSpan) atTheDeadline = h.Decide(error, deadline: h.Later(TimeSpan.FromSeconds(1)));
        (FailureAction, TimeSpan) justBefore = h.Decide(error, deadline: h.Later(TimeSpan.FromSeconds(1)) + 1);

        Assert.Equal((FailureAction.MoveOn, TimeSpan.Zero), atTheDeadline);
        Assert.Equal((FailureAction.RetryAfterOthers, TimeSpan.FromSeconds(1)), justBefore);
    }

    [Fact]
    public void Constructor_OptionsChangedAfterwards_TheSnapshotsAreUsed()
    {
        using var h = new Harness(breaker: b => b.MinimumThroughput = 1);
        h.Retry.MaxAttempts = 1;
        h.Retry.BaseDelay = TimeSpan.FromSeconds(5);
        h.Cooldown.DefaultDuration = TimeSpan.Zero;
        h.Breaker.BreakDuration = TimeSpan.FromMinutes(5);

        (FailureAction, TimeSpan) decision = h.Decide(new ProviderError(ProviderErrorKind.ServerError, 500));
        h.Policy.OnFailure(h.A, new ProviderError(ProviderErrorKind.RateLimited, 429), probe: false, h.Now);
        h.Policy.OnFailure(h.B, new ProviderError(ProviderErrorKind.ServerError, 500), probe: false, h.Now);

        Assert.Equal((FailureAction.RetryAfterOthers, BaseDelay), decision);
        Assert.Equal(h.Later(TimeSpan.FromSeconds(5)), h.A.State.CooldownUntil);
        Assert.Contains(h.Logs.GetSnapshot(), r => r.Message == "Deployment 'b': circuit opened after 1 of 1 sampled calls failed; it is skipped for 00:00:10.");
        Assert.NotSame(h.Retry, h.Policy.Retry);
        Assert.Equal(3, h.Policy.Retry.MaxAttempts);
    }

    [Fact]
    public void Decide_SameDeploymentFirst_RetriesBeforeOtherCandidates()
    {
        using var h = new Harness(retry: r => r.Order = RetryOrder.SameDeploymentFirst);

        Assert.Equal((FailureAction.Retry, BaseDelay), h.Decide(new ProviderError(ProviderErrorKind.Overloaded, 503)));
    }

    [Theory]
    [InlineData(RetryOrder.FailoverFirst)]
    [InlineData(RetryOrder.SameDeploymentFirst)]
    public void Decide_CooldownOutlastsTheBackoff_RetryWaitsForTheCooldownAfterOtherCandidates(RetryOrder order)
    {
        // A 429 without Retry-After cools the deployment down for the default 5 s: a retry after the 200 ms backoff could not happen.
        using var h = new Harness(retry: r => r.Order = order);
        var error = new ProviderError(ProviderErrorKind.RateLimited, 429);
        h.Policy.OnFailure(h.A, error, probe: false, h.Now);

        Assert.Equal((FailureAction.RetryAfterOthers, TimeSpan.FromSeconds(5)), h.Decide(error));
    }

    [Fact]
    public void Decide_CooldownBeyondMaxRetryAfter_IsNotRetried()
    {
        using var h = new Harness(retry: r => r.MaxRetryAfter = TimeSpan.FromSeconds(2));
        var error = new ProviderError(ProviderErrorKind.RateLimited, 429);
        h.Policy.OnFailure(h.A, error, probe: false, h.Now);

        Assert.Equal((FailureAction.MoveOn, TimeSpan.Zero), h.Decide(error));
    }

    /// <summary>A policy built from options the test can change afterwards, over a router's deployments 'a' and 'b' (provider 'acme').</summary>
    private sealed class Harness : IDisposable
    {
        private readonly LlmRouterClient _router;

        public Harness(
            Action<RetryOptions>? retry = null,
            Action<CircuitBreakerOptions>? breaker = null,
            Action<CooldownOptions>? cooldown = null,
            IProviderErrorClassifier[]? classifiers = null,
            Func<double>? random = null)
        {
            Retry = new RetryOptions
            {
                MaxAttempts = 3,
                BaseDelay = BaseDelay,
                MaxDelay = TimeSpan.FromSeconds(10),
                MaxRetryAfter = TimeSpan.FromSeconds(10),
                UseJitter = false,
            };
            retry?.Invoke(Retry);
            Breaker = new CircuitBreakerOptions();
            ConfigureBreaker(Breaker, breaker);
            Cooldown = new CooldownOptions { DefaultDuration = TimeSpan.FromSeconds(5), MaxDuration = TimeSpan.FromMinutes(1) };
            cooldown?.Invoke(Cooldown);

            // The deployments' breakers come from the builder's options, the policy's log figures from its own: the same here.
            _router = new LlmRouterBuilder()
                .UseTimeProvider(Clock)
                .ConfigureCircuitBreaker(b => ConfigureBreaker(b, breaker))
                .AddDeployment("a", new ScriptedChatClient("acme"), d => d.Model = "model-a")
                .AddDeployment("b", new ScriptedChatClient("acme"), d => d.Model = "model-b")
                .BuildClient(reloadable: false);
            A = _router.Model.FindDeployment("a")!;
            B = _router.Model.FindDeployment("b")!;
            Policy = new FailurePolicy(
                Retry,
                Breaker,
                Cooldown,
                classifiers ?? [],
                new FakeLogger(Logs),
                random ?? (() => throw new InvalidOperationException("No randomness was expected.")),
                Clock.TimestampFrequency);
        }

        public FakeTimeProvider Clock { get; } = new(ResilienceUnits.Start);

        public FakeLogCollector Logs { get; } = new();

        public RetryOptions Retry { get; }

        public CircuitBreakerOptions Breaker { get; }

        public CooldownOptions Cooldown { get; }

        public FailurePolicy Policy { get; }

        public Deployment A { get; }

        public Deployment B { get; }

        public long Now => Clock.GetTimestamp();

        /// <summary>The timestamp <paramref name="duration"/> from now.</summary>
        public long Later(TimeSpan duration) => Now + (duration.Ticks * Clock.TimestampFrequency / TimeSpan.TicksPerSecond);

        public (FailureAction Action, TimeSpan Wait) Decide(
            ProviderError error, int @try = 1, bool opened = false, bool mayRetry = true, bool fallbackOnContentFilter = false, long deadline = Timestamps.Never, Deployment? deployment = null)
        {
            FailureAction action = Policy.Decide(deployment ?? A, error, fallbackOnContentFilter, @try, opened, mayRetry, Now, deadline, out TimeSpan wait);
            return (action, wait);
        }

        public void Dispose() => _router.Dispose();

        private static void ConfigureBreaker(CircuitBreakerOptions options, Action<CircuitBreakerOptions>? configure)
        {
            options.FailureRatio = 0.5;
            options.MinimumThroughput = 3;
            options.SamplingDuration = TimeSpan.FromSeconds(30);
            options.BreakDuration = Break;
            configure?.Invoke(options);
        }
    }

    private sealed class Classifier(Func<Exception, ProviderError?> classify) : IProviderErrorClassifier
    {
        public int Calls { get; private set; }

        public ProviderError? Classify(Exception exception)
        {
            Calls++;
            return classify(exception);
        }
    }
}
