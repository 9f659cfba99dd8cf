using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace LlmRouter.Tests.Routing;

/// <summary>The candidate cursor on its own: order across routes, what it passes over and why, and its per-request state.</summary>
public class CandidateCursorTests
{
    private static readonly string NotTried = Environment.NewLine + "  Not tried: ";

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    private long Now => _clock.GetTimestamp();

    private LlmRouterBuilder Builder() => new LlmRouterBuilder().UseTimeProvider(_clock);

    private long After(double seconds) => Now + _clock.Ticks(TimeSpan.FromSeconds(seconds));

    [Fact]
    public void TryNext_RouteWithFallbacks_RouteOrderThenFallbacksBreadthFirstEachDeploymentOnce()
    {
        RouterModel model = Builder().AddUnits("a", "b", "c", "d", "e")
            .AddRoute("main", r => { r.Deployments = ["a", "b"]; r.Fallbacks = ["second", "third"]; })
            .AddRoute("second", r => { r.Deployments = ["c", "a"]; r.Fallbacks = ["fourth"]; })
            .AddRoute("third", r => r.Deployments = ["d", "b"])
            .AddRoute("fourth", r => r.Deployments = ["e", "c"])
            .Model();
        RouterRequest request = model.Begin("main");

        List<string> walked = request.Walk(Now);

        Assert.Equal(["a@main", "b@main", "c@second", "d@third", "e@fourth"], walked);
        Assert.Equal(string.Empty, request.Cursor.SkippedSummary());
        Assert.False(request.Cursor.OnlyFiltered);
        Assert.All(model.Deployments, d => Assert.Equal(0, d.InFlight));
    }

    [Fact]
    public void TryNext_MoreThan64Deployments_EachTriedOnceAcrossRoutes()
    {
        string[] names = [.. Enumerable.Range(0, 70).Select(i => "d" + i)];
        RouterModel model = Builder().AddUnits(names)
            .AddRoute("main", r => { r.Deployments = names; r.Fallbacks = ["reversed"]; })
            .AddRoute("reversed", r => r.Deployments = [.. names.Reverse()])
            .Model();
        RouterRequest request = model.Begin("main");

        List<string> walked = request.Walk(Now);

        Assert.Equal(names.Select(n => n + "@main"), walked);
    }

    [Fact]
    public void TryNext_RouteFilterExcludes_OnlyForThatRoute()
    {
        RouterModel model = Builder()
            .AddUnit("a")
            .AddUnit("b", d => d.Tags = ["eu"])
            .AddRoute("main", r => { r.Deployments = ["a", "b"]; r.RequiredTags = ["EU"]; r.Fallbacks = ["other"]; })
            .AddRoute("other", r => r.Deployments = ["a"])
            .Model();
        RouterRequest request = model.Begin("main");

        List<string> walked = request.Walk(Now);

        Assert.Equal(["b@main", "a@other"], walked);
        Assert.Equal(NotTried + "a (lacks tag 'EU', which the route requires).", request.Cursor.SkippedSummary());
    }

    [Theory]
    [InlineData(LlmRouterRequestProperties.RequiredTags, "eu", "a,c", "b (lacks tag 'eu', which the request requires)")]
    [InlineData(LlmRouterRequestProperties.ExcludedTags, "local", "a,b", "c (has tag 'local', which the request excludes)")]
    [InlineData(LlmRouterRequestProperties.AllowedProviders, "openai", "a",
        "b (provider 'acme' is not among the providers the request allows: openai); c (provider 'acme' is not among the providers the request allows: openai)")]
    [InlineData(LlmRouterRequestProperties.DeniedProviders, "ACME", "a", "b (provider 'acme' is denied by the request); c (provider 'acme' is denied by the request)")]
    public void TryNext_RequestFilter_ExcludesWithReasonAndReportsOnlyFiltered(string property, string value, string served, string reasons)
    {
        RouterModel model = FilterModel();
        RouterRequest request = model.Begin("main", RoutingUnits.With((property, value)));

        List<string> walked = request.Walk(Now);

        Assert.Equal(served.Split(',').Select(d => d + "@main"), walked);
        Assert.Equal(NotTried + reasons + ".", request.Cursor.SkippedSummary());
        Assert.True(request.Cursor.OnlyFiltered);
    }

    [Fact]
    public void TryNext_RequestMaxPrice_ExcludesPricierAndUnpricedDeployments()
    {
        RouterModel model = FilterModel();
        RouterRequest request = model.Begin("main", RoutingUnits.With((LlmRouterRequestProperties.MaxPrice, new PriceLimit { Input = 5m })));

        List<string> walked = request.Walk(Now);

        Assert.Equal(["a@main"], walked);
        Assert.Equal(
            NotTried + "b (price of $10.00 in, $20.00 out per million tokens is above the request's MaxPrice of $5.00 in, any out); " +
            "c (has no known price, and the request sets a MaxPrice).",
            request.Cursor.SkippedSummary());
        Assert.True(request.Cursor.OnlyFiltered);
    }

    [Fact]
    public void TryNext_RequestWithoutFilters_FilterModelServesEveryDeployment()
    {
        RouterModel model = FilterModel();
        RouterRequest request = model.Begin("main", RoutingUnits.With(("unrelated", "x")));

        Assert.Equal(["a@main", "b@main", "c@main"], request.Walk(Now));
        Assert.False(request.Cursor.OnlyFiltered);
    }

    [Fact]
    public void TryNext_RequestNeedsTools_SkipsOnlyDeploymentsKnownToLackThem()
    {
        RouterModel model = Builder()
            .AddUnit("a", d => d.Capabilities = ModelCapabilities.Vision)
            .AddUnit("b", d => d.Capabilities = ModelCapabilities.Tools | ModelCapabilities.Vision)
            .AddUnit("c")
            .AddRoute("main", r => r.Deployments = ["a", "b", "c"])
            .Model();
        var options = new ChatOptions { Tools = [AIFunctionFactory.Create(() => "sunny", "forecast")] };

        RouterRequest withTools = model.Begin("main", options);
        RouterRequest plain = model.Begin("main");

        Assert.Equal(["b@main", "c@main"], withTools.Walk(Now));
        Assert.Equal(NotTried + "a (lacks Tools, which the request needs).", withTools.Cursor.SkippedSummary());
        Assert.True(withTools.Cursor.OnlyFiltered);
        Assert.Equal(["a@main", "b@main", "c@main"], plain.Walk(Now));
    }

    [Fact]
    public void TryNext_RequestNeedsSeveralCapabilities_NamesEveryMissingOne()
    {
        RouterModel model = Builder()
            .AddUnit("a", d => d.Capabilities = ModelCapabilities.Vision)
            .AddUnit("b", d => d.Capabilities = ModelCapabilities.Tools | ModelCapabilities.JsonSchema)
            .AddRoute("main", r => r.Deployments = ["a", "b"])
            .Model();
        var options = new ChatOptions
        {
            Tools = [AIFunctionFactory.Create(() => "sunny", "forecast")],
            ResponseFormat = ChatResponseFormat.ForJsonSchema(System.Text.Json.JsonDocument.Parse("""{"type":"object"}""").RootElement, "answer"),
        };
        RouterRequest request = model.Begin("main", options);

        Assert.Equal(["b@main"], request.Walk(Now));
        Assert.Equal(NotTried + "a (lacks Tools and JsonSchema, which the request needs).", request.Cursor.SkippedSummary());
    }

    [Fact]
    public void TryNext_RequestLargerThanAContextWindow_SkipsThatDeployment()
    {
        RouterModel model = Builder()
            .UseTokenEstimator(new RoutingUnits.FixedEstimator(1_500))
            .AddUnit("a", d => d.ContextWindow = 1_200)
            .AddUnit("b", d => d.ContextWindow = 1_549)
            .AddUnit("c", d => d.ContextWindow = 1_550)
            .AddUnit("d")
            .AddRoute("main", r => r.Deployments = ["a", "b", "c", "d"])
            .Model();
        RouterRequest request = model.Begin("main", new ChatOptions { MaxOutputTokens = 50 });

        List<string> walked = request.Walk(Now);

        Assert.Equal(["c@main", "d@main"], walked);
        Assert.Equal(
            NotTried + "a (context window of 1,200 tokens is too small for the request's estimated 1,500 input tokens plus 50 output tokens); " +
            "b (context window of 1,549 tokens is too small for the request's estimated 1,500 input tokens plus 50 output tokens).",
            request.Cursor.SkippedSummary());
        Assert.True(request.Cursor.OnlyFiltered);
    }

    [Fact]
    public void TryNext_EstimatorPerModel_EachDeploymentsWindowJudgedByItsOwnModelsCount()
    {
        var estimator = new PerModelEstimator(new Dictionary<string, int> { ["verbose-tokenizer"] = 3_000, ["compact-tokenizer"] = 1_000 }, fallback: 2_000);
        RouterModel model = Builder()
            .UseTokenEstimator(estimator)
            .AddUnit("verbose", d => { d.ContextWindow = 2_500; d.Model = "verbose-tokenizer"; })
            .AddUnit("compact", d => { d.ContextWindow = 2_500; d.Model = "compact-tokenizer"; })
            .AddUnit("other", d => { d.ContextWindow = 2_500; d.Model = "other-model"; })
            .AddRoute("main", r => r.Deployments = ["verbose", "compact", "other"])
            .Model();
        RouterRequest request = model.Begin("main", new ChatOptions { MaxOutputTokens = 50 });

        List<string> walked = request.Walk(Now);

        Assert.Equal(["compact@main", "other@main"], walked);
        Assert.Equal(
            NotTried + "verbose (context window of 2,500 tokens is too small for the request's estimated 3,000 input tokens plus 50 output tokens).",
            request.Cursor.SkippedSummary());
        Assert.Equal(3, estimator.Counted);
    }

    /// <summary>An estimator that makes one per model, each counting a fixed number of tokens, and counts how often it counts.</summary>
    private sealed class PerModelEstimator(Dictionary<string, int> byModel, int fallback) : ITokenEstimator
    {
        private readonly int _tokens = fallback;
        private int _counted;

        private PerModelEstimator(PerModelEstimator parent, int tokens)
            : this([], tokens) => Parent = parent;

        public int Counted => Volatile.Read(ref _counted);

        private PerModelEstimator? Parent { get; }

        public string Name => "per-model";

        public int EstimateInputTokens(IEnumerable<ChatMessage> messages, ChatOptions? options)
        {
            Interlocked.Increment(ref (Parent ?? this)._counted);
            return _tokens;
        }

        public ITokenEstimator ForModel(string model) =>
            byModel.TryGetValue(model, out int tokens) ? new PerModelEstimator(this, tokens) : this;
    }

    [Fact]
    public void TryNext_CoolingDown_SkippedWithTheTimeLeftAndNotOnlyFiltered()
    {
        RouterModel model = Builder().AddUnits("a", "b", "c")
            .AddUnit("z", d => d.Tags = ["local"])
            .AddRoute("main", r => { r.Deployments = ["a", "b", "c", "z"]; r.ExcludedTags = ["local"]; })
            .Model();
        model.Deployment("a").State.ExtendCooldown(After(2.5));
        model.Deployment("c").State.ExtendCooldown(Now + _clock.Ticks(TimeSpan.FromMilliseconds(250)));
        RouterRequest request = model.Begin("main");

        List<string> walked = request.Walk(Now);

        Assert.Equal(["b@main"], walked);
        Assert.Equal(
            NotTried + "a (cooling down after a rate limit for another 2.5 s); c (cooling down after a rate limit for another 250 ms); " +
            "z (has tag 'local', which the route excludes).",
            request.Cursor.SkippedSummary());
        Assert.False(request.Cursor.OnlyFiltered);
    }

    [Fact]
    public void TryNext_CooldownOver_AdmitsTheDeployment()
    {
        RouterModel model = Builder().AddUnits("a").Model();
        model.Deployment("a").State.ExtendCooldown(After(2));
        RouterRequest request = model.Begin();

        Assert.Equal(["a@default"], request.Walk(After(2)));
    }

    [Fact]
    public void TryNext_Saturated_SkippedUnlessItQueuesThenANeedsSlotCandidateHoldingNothing()
    {
        RouterModel model = Builder()
            .AddUnit("a", d => d.MaxConcurrentRequests = 1)
            .AddUnit("b", d => { d.MaxConcurrentRequests = 1; d.QueueTimeout = TimeSpan.FromSeconds(5); })
            .AddUnit("c")
            .AddRoute("main", r => r.Deployments = ["a", "b", "c"])
            .Model();
        Deployment a = model.Deployment("a");
        Deployment b = model.Deployment("b");
        Assert.True(a.State.Gate.TryEnter());
        Assert.True(b.State.Gate.TryEnter());
        RouterRequest request = model.Begin("main");

        Assert.True(request.Cursor.TryNext(Now, out Candidate queued));
        List<string> rest = request.Walk(Now);

        Assert.Equal((b, "main", true, false), (queued.Deployment, queued.Route.Name, queued.NeedsSlot, queued.Lease.IsHeld));
        Assert.Equal((1, 1), (a.InFlight, b.InFlight));
        Assert.Equal(["c@main"], rest);
        Assert.Equal(NotTried + "a (all 1 concurrent slots busy).", request.Cursor.SkippedSummary());
    }

    [Fact]
    public void TryNext_OpenAndHalfOpenCircuits_SkippedWithTheirState()
    {
        RouterModel model = Builder().BreakOnFirstFailure(breakSeconds: 15).AddUnits("a", "b", "c")
            .AddRoute("main", r => r.Deployments = ["a", "c", "b"])
            .Model();
        long opened = Now;
        model.Deployment("a").OpenCircuit(opened);
        model.Deployment("c").OpenCircuit(opened - _clock.Ticks(TimeSpan.FromSeconds(20)));
        Assert.True(model.Deployment("c").State.Breaker!.TryAcquire(opened, out bool probe) && probe);
        RouterRequest request = model.Begin("main");

        List<string> walked = request.Walk(After(5));

        Assert.Equal(["b@main"], walked);
        Assert.Equal(
            NotTried + "a (circuit open for another 10 s); c (circuit half-open, a probe call is in flight).",
            request.Cursor.SkippedSummary());
        Assert.False(request.Cursor.OnlyFiltered);
    }

    [Fact]
    public void TryNext_CircuitBreakOver_AdmitsTheDeploymentAsTheProbe()
    {
        RouterModel model = Builder().BreakOnFirstFailure(breakSeconds: 15).AddUnits("a").Model();
        model.Deployment("a").OpenCircuit(Now);
        RouterRequest request = model.Begin();

        Assert.True(request.Cursor.TryNext(After(15), out Candidate candidate));

        Assert.Equal(("a", true, true), (candidate.Deployment.Name, candidate.Probe, candidate.Lease.IsHeld));
        Assert.Equal(CircuitState.HalfOpen, candidate.Deployment.State.Breaker!.State);
        candidate.Lease.Abandon();
    }

    [Fact]
    public void TryDeferred_RetryMeetsAllSlotsBusy_DropsItAndSaysBusyAtItsRetry()
    {
        RouterModel model = Builder()
            .AddUnit("a", d => { d.MaxConcurrentRequests = 1; d.QueueTimeout = TimeSpan.FromSeconds(5); })
            .Model();
        Deployment a = model.Deployment("a");
        RouterRequest request = model.Begin();
        Assert.True(request.Cursor.TryNext(Now, out Candidate first));
        request.Cursor.DeferRetry(a, first.Route, 2, Now, first: false);

        bool busy = request.Cursor.TryDeferred(Now, firstOnly: false, out Candidate refused);
        first.Lease.Release();

        Assert.False(busy);
        Assert.Null(refused.Deployment);
        Assert.Equal(Timestamps.Never, request.Cursor.NextDeferral(firstOnly: false));
        Assert.Equal(NotTried + "a (all 1 concurrent slots busy at its retry).", request.Cursor.SkippedSummary());
        Assert.Equal(0, a.InFlight);
    }

    [Fact]
    public void TryDeferred_RetryMeetsACooldown_DefersItUntilTheCooldownEndsThenAdmitsItAsTheRetry()
    {
        RouterModel model = Builder().AddUnits("a").Model();
        Deployment a = model.Deployment("a");
        RouterRequest request = model.Begin();
        request.Cursor.DeferRetry(a, request.Requested, 2, Now, first: true);
        a.State.ExtendCooldown(After(3));

        bool cooling = request.Cursor.TryDeferred(Now, firstOnly: true, out _);
        long next = request.Cursor.NextDeferral(firstOnly: false);
        string summary = request.Cursor.SkippedSummary();
        bool admitted = request.Cursor.TryDeferred(After(3), firstOnly: false, out Candidate again);

        Assert.False(cooling);
        Assert.Equal(After(3), next);
        Assert.Equal(Timestamps.Never, request.Cursor.NextDeferral(firstOnly: true));
        Assert.Equal(NotTried + "a (cooling down after a rate limit for another 3 s).", summary);
        Assert.True(admitted);
        Assert.Equal((a, 2, true), (again.Deployment, again.Try, again.Lease.IsHeld));
        again.Lease.Release();
    }

    [Fact]
    public void CompleteAdmission_SlotFreedWhileWaiting_HoldsTheLease()
    {
        RouterModel model = Builder()
            .AddUnit("a", d => { d.MaxConcurrentRequests = 1; d.QueueTimeout = TimeSpan.FromSeconds(5); })
            .Model();
        Deployment a = model.Deployment("a");
        Assert.Equal(LeaseRefusal.None, DeploymentLease.TryTake(a, Now, out DeploymentLease blocker));
        RouterRequest request = model.Begin();
        Assert.True(request.Cursor.TryNext(Now, out Candidate candidate));
        Assert.True(candidate.NeedsSlot);

        // What the wait does when the blocker lets go: the freed slot is taken for the waiting candidate.
        blocker.Release();
        Assert.True(a.State.Gate.TryEnter());
        bool admitted = request.Cursor.CompleteAdmission(ref candidate, Now);

        Assert.True(admitted);
        Assert.Equal((a, false, true, 1), (candidate.Deployment, candidate.NeedsSlot, candidate.Lease.IsHeld, a.InFlight));
        candidate.Lease.Release();
        Assert.Equal(0, a.InFlight);
    }

    [Fact]
    public void CompleteAdmission_CircuitOpenedWhileWaiting_GivesTheSlotBackAndNotesTheCircuit()
    {
        RouterModel model = Builder().BreakOnFirstFailure(breakSeconds: 15)
            .AddUnit("a", d => { d.MaxConcurrentRequests = 1; d.QueueTimeout = TimeSpan.FromSeconds(5); })
            .Model();
        Deployment a = model.Deployment("a");
        Assert.True(a.State.Gate.TryEnter());
        RouterRequest request = model.Begin();
        Assert.True(request.Cursor.TryNext(Now, out Candidate candidate));
        a.State.Gate.Exit();
        a.OpenCircuit(Now);
        Assert.True(a.State.Gate.TryEnter());

        bool admitted = request.Cursor.CompleteAdmission(ref candidate, Now);

        Assert.False(admitted);
        Assert.Equal(0, a.InFlight);
        Assert.Equal(NotTried + "a (circuit open for another 15 s).", request.Cursor.SkippedSummary());
    }

    [Fact]
    public void TryEarliestOpened_EveryCircuitOpen_ForcesTheOneThatOpenedEarliestAsAProbeOnce()
    {
        RouterModel model = Builder().BreakOnFirstFailure(breakSeconds: 60, AllCircuitsOpenBehavior.TryEarliestOpened).AddUnits("a", "b", "c")
            .AddRoute("main", r => { r.Deployments = ["a", "b"]; r.Fallbacks = ["other"]; })
            .AddRoute("other", r => r.Deployments = ["c"])
            .Model();
        model.Deployment("a").OpenCircuit(After(1));
        model.Deployment("c").OpenCircuit(Now);
        model.Deployment("b").OpenCircuit(After(2));
        RouterRequest request = model.Begin("main");
        Assert.Empty(request.Walk(After(3)));

        bool forced = request.Cursor.TryEarliestOpened(out Candidate candidate);
        bool again = request.Cursor.TryEarliestOpened(out _);

        Assert.True(forced);
        Assert.Equal(("c", "other", true, true, 1), (candidate.Deployment.Name, candidate.Route.Name, candidate.Probe, candidate.Lease.IsHeld, candidate.Deployment.InFlight));
        Assert.False(again);
        candidate.Lease.Abandon();
    }

    [Fact]
    public void TryEarliestOpened_FailFast_DoesNotForce()
    {
        RouterModel model = Builder().BreakOnFirstFailure(breakSeconds: 60).AddUnits("a").Model();
        model.Deployment("a").OpenCircuit(Now);
        RouterRequest request = model.Begin();
        Assert.Empty(request.Walk(Now));

        Assert.False(request.Cursor.TryEarliestOpened(out Candidate candidate));
        Assert.Null(candidate.Deployment);
        Assert.Equal(0, model.Deployment("a").InFlight);
    }

    [Fact]
    public void TryEarliestOpened_AfterAnAttemptStarted_DoesNotForce()
    {
        RouterModel model = Builder().BreakOnFirstFailure(breakSeconds: 60, AllCircuitsOpenBehavior.TryEarliestOpened).AddUnits("a").Model();
        model.Deployment("a").OpenCircuit(Now);
        RouterRequest request = model.Begin();
        Assert.Empty(request.Walk(Now));
        request.CountAttempt();

        Assert.False(request.Cursor.TryEarliestOpened(out _));
        Assert.Equal(0, model.Deployment("a").InFlight);
    }

    [Fact]
    public void TryEarliestOpened_NoOpenCircuitMet_DoesNotForce()
    {
        RouterModel model = Builder().BreakOnFirstFailure(breakSeconds: 60, AllCircuitsOpenBehavior.TryEarliestOpened).AddUnits("a").Model();
        model.Deployment("a").State.ExtendCooldown(After(10));
        RouterRequest request = model.Begin();
        Assert.Empty(request.Walk(Now));

        Assert.False(request.Cursor.TryEarliestOpened(out _));
    }

    [Fact]
    public void NoteContextOverflow_SkipsSameModelsAndWindowsNotLarger()
    {
        RouterModel model = Builder()
            .UseTokenEstimator(new RoutingUnits.FixedEstimator(10))
            .AddUnit("a", d => { d.ContextWindow = 1000; d.Model = "m1"; })
            .AddUnit("b", d => { d.ContextWindow = 1000; d.Model = "m2"; })
            .AddUnit("c", d => { d.ContextWindow = 8000; d.Model = "m1"; })
            .AddUnit("d", d => { d.ContextWindow = 16000; d.Model = "m3"; })
            .AddUnit("e", d => d.Model = "m4")
            .AddRoute("main", r => r.Deployments = ["a", "b", "c", "d", "e"])
            .Model();
        RouterRequest request = model.Begin("main");
        Assert.True(request.Cursor.TryNext(Now, out Candidate first));
        first.Lease.Release();

        request.Cursor.NoteContextOverflow(first.Deployment);
        List<string> rest = request.Walk(Now);

        Assert.Equal("a", first.Deployment.Name);
        Assert.Equal(["d@main", "e@main"], rest);
        Assert.Equal(
            NotTried + "b (context window 1000 is not larger than the 1000 the request exceeded); c (same model as one whose context window the request exceeded).",
            request.Cursor.SkippedSummary());
        Assert.False(request.Cursor.OnlyFiltered);
    }

    [Fact]
    public void NoteContextOverflow_SmallerWindowAfterALargerOne_KeepsTheLarger()
    {
        RouterModel model = Builder()
            .UseTokenEstimator(new RoutingUnits.FixedEstimator(10))
            .AddUnit("small", d => { d.ContextWindow = 1000; d.Model = "m1"; })
            .AddUnit("large", d => { d.ContextWindow = 16000; d.Model = "m2"; })
            .AddUnit("medium", d => { d.ContextWindow = 8000; d.Model = "m3"; })
            .AddUnit("huge", d => { d.ContextWindow = 32000; d.Model = "m4"; })
            .AddRoute("main", r => r.Deployments = ["medium", "huge"])
            .Model();
        RouterRequest request = model.Begin("main");

        request.Cursor.NoteContextOverflow(model.Deployment("large"));
        request.Cursor.NoteContextOverflow(model.Deployment("small"));

        Assert.Equal(["huge@main"], request.Walk(Now));
        Assert.Equal(NotTried + "medium (context window 8000 is not larger than the 16000 the request exceeded).", request.Cursor.SkippedSummary());
    }

    [Fact]
    public void Untry_CandidateHandedBack_CanBeTriedAgainForAnotherRoute()
    {
        RouterModel model = Builder().AddUnits("a", "b", "c")
            .AddRoute("main", r => r.Deployments = ["a", "b"])
            .AddRoute("cheap", r => r.Deployments = ["a", "c"])
            .Model();
        Route cheap = model.FindRoute("cheap")!;
        RouterRequest handedBack = model.Begin("main");
        RouterRequest kept = model.Begin("main");

        Assert.True(handedBack.Cursor.TryNext(Now, out Candidate first));
        first.Lease.Abandon();
        handedBack.Cursor.Untry(first.Deployment);
        handedBack.Cursor.Serve(cheap);
        Assert.True(kept.Cursor.TryNext(Now, out Candidate second));
        second.Lease.Abandon();
        kept.Cursor.Serve(cheap);

        Assert.Equal(["a@cheap", "c@cheap"], handedBack.Walk(Now));
        Assert.Equal(["c@cheap"], kept.Walk(Now));
    }

    [Fact]
    public void Untry_DeploymentPast64_CanBeTriedAgain()
    {
        string[] names = [.. Enumerable.Range(0, 70).Select(i => "d" + i)];
        RouterModel model = Builder().AddUnits(names)
            .AddRoute("main", r => r.Deployments = names)
            .AddRoute("late", r => r.Deployments = ["d66", "d67"])
            .Model();
        RouterRequest request = model.Begin("main");
        Assert.Equal(70, request.Walk(Now).Count);

        request.Cursor.Untry(model.Deployment("d67"));
        request.Cursor.Serve(model.FindRoute("late")!);

        Assert.Equal(["d67@late"], request.Walk(Now));
    }

    [Fact]
    public void Clear_SecondBeginOnTheSameRequest_BehavesLikeANewRequest()
    {
        RouterModel model = Builder().BreakOnFirstFailure(breakSeconds: 60, AllCircuitsOpenBehavior.TryEarliestOpened)
            .AddUnit("a", d => d.Tags = ["eu"])
            .AddUnit("b")
            .AddRoute("main", r => r.Deployments = ["a", "b"])
            .AddRoute("other", r => r.Deployments = ["b"])
            .Model();
        model.Deployment("a").OpenCircuit(Now);
        var request = new RouterRequest();
        request.Begin(model, model.FindRoute("main")!, RouterCalls.Hello, RoutingUnits.With((LlmRouterRequestProperties.RequiredTags, "eu")), Now, streaming: false);
        Assert.Empty(request.Walk(Now));
        request.Cursor.NoteContextOverflow(model.Deployment("b"));
        Assert.Equal(
            NotTried + "a (circuit open for another 60 s); b (lacks tag 'eu', which the request requires).",
            request.Cursor.SkippedSummary());

        request.End();
        request.Begin(model, model.FindRoute("other")!, RouterCalls.Hello, options: null, Now, streaming: false);

        // b was tried (filtered) and noted as overflowing, and a's open circuit was met: none of it may carry over.
        Assert.Equal(["b@other"], request.Walk(Now));
        Assert.Equal(string.Empty, request.Cursor.SkippedSummary());
        Assert.False(request.Cursor.OnlyFiltered);
        Assert.False(request.Cursor.TryEarliestOpened(out _));
        Assert.Equal(0, model.Deployment("a").InFlight);
    }

    [Fact]
    public void Clear_SecondBeginWithAReorderingStrategy_OrdersAfresh()
    {
        RouterModel model = Builder().AddUnits("a", "b", "c")
            .AddRoute("main", r => { r.Deployments = ["a", "b", "c"]; r.Strategy = SelectionStrategies.RoundRobin; r.Fallbacks = ["other"]; })
            .AddRoute("other", r => r.Deployments = ["c", "a"])
            .Model();
        var request = new RouterRequest();
        Route main = model.FindRoute("main")!;

        request.Begin(model, main, RouterCalls.Hello, null, Now, streaming: false);
        List<string> first = request.Walk(Now);
        request.End();
        request.Begin(model, main, RouterCalls.Hello, null, Now, streaming: false);
        List<string> second = request.Walk(Now);
        request.End();

        Assert.Equal(["a@main", "b@main", "c@main"], first);
        Assert.Equal(["b@main", "c@main", "a@main"], second);
    }

    /// <summary>a: eu, openai, $1/$2; b: us, acme, $10/$20; c: eu and local, acme, no price.</summary>
    private RouterModel FilterModel() => Builder()
        .AddUnit("a", d => { d.Tags = ["eu"]; d.Price = new ModelPrice(1m, 2m); }, provider: "openai")
        .AddUnit("b", d => { d.Tags = ["us"]; d.Price = new ModelPrice(10m, 20m); }, provider: "acme")
        .AddUnit("c", d => d.Tags = ["eu", "local"], provider: "acme")
        .AddRoute("main", r => r.Deployments = ["a", "b", "c"])
        .Model();
}
