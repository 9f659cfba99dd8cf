using System.Net;
using LlmRouter.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace LlmRouter.Tests.Routing.Attempts;

/// <summary>
/// The attempt engine driven directly, step by step, as the response and stream loops drive it: admission, start and the
/// failure sequence, over a real routing model and a manual clock.
/// </summary>
public sealed class AttemptEngineTests : IDisposable
{
    private static readonly string NotTried = Environment.NewLine + "  Not tried: ";

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly FakeLogger _logger = new();
    private RouterTelemetry? _telemetry;
    private AttemptEngine? _engine;
    private RouterModel _model = null!;

    private long Now => _clock.GetTimestamp();

    public void Dispose()
    {
        _engine?.Dispose();
        _telemetry?.Dispose();
    }

    private LlmRouterBuilder Builder() => new LlmRouterBuilder().UseTimeProvider(_clock).WithoutTimeouts();

    /// <summary>Builds the model and an engine over it, the way the router wires them.</summary>
    private AttemptEngine Engine(LlmRouterBuilder builder)
    {
        _model = builder.Model();
        var host = new RouterModelHost(_model, reloadable: false, _logger);
        _telemetry = new RouterTelemetry(new TelemetryOptions(), _clock, _logger, () => host.Current.Deployments);
        _engine = new AttemptEngine(host, _telemetry, _clock, _logger);
        return _engine;
    }

    private RouterRequest Begin(AttemptEngine engine, string route = "main", ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        engine.Begin(_model, _model.ResolveRoute(route), RouterCalls.Hello, options, Now, streaming: false, cancellationToken);

    private static Exception Failure(HttpStatusCode status) => ScriptedOutcome.Failure(status).Exception!;

    private Attempt StartFirst(AttemptEngine engine, RouterRequest request, CancellationToken cancellationToken = default)
    {
        Assert.True(engine.TryAdmitNow(request, Now, out Admission admission));
        Attempt attempt = default;
        engine.Start(request, admission, streaming: false, cancellationToken, Now, ref attempt);
        return attempt;
    }

    private int FallbackLogs() => _logger.Collector.GetSnapshot().Count(r => r.Id.Id == 1);

    [Fact]
    public void TryAdmitNow_FreeSlotNoBudgets_AdmitsSynchronously()
    {
        AttemptEngine engine = Engine(Builder().AddUnits("a", "b").AddRoute("main", r => r.Deployments = ["a", "b"]));
        RouterRequest request = Begin(engine);

        bool admitted = engine.TryAdmitNow(request, Now, out Admission admission);

        Assert.True(admitted);
        Assert.Equal(("a", "main", true, false), (admission.Candidate.Deployment.Name, admission.Candidate.Route.Name, admission.Candidate.Lease.IsHeld, admission.Candidate.NeedsSlot));
        Assert.Null(admission.Charges);
        Assert.Null(request.Selected.Deployment);
        Assert.Equal((1, 0), (_model.Deployment("a").InFlight, _model.Deployment("b").InFlight));
        admission.Candidate.Lease.Release();
        engine.End(request);
    }

    [Fact]
    public async Task TryAdmitNow_Budgeted_LeavesAdmissionToAdmitAsyncWhichReserves()
    {
        AttemptEngine engine = Engine(Builder()
            .AddUnit("a", d => d.Price = new ModelPrice(1m, 2m))
            .AddRoute("main", r => r.Deployments = ["a"])
            .AddBudget("daily", b => b.LimitUsd = 10m));
        RouterRequest request = Begin(engine);

        bool admittedNow = engine.TryAdmitNow(request, Now, out Admission none);
        int inFlightBefore = _model.Deployment("a").InFlight;
        Admission admission = await engine.AdmitAsync(request, race: false, CancellationToken.None);

        Assert.False(admittedNow);
        Assert.False(none.Admitted);
        Assert.Null(request.Selected.Deployment);
        Assert.Equal(0, inFlightBefore);
        Assert.Equal("a", admission.Candidate.Deployment.Name);
        Assert.NotNull(admission.Charges);
        Assert.Equal(1, admission.Charges.Count);
        admission.Candidate.Lease.Release();
    }

    [Fact]
    public void TryAdmitNow_SaturatedCandidateThatQueues_KeptInSelectedAndNothingTaken()
    {
        AttemptEngine engine = Engine(Builder()
            .AddUnit("a", d => { d.MaxConcurrentRequests = 1; d.QueueTimeout = TimeSpan.FromSeconds(5); })
            .AddUnit("b")
            .AddRoute("main", r => r.Deployments = ["a", "b"]));
        Deployment a = _model.Deployment("a");
        Assert.True(a.State.Gate.TryEnter());
        RouterRequest request = Begin(engine);

        bool admitted = engine.TryAdmitNow(request, Now, out Admission admission);

        Assert.False(admitted);
        Assert.False(admission.Admitted);
        Assert.Equal((a, true, false), (request.Selected.Deployment, request.Selected.NeedsSlot, request.Selected.Lease.IsHeld));
        Assert.Equal((1, 0), (a.InFlight, _model.Deployment("b").InFlight));
    }

    [Fact]
    public async Task AdmitAsync_NoCandidateCanBeCalledInTime_ThrowsListingTheSkippedCandidatesAndWhenTheSoonestComesBack()
    {
        AttemptEngine engine = Engine(Builder()
            .ConfigureRetry(r => r.MaxRetryAfter = TimeSpan.FromSeconds(2))
            .AddUnit("a")
            .AddUnit("b", d => d.MaxConcurrentRequests = 1)
            .AddRoute("main", r => r.Deployments = ["a", "b"]));
        _model.Deployment("a").State.ExtendCooldown(Now + _clock.Ticks(TimeSpan.FromSeconds(5)));
        Assert.True(_model.Deployment("b").State.Gate.TryEnter());
        RouterRequest request = Begin(engine);

        bool admitted = engine.TryAdmitNow(request, Now, out _);
        LlmRouterException exception = await Assert.ThrowsAsync<LlmRouterException>(() => engine.AdmitAsync(request, race: false, CancellationToken.None).AsTask());

        Assert.False(admitted);
        Assert.Equal(
            "Route 'main': no deployment could be tried." + NotTried + "a (cooling down after a rate limit for another 5 s); b (all 1 concurrent slots busy)." +
            Environment.NewLine + "  The soonest to come back, 'a', could be called in 5 s: later than Retry.MaxRetryAfter (2 s) allows.",
            exception.Message);
        Assert.Equal("main", exception.Route);
        Assert.Empty(exception.Attempts);
    }

    [Fact]
    public async Task AdmitAsync_EveryCandidateCoolingDown_WaitsForTheSoonestWithoutBlockingAndAdmitsIt()
    {
        AttemptEngine engine = Engine(Builder().AddUnits("a", "b").AddRoute("main", r => r.Deployments = ["a", "b"]));
        _model.Deployment("a").State.ExtendCooldown(Now + _clock.Ticks(TimeSpan.FromSeconds(3)));
        _model.Deployment("b").State.ExtendCooldown(Now + _clock.Ticks(TimeSpan.FromSeconds(1)));
        RouterRequest request = Begin(engine);

        Assert.False(engine.TryAdmitNow(request, Now, out _));
        ValueTask<Admission> admitting = engine.AdmitAsync(request, race: false, CancellationToken.None);
        bool waiting = !admitting.IsCompleted;
        _clock.Advance(TimeSpan.FromMilliseconds(999));
        bool stillWaiting = !admitting.IsCompleted;
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Admission admission = await admitting;

        Assert.Equal((true, true, "b", 1), (waiting, stillWaiting, admission.Candidate.Deployment.Name, admission.Candidate.Try));
        admission.Candidate.Lease.Release();
    }

    [Fact]
    public async Task AdmitAsync_CallerCancelsWhileWaitingForACooldown_ThrowsOperationCanceled()
    {
        AttemptEngine engine = Engine(Builder().AddUnits("a").AddRoute("main", r => r.Deployments = ["a"]));
        _model.Deployment("a").State.ExtendCooldown(Now + _clock.Ticks(TimeSpan.FromSeconds(3)));
        RouterRequest request = Begin(engine);
        using var cancellation = new CancellationTokenSource();

        ValueTask<Admission> admitting = engine.AdmitAsync(request, race: false, cancellation.Token);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => admitting.AsTask());
    }

    [Fact]
    public async Task AdmitAsync_EveryCandidateFilteredOut_SaysNoDeploymentCanServeTheRequestWithoutWaiting()
    {
        AttemptEngine engine = Engine(Builder().AddUnits("a").AddRoute("main", r => r.Deployments = ["a"]));
        RouterRequest request = Begin(engine, options: RoutingUnits.With((LlmRouterRequestProperties.RequiredTags, "eu")));

        bool admitted = engine.TryAdmitNow(request, Now, out _);
        LlmRouterException exception = await Assert.ThrowsAsync<LlmRouterException>(() => engine.AdmitAsync(request, race: false, CancellationToken.None).AsTask());

        Assert.False(admitted);
        Assert.Equal("Route 'main': no deployment can serve this request." + NotTried + "a (lacks tag 'eu', which the request requires).", exception.Message);
    }

    [Fact]
    public async Task AdmitAsync_QueuedSlotFreed_WaitsThenCompletesAdmission()
    {
        AttemptEngine engine = Engine(Builder()
            .AddUnit("a", d => { d.MaxConcurrentRequests = 1; d.QueueTimeout = TimeSpan.FromSeconds(5); })
            .AddUnit("b")
            .AddRoute("main", r => r.Deployments = ["a", "b"]));
        Deployment a = _model.Deployment("a");
        Assert.Equal(LeaseRefusal.None, DeploymentLease.TryTake(a, Now, out DeploymentLease blocker));
        RouterRequest request = Begin(engine);
        Assert.False(engine.TryAdmitNow(request, Now, out _));

        ValueTask<Admission> pending = engine.AdmitAsync(request, race: false, CancellationToken.None);
        bool waited = !pending.IsCompleted;
        blocker.Release();
        Admission admission = await pending;

        Assert.True(waited);
        Assert.Equal((a, false, true, 1), (admission.Candidate.Deployment, admission.Candidate.NeedsSlot, admission.Candidate.Lease.IsHeld, a.InFlight));
        Assert.Null(request.Selected.Deployment);
        Assert.Equal(0, _model.Deployment("b").InFlight);
        admission.Candidate.Lease.Release();
        Assert.Equal(0, a.InFlight);
    }

    [Fact]
    public async Task AdmitAsync_QueueTimeoutPasses_NotesTheWaitAndAdmitsTheNextCandidate()
    {
        AttemptEngine engine = Engine(Builder()
            .AddUnit("a", d => { d.MaxConcurrentRequests = 1; d.QueueTimeout = TimeSpan.FromSeconds(5); })
            .AddUnit("b")
            .AddRoute("main", r => r.Deployments = ["a", "b"]));
        Assert.True(_model.Deployment("a").State.Gate.TryEnter());
        RouterRequest request = Begin(engine);
        Assert.False(engine.TryAdmitNow(request, Now, out _));

        ValueTask<Admission> pending = engine.AdmitAsync(request, race: false, CancellationToken.None);
        bool waited = !pending.IsCompleted;
        _clock.Advance(TimeSpan.FromSeconds(5));
        Admission admission = await pending;

        Assert.True(waited);
        Assert.Equal("b", admission.Candidate.Deployment.Name);
        Assert.Equal(1, _model.Deployment("a").InFlight);
        Assert.Equal(NotTried + "a (all 1 concurrent slots stayed busy for the 5 s queue timeout).", request.Cursor.SkippedSummary());
        admission.Candidate.Lease.Release();
    }

    [Fact]
    public async Task AdmitAsync_NoCandidateLeft_DefaultInARaceAndTheFinalErrorOtherwise()
    {
        AttemptEngine engine = Engine(Builder().ConfigureRetry(r => r.MaxRetryAfter = TimeSpan.FromSeconds(1)).AddUnits("a").AddRoute("main", r => r.Deployments = ["a"]));
        _model.Deployment("a").State.ExtendCooldown(Now + _clock.Ticks(TimeSpan.FromSeconds(5)));
        RouterRequest racing = Begin(engine);
        RouterRequest alone = Begin(engine);

        Admission raced = await engine.AdmitAsync(racing, race: true, CancellationToken.None);
        LlmRouterException exception = await Assert.ThrowsAsync<LlmRouterException>(async () => await engine.AdmitAsync(alone, race: false, CancellationToken.None));

        Assert.False(raced.Admitted);
        Assert.Equal(
            "Route 'main': no deployment could be tried." + NotTried + "a (cooling down after a rate limit for another 5 s)." +
            Environment.NewLine + "  The soonest to come back, 'a', could be called in 5 s: later than Retry.MaxRetryAfter (1 s) allows.",
            exception.Message);
    }

    [Fact]
    public async Task AdmitAsync_RaceMeetsABusyDeploymentThatQueues_PassesOverItWithoutWaiting()
    {
        AttemptEngine engine = Engine(Builder()
            .AddUnit("a", d => { d.MaxConcurrentRequests = 1; d.QueueTimeout = TimeSpan.FromSeconds(5); })
            .AddUnit("b")
            .AddRoute("main", r => r.Deployments = ["a", "b"]));
        Assert.True(_model.Deployment("a").State.Gate.TryEnter());
        RouterRequest request = Begin(engine);

        ValueTask<Admission> pending = engine.AdmitAsync(request, race: true, CancellationToken.None);

        Assert.True(pending.IsCompletedSuccessfully);
        Admission admission = await pending;
        Assert.Equal("b", admission.Candidate.Deployment.Name);
        Assert.Equal(NotTried + "a (all 1 concurrent slots busy).", request.Cursor.SkippedSummary());
        admission.Candidate.Lease.Release();
    }

    [Fact]
    public async Task Start_SameDeploymentFirst_RetryThenFallback_CountsEveryAttemptAndLogsOnlyTheFallback()
    {
        AttemptEngine engine = Engine(Builder().WithExactBackoff(TimeSpan.Zero, maxAttempts: 2).ConfigureRetry(r => r.Order = RetryOrder.SameDeploymentFirst)
            .AddUnits("a", "b").AddRoute("main", r => r.Deployments = ["a", "b"]));
        RouterRequest request = Begin(engine);

        Attempt first = StartFirst(engine, request);
        int logsAfterFirst = FallbackLogs();
        FailureAction afterFirst = engine.Fail(request, ref first, Failure(HttpStatusCode.ServiceUnavailable), CancellationToken.None, Now, mayRetry: true, out _);
        Admission again = await engine.AdmitAsync(request, race: false, CancellationToken.None);
        Attempt retry = default;
        engine.Start(request, again, streaming: false, CancellationToken.None, Now, ref retry);
        int logsAfterRetry = FallbackLogs();
        FailureAction afterRetry = engine.Fail(request, ref retry, Failure(HttpStatusCode.ServiceUnavailable), CancellationToken.None, Now, mayRetry: true, out _);
        Admission next = await engine.AdmitAsync(request, race: false, CancellationToken.None);
        Attempt fallback = default;
        engine.Start(request, next, streaming: false, CancellationToken.None, Now, ref fallback);

        Assert.Equal((0, FailureAction.Retry, 0, FailureAction.MoveOn), (logsAfterFirst, afterFirst, logsAfterRetry, afterRetry));
        Assert.Equal(("a", 1, "a", 2, "b", 1), (first.Deployment.Name, first.Try, retry.Deployment.Name, retry.Try, fallback.Deployment.Name, fallback.Try));
        Assert.Equal(3, request.Attempts);
        FakeLogRecord log = Assert.Single(_logger.Collector.GetSnapshot(), r => r.Id.Id == 1);
        Assert.Equal("Route 'main': deployment 'a' failed (Overloaded); falling back to deployment 'b' of route 'main'.", log.Message);
        fallback.Lease.Release();
    }

    [Fact]
    public void Start_AttemptTimeoutSet_ArmsATimerThatTheFailureGivesBack()
    {
        AttemptEngine engine = Engine(new LlmRouterBuilder().UseTimeProvider(_clock).ConfigureTimeouts(t => t.Attempt = TimeSpan.FromSeconds(30))
            .AddUnits("a").AddRoute("main", r => r.Deployments = ["a"]));
        RouterRequest request = Begin(engine);

        Attempt attempt = StartFirst(engine, request);
        bool armed = attempt.Timer is not null;
        engine.Fail(request, ref attempt, Failure(HttpStatusCode.InternalServerError), CancellationToken.None, Now, mayRetry: true, out _);

        Assert.True(armed);
        Assert.Null(attempt.Timer);
        Assert.False(attempt.Lease.IsHeld);
    }

    [Fact]
    public void Fail_RetryableWithinMaxAttempts_RetriesAfterTheBackoffAndRecordsTheFailure()
    {
        AttemptEngine engine = Engine(Builder().WithExactBackoff(TimeSpan.FromMilliseconds(200), maxAttempts: 3)
            .AddUnits("a", "b").AddRoute("main", r => r.Deployments = ["a", "b"]));
        Deployment a = _model.Deployment("a");
        RouterRequest request = Begin(engine);
        Attempt attempt = StartFirst(engine, request);
        _clock.Advance(TimeSpan.FromMilliseconds(120));

        FailureAction action = engine.Fail(request, ref attempt, Failure(HttpStatusCode.InternalServerError), CancellationToken.None, Now, mayRetry: true, out TimeSpan wait);

        Assert.Equal((FailureAction.RetryAfterOthers, TimeSpan.FromMilliseconds(200)), (action, wait));
        RouterAttempt failed = Assert.Single(request.Failures);
        Assert.Equal((1, "main", "a", ProviderErrorKind.ServerError, 500, TimeSpan.FromMilliseconds(120)), (failed.Number, failed.Route, failed.Deployment, failed.Kind, failed.StatusCode, failed.Duration));
        Assert.Equal((0, false), (a.InFlight, attempt.Lease.IsHeld));
        Assert.Equal((1, 1), a.State.Breaker!.Sample(Now));
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError, 3, true)]
    [InlineData(HttpStatusCode.InternalServerError, 1, false)]
    [InlineData(HttpStatusCode.Unauthorized, 1, true)]
    [InlineData(HttpStatusCode.NotFound, 1, true)]
    public void Fail_LastTryNoRetryInARaceOrNotRetryable_MovesOnAtOnce(HttpStatusCode status, int @try, bool mayRetry)
    {
        AttemptEngine engine = Engine(Builder().WithExactBackoff(TimeSpan.FromMilliseconds(200), maxAttempts: 3)
            .AddUnits("a", "b").AddRoute("main", r => r.Deployments = ["a", "b"]));
        RouterRequest request = Begin(engine);
        Assert.True(engine.TryAdmitNow(request, Now, out Admission admission));
        var numbered = new Admission(admission.Candidate with { Try = @try }, admission.Charges, admission.RateLimit);
        Attempt attempt = default;
        engine.Start(request, numbered, streaming: false, CancellationToken.None, Now, ref attempt);

        FailureAction action = engine.Fail(request, ref attempt, Failure(status), CancellationToken.None, Now, mayRetry, out TimeSpan wait);

        Assert.Equal((FailureAction.MoveOn, TimeSpan.Zero), (action, wait));
        Assert.Single(request.Failures);
    }

    [Fact]
    public void Fail_ContextLengthExceeded_MovesOnToLargerWindowsOnly()
    {
        AttemptEngine engine = Engine(Builder().UseTokenEstimator(new RoutingUnits.FixedEstimator(10))
            .AddUnit("a", d => { d.Model = "m1"; d.ContextWindow = 8_000; })
            .AddUnit("b", d => { d.Model = "m1"; d.ContextWindow = 32_000; })
            .AddUnit("c", d => { d.Model = "m2"; d.ContextWindow = 4_000; })
            .AddUnit("d", d => { d.Model = "m3"; d.ContextWindow = 16_000; })
            .AddRoute("main", r => r.Deployments = ["a", "b", "c", "d"]));
        RouterRequest request = Begin(engine);
        Attempt attempt = StartFirst(engine, request);

        FailureAction action = engine.Fail(
            request, ref attempt, new ProviderException("too long", ProviderErrorKind.ContextLengthExceeded), CancellationToken.None, Now, mayRetry: true, out _);
        Assert.True(engine.TryAdmitNow(request, Now, out Admission next));

        Assert.Equal(FailureAction.MoveOn, action);
        Assert.Equal("d", next.Candidate.Deployment.Name);
        Assert.Equal(
            NotTried + "b (same model as one whose context window the request exceeded); c (context window 4000 is not larger than the 8000 the request exceeded).",
            request.Cursor.SkippedSummary());
        next.Candidate.Lease.Release();
    }

    [Fact]
    public void Fail_BadRequest_ThrowsWithoutTryingAnotherDeploymentOrCountingAgainstThisOne()
    {
        AttemptEngine engine = Engine(Builder().AddUnits("a", "b").AddRoute("main", r => r.Deployments = ["a", "b"]));
        Deployment a = _model.Deployment("a");
        RouterRequest request = Begin(engine);
        Attempt attempt = StartFirst(engine, request);

        LlmRouterException exception = Assert.Throws<LlmRouterException>(() =>
            engine.Fail(request, ref attempt, Failure(HttpStatusCode.BadRequest), CancellationToken.None, Now, mayRetry: true, out _));

        Assert.StartsWith(
            "Route 'main': deployment 'a' rejected the request as invalid (BadRequest, HTTP 400). No other deployment was tried because the request itself must be fixed.",
            exception.Message,
            StringComparison.Ordinal);
        RouterAttempt failed = Assert.Single(exception.Attempts);
        Assert.Equal(("a", ProviderErrorKind.BadRequest), (failed.Deployment, failed.Kind));
        Assert.Equal(1, request.Attempts);
        Assert.Equal((0, 0), (a.InFlight, _model.Deployment("b").InFlight));
        Assert.Equal((0, 0), a.State.Breaker!.Sample(Now));
        Assert.Equal(0, a.State.CooldownUntil);
    }

    [Fact]
    public void Fail_ContentFiltered_StopsUnlessTheRouteFallsBackOnIt()
    {
        AttemptEngine engine = Engine(Builder().AddUnits("a", "b")
            .AddRoute("main", r => r.Deployments = ["a"])
            .AddRoute("lenient", r => { r.Deployments = ["b"]; r.FallbackOnContentFilter = true; }));
        var blocked = new ProviderException("blocked", ProviderErrorKind.ContentFiltered);
        RouterRequest strict = Begin(engine);
        RouterRequest lenient = Begin(engine, "lenient");
        Attempt strictAttempt = StartFirst(engine, strict);
        Attempt lenientAttempt = StartFirst(engine, lenient);

        LlmRouterException exception = Assert.Throws<LlmRouterException>(() =>
            engine.Fail(strict, ref strictAttempt, blocked, CancellationToken.None, Now, mayRetry: true, out _));
        FailureAction action = engine.Fail(lenient, ref lenientAttempt, blocked, CancellationToken.None, Now, mayRetry: true, out _);

        Assert.StartsWith(
            "Route 'main': deployment 'a' blocked the request with its content filter (ContentFiltered). No other deployment was tried; set RouteOptions.FallbackOnContentFilter to try them.",
            exception.Message,
            StringComparison.Ordinal);
        Assert.Equal(FailureAction.MoveOn, action);
    }

    [Fact]
    public void Fail_CallerCancelled_RethrowsTheCancellationAndRecordsNothing()
    {
        AttemptEngine engine = Engine(Builder().AddUnits("a", "b").AddRoute("main", r => r.Deployments = ["a", "b"]));
        Deployment a = _model.Deployment("a");
        using var cancellation = new CancellationTokenSource();
        RouterRequest request = Begin(engine, cancellationToken: cancellation.Token);
        Attempt attempt = StartFirst(engine, request, cancellation.Token);
        cancellation.Cancel();
        var cancelled = new OperationCanceledException(cancellation.Token);

        OperationCanceledException thrown = Assert.Throws<OperationCanceledException>(() =>
            engine.Fail(request, ref attempt, cancelled, cancellation.Token, Now, mayRetry: true, out _));

        Assert.Same(cancelled, thrown);
        Assert.Empty(request.Failures);
        Assert.Equal((0, 0), (a.InFlight, _model.Deployment("b").InFlight));
        Assert.Equal((0, 0), a.State.Breaker!.Sample(Now));
    }

    [Fact]
    public void Fail_CallerCancelledWhileTheProviderRateLimited_NeitherCoolsDownNorCountsTheFailure()
    {
        AttemptEngine engine = Engine(Builder().AddUnits("a").AddRoute("main", r => r.Deployments = ["a"]));
        Deployment a = _model.Deployment("a");
        using var cancellation = new CancellationTokenSource();
        RouterRequest request = Begin(engine, cancellationToken: cancellation.Token);
        Attempt attempt = StartFirst(engine, request, cancellation.Token);
        cancellation.Cancel();
        Exception limited = ScriptedOutcome.Failure(HttpStatusCode.TooManyRequests, retryAfter: TimeSpan.FromSeconds(30)).Exception!;

        OperationCanceledException thrown = Assert.Throws<OperationCanceledException>(() =>
            engine.Fail(request, ref attempt, limited, cancellation.Token, Now, mayRetry: true, out _));

        Assert.Same(limited, thrown.InnerException);
        Assert.Equal(cancellation.Token, thrown.CancellationToken);
        Assert.Empty(request.Failures);
        Assert.Equal(0, a.State.CooldownUntil);
        Assert.Equal(0, a.InFlight);
    }

    [Fact]
    public void Fail_CallerCancelledAProbe_GivesTheProbeItsTurnBack()
    {
        AttemptEngine engine = Engine(Builder().BreakOnFirstFailure(breakSeconds: 15).AddUnits("a").AddRoute("main", r => r.Deployments = ["a"]));
        Deployment a = _model.Deployment("a");
        a.OpenCircuit(Now);
        _clock.Advance(TimeSpan.FromSeconds(15));
        using var cancellation = new CancellationTokenSource();
        RouterRequest request = Begin(engine, cancellationToken: cancellation.Token);
        Attempt attempt = StartFirst(engine, request, cancellation.Token);
        bool probe = attempt.Probe;
        cancellation.Cancel();

        Assert.Throws<OperationCanceledException>(() =>
            engine.Fail(request, ref attempt, new OperationCanceledException(cancellation.Token), cancellation.Token, Now, mayRetry: true, out _));

        Assert.True(probe);
        Assert.Equal(CircuitState.Open, a.State.Breaker!.State);
        Assert.True(a.State.Breaker.TryAcquire(Now, out bool next) && next);
    }
}
