using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using RecordingLedger = LlmRouter.Tests.ResilienceUnits.RecordingLedger;

namespace LlmRouter.Tests.Budgets;

public class BudgetReserverTests
{
    // $1 in and $10 out per million tokens; every request estimates at 1,000 input tokens and asks for at most 100 output
    // tokens, so an attempt's estimate is (1,000 × $1 + 100 × $10) / 1,000,000 = $0.002.
    private const decimal Estimate = 0.002m;
    private static readonly ModelPrice Price = new(1m, 10m);
    private static readonly DateTimeOffset Midnight = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

    private static ChatOptions Options(string? tenant = null) => new()
    {
        MaxOutputTokens = 100,
        AdditionalProperties = tenant is null ? null : new() { ["tenant"] = tenant },
    };

    /// <summary>A router over deployments 'a' and 'b' (priced, each estimated at 1,000 input tokens) with the ledger and the routes and budgets given.</summary>
    private static LlmRouterClient Router(FakeTimeProvider clock, IBudgetLedger ledger, Action<LlmRouterBuilder> configure)
    {
        LlmRouterBuilder builder = ResilienceUnits.Builder(clock, Price, "a", "b")
            .UseBudgetLedger(ledger)
            .UseTokenEstimator(new FixedEstimator(1_000));
        configure(builder);
        return builder.BuildClient(reloadable: false);
    }

    /// <summary>Routes 'r' (deployment a, then b), 's' (deployment b) and 'ab', an A/B route whose only variant is 'r'.</summary>
    private static LlmRouterBuilder WithRoutes(LlmRouterBuilder builder) => builder
        .AddRoute("r", r => r.Deployments = ["a", "b"])
        .AddRoute("s", r => r.Deployments = ["b"])
        .AddRoute("ab", r => r.Variants = new Dictionary<string, double> { ["r"] = 1 });

    private static string[] ReservedBudgets(RecordingLedger ledger) => [.. ledger.Reserved.Select(r => r.Key.Budget)];

    private static async Task<Admission> ReserveNextAsync(BudgetReserver reserver, RouterRequest request) =>
        await reserver.ReserveAsync(request, ResilienceUnits.Next(request), CancellationToken.None);

    [Fact]
    public async Task ReserveAsync_RouterWithoutBudgets_AdmitsWithoutChargesSynchronously()
    {
        var clock = new FakeTimeProvider(ResilienceUnits.Start);
        var ledger = new RecordingLedger();
        using LlmRouterClient router = Router(clock, ledger, b => WithRoutes(b));
        var reserver = new BudgetReserver(clock, new FakeLogger());
        RouterRequest request = ResilienceUnits.Begin(router.Model, "r", Options());
        Candidate candidate = ResilienceUnits.Next(request);

        ValueTask<Admission> reserving = reserver.ReserveAsync(request, candidate, CancellationToken.None);

        Assert.False(request.Budgeted);
        Assert.True(reserving.IsCompletedSuccessfully);
        Admission admission = await reserving;
        Assert.True(admission.Admitted);
        Assert.Same(candidate.Deployment, admission.Candidate.Deployment);
        Assert.True(admission.Candidate.Lease.IsHeld);
        Assert.Null(admission.Charges);
        Assert.Empty(ledger.Reserved);
        Assert.False(request.HasEstimate);
    }

    [Fact]
    public async Task ReserveAsync_NoBudgetAppliesToTheCandidate_AdmitsWithoutChargesSynchronously()
    {
        var clock = new FakeTimeProvider(ResilienceUnits.Start);
        var ledger = new RecordingLedger();
        using LlmRouterClient router = Router(clock, ledger, b => WithRoutes(b)
            .AddBudget("b-cap", o => { o.Scope = BudgetScope.Deployment; o.Target = "b"; o.LimitUsd = 1; })
            .AddBudget("s-cap", o => { o.Scope = BudgetScope.Route; o.Target = "s"; o.LimitUsd = 1; }));
        var reserver = new BudgetReserver(clock, new FakeLogger());
        RouterRequest request = ResilienceUnits.Begin(router.Model, "r", Options());

        ValueTask<Admission> reserving = reserver.ReserveAsync(request, ResilienceUnits.Next(request), CancellationToken.None);

        Assert.True(request.Budgeted);
        Assert.True(reserving.IsCompletedSuccessfully);
        Admission admission = await reserving;
        Assert.True(admission.Admitted);
        Assert.Null(admission.Charges);
        Assert.Empty(ledger.Reserved);
    }

    [Fact]
    public async Task ReserveAsync_RouterBudget_ReservesTheEstimateInTheCurrentWindow()
    {
        var clock = new FakeTimeProvider(ResilienceUnits.Start);
        var ledger = new RecordingLedger();
        using LlmRouterClient router = Router(clock, ledger, b => WithRoutes(b)
            .AddBudget("daily", o => { o.Window = BudgetWindow.Day; o.LimitUsd = 5; }));
        var reserver = new BudgetReserver(clock, new FakeLogger());
        RouterRequest request = ResilienceUnits.Begin(router.Model, "r", Options());

        Admission admission = await ReserveNextAsync(reserver, request);

        var key = new BudgetKey("daily", null, new DateTimeOffset(2026, 5, 31, 0, 0, 0, TimeSpan.Zero), Midnight);
        Assert.Equal((key, 5m, Estimate), Assert.Single(ledger.Reserved));
        Assert.True(admission.Admitted);
        AttemptCharges charges = admission.Charges!;
        Assert.Same(ledger, charges.Ledger);
        Assert.Equal(Estimate, charges.EstimateUsd);
        Assert.Equal(new BudgetReservation(key, Estimate, IsGranted: true, 0, 0), Assert.Single(charges.Reservations.ToArray()));
    }

    [Fact]
    public async Task ReserveAsync_Estimate_IsInputEstimateAtTheInputPricePlusExpectedOutputAtTheOutputPrice()
    {
        var clock = new FakeTimeProvider(ResilienceUnits.Start);
        var ledger = new RecordingLedger();
        using LlmRouterClient router = Router(clock, ledger, b => WithRoutes(b).AddBudget("all", o => o.LimitUsd = 5));
        var reserver = new BudgetReserver(clock, new FakeLogger());
        router.Model.FindDeployment("a")!.State.Statistics.RecordOutputTokens(40, weight: 1);

        // a: its observed 40 output tokens, under the request's limit of 100.
        await ReserveNextAsync(reserver, ResilienceUnits.Begin(router.Model, "r", Options()));

        // b: nothing observed, so the request's limit of 100; then no limit either, so 256.
        await ReserveNextAsync(reserver, ResilienceUnits.Begin(router.Model, "s", Options()));
        await ReserveNextAsync(reserver, ResilienceUnits.Begin(router.Model, "s", options: null));

        Assert.Equal(
            new[] { ((1_000 * 1m) + (40 * 10m)) / 1_000_000m, Estimate, ((1_000 * 1m) + (256 * 10m)) / 1_000_000m },
            ledger.Reserved.Select(r => r.AmountUsd));
    }

    [Fact]
    public async Task ReserveAsync_RouteBudgets_ReservedOnEachRouteOfThePathInOrder()
    {
        var clock = new FakeTimeProvider(ResilienceUnits.Start);
        var ledger = new RecordingLedger();
        using LlmRouterClient router = Router(clock, ledger, b => WithRoutes(b)
            .AddBudget("on-s", o => { o.Scope = BudgetScope.Route; o.Target = "s"; o.LimitUsd = 1; })
            .AddBudget("on-r", o => { o.Scope = BudgetScope.Route; o.Target = "r"; o.LimitUsd = 2; })
            .AddBudget("on-ab", o => { o.Scope = BudgetScope.Route; o.Target = "ab"; o.LimitUsd = 3; }));
        var reserver = new BudgetReserver(clock, new FakeLogger());
        RouterRequest request = ResilienceUnits.Begin(router.Model, "ab", Options());

        Admission admission = await ReserveNextAsync(reserver, request);

        Assert.Equal(new[] { "ab", "r" }, request.Path.Select(r => r.Name));
        Assert.Equal(new[] { "on-ab", "on-r" }, ReservedBudgets(ledger));
        Assert.Equal(new[] { 3m, 2m }, ledger.Reserved.Select(r => r.LimitUsd));
        Assert.Equal(2, admission.Charges!.Count);
    }

    [Fact]
    public async Task ReserveAsync_CallerBudget_ReservesInTheWindowOfTheCallerNamedByItsProperty()
    {
        var clock = new FakeTimeProvider(ResilienceUnits.Start);
        var ledger = new RecordingLedger();
        using LlmRouterClient router = Router(clock, ledger, b => WithRoutes(b)
            .AddBudget("per-tenant", o => { o.Scope = BudgetScope.Caller; o.CallerProperty = "tenant"; o.Window = BudgetWindow.Hour; o.LimitUsd = 1; }));
        var reserver = new BudgetReserver(clock, new FakeLogger());

        Admission named = await ReserveNextAsync(reserver, ResilienceUnits.Begin(router.Model, "r", Options(tenant: "acme")));
        Admission anonymous = await ReserveNextAsync(reserver, ResilienceUnits.Begin(router.Model, "r", Options()));

        var key = new BudgetKey("per-tenant", "acme", new DateTimeOffset(2026, 5, 31, 23, 0, 0, TimeSpan.Zero), Midnight);
        Assert.Equal((key, 1m, Estimate), Assert.Single(ledger.Reserved));
        Assert.Equal(1, named.Charges!.Count);
        Assert.True(anonymous.Admitted);
        Assert.Null(anonymous.Charges);
    }

    [Fact]
    public async Task ReserveAsync_CallerBudgetForOneCaller_AppliesToThatCallerAlone()
    {
        var clock = new FakeTimeProvider(ResilienceUnits.Start);
        var ledger = new RecordingLedger();
        using LlmRouterClient router = Router(clock, ledger, b => WithRoutes(b)
            .AddBudget("acme-only", o => { o.Scope = BudgetScope.Caller; o.CallerProperty = "tenant"; o.Caller = "acme"; o.LimitUsd = 1; }));
        var reserver = new BudgetReserver(clock, new FakeLogger());

        Admission acme = await ReserveNextAsync(reserver, ResilienceUnits.Begin(router.Model, "r", Options(tenant: "acme")));
        Admission globex = await ReserveNextAsync(reserver, ResilienceUnits.Begin(router.Model, "r", Options(tenant: "globex")));
        Admission differentCase = await ReserveNextAsync(reserver, ResilienceUnits.Begin(router.Model, "r", Options(tenant: "ACME")));

        Assert.Equal("acme", Assert.Single(ledger.Reserved).Key.Caller);
        Assert.Equal(1, acme.Charges!.Count);
        Assert.Null(globex.Charges);
        Assert.Null(differentCase.Charges);
    }

    [Fact]
    public void Build_OneCallerOnANonCallerBudget_IsAConfigurationErrorNamingIt()
    {
        LlmRouterConfigurationException exception = Assert.Throws<LlmRouterConfigurationException>(() => WithRoutes(new LlmRouterBuilder())
            .AddBudget("router", o => { o.Caller = "acme"; o.LimitUsd = 1; })
            .Build());

        Assert.Contains("Caller ('acme') names the one caller a budget limits, so it needs Scope Caller (was Router)", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReserveAsync_CallerBudgetOnARoute_AppliesOnlyWhenTheRequestWentThroughThatRoute()
    {
        var clock = new FakeTimeProvider(ResilienceUnits.Start);
        var ledger = new RecordingLedger();
        using LlmRouterClient router = Router(clock, ledger, b => WithRoutes(b)
            .AddBudget("tenant-on-r", o => { o.Scope = BudgetScope.Caller; o.CallerProperty = "tenant"; o.Target = "r"; o.LimitUsd = 1; }));
        var reserver = new BudgetReserver(clock, new FakeLogger());

        Admission other = await ReserveNextAsync(reserver, ResilienceUnits.Begin(router.Model, "s", Options(tenant: "acme")));
        Assert.Empty(ledger.Reserved);
        await ReserveNextAsync(reserver, ResilienceUnits.Begin(router.Model, "r", Options(tenant: "acme")));
        await ReserveNextAsync(reserver, ResilienceUnits.Begin(router.Model, "ab", Options(tenant: "globex")));

        Assert.Null(other.Charges);
        Assert.Equal(new[] { "acme", "globex" }, ledger.Reserved.Select(r => r.Key.Caller));
    }

    [Fact]
    public async Task ReserveAsync_DeploymentBudget_AppliesOnlyToItsDeployment()
    {
        var clock = new FakeTimeProvider(ResilienceUnits.Start);
        var ledger = new RecordingLedger();
        using LlmRouterClient router = Router(clock, ledger, b => WithRoutes(b)
            .AddBudget("a-cap", o => { o.Scope = BudgetScope.Deployment; o.Target = "a"; o.LimitUsd = 1; }));
        var reserver = new BudgetReserver(clock, new FakeLogger());

        Admission onA = await ReserveNextAsync(reserver, ResilienceUnits.Begin(router.Model, "r", Options()));
        Admission onB = await ReserveNextAsync(reserver, ResilienceUnits.Begin(router.Model, "s", Options()));

        Assert.Equal("a", onA.Candidate.Deployment.Name);
        Assert.Equal(1, onA.Charges!.Count);
        Assert.Equal("b", onB.Candidate.Deployment.Name);
        Assert.Null(onB.Charges);
        Assert.Equal(new[] { "a-cap" }, ReservedBudgets(ledger));
    }

    [Fact]
    public async Task ReserveAsync_EveryScope_ReservesRouterThenRoutesThenCallerThenDeployment()
    {
        var clock = new FakeTimeProvider(ResilienceUnits.Start);
        var ledger = new RecordingLedger();
        using LlmRouterClient router = Router(clock, ledger, b => WithRoutes(b)
            .AddBudget("deployment", o => { o.Scope = BudgetScope.Deployment; o.Target = "a"; o.LimitUsd = 1; })
            .AddBudget("caller", o => { o.Scope = BudgetScope.Caller; o.CallerProperty = "tenant"; o.LimitUsd = 1; })
            .AddBudget("route", o => { o.Scope = BudgetScope.Route; o.Target = "r"; o.LimitUsd = 1; })
            .AddBudget("router", o => o.LimitUsd = 1));
        var reserver = new BudgetReserver(clock, new FakeLogger());

        Admission admission = await ReserveNextAsync(reserver, ResilienceUnits.Begin(router.Model, "r", Options(tenant: "acme")));

        Assert.Equal(new[] { "router", "route", "caller", "deployment" }, ReservedBudgets(ledger));
        Assert.Equal(ReservedBudgets(ledger), admission.Charges!.Reservations.ToArray().Select(r => r.Key.Budget));
    }

    [Fact]
    public async Task ReserveAsync_DeploymentBudgetRefuses_PassesTheCandidateOverAndGivesEverythingBack()
    {
        var clock = new FakeTimeProvider(ResilienceUnits.Start);
        var ledger = new RecordingLedger { Refusals = { ["a-cap"] = (0.004m, 0.001m) } };
        var logs = new FakeLogCollector();
        using LlmRouterClient router = Router(clock, ledger, b => WithRoutes(b)
            .AddBudget("all", o => o.LimitUsd = 5)
            .AddBudget("a-cap", o => { o.Scope = BudgetScope.Deployment; o.Target = "a"; o.Window = BudgetWindow.Hour; o.LimitUsd = 0.005m; }));
        var reserver = new BudgetReserver(clock, new FakeLogger(logs));
        Deployment a = router.Model.FindDeployment("a")!;
        RouterRequest request = ResilienceUnits.Begin(router.Model, "r", Options());
        Candidate candidate = ResilienceUnits.Next(request);
        Assert.Equal((a, 1), (candidate.Deployment, a.InFlight));

        Admission admission = await reserver.ReserveAsync(request, candidate, CancellationToken.None);

        Assert.False(admission.Admitted);
        Assert.Null(admission.Charges);
        Assert.Equal(0, a.InFlight);
        (BudgetReservation released, decimal actual) = Assert.Single(ledger.Settled);
        Assert.Equal(("all", Estimate, 0m), (released.Key.Budget, released.AmountUsd, actual));
        Assert.Equal(
            Environment.NewLine + "  Not tried: a (budget 'a-cap' of $0.005 per hour is spent: $0.004 spent, $0.001 reserved, $0.002 needed; resets at 2026-06-01 00:00:00 UTC).",
            request.Cursor.SkippedSummary());
        Assert.Empty(logs.GetSnapshot());
        Assert.Equal("b", ResilienceUnits.Next(request).Deployment.Name);
    }

    [Fact]
    public async Task ReserveAsync_DowngradeBudgetRefuses_MovesTheRequestToTheCheaperRoute()
    {
        var clock = new FakeTimeProvider(ResilienceUnits.Start);
        var ledger = new RecordingLedger { Refusals = { ["premium-cap"] = (1m, 0m) } };
        var logs = new FakeLogCollector();
        using LlmRouterClient router = Router(clock, ledger, b => b
            .AddRoute("premium", r => r.Deployments = ["a"])
            .AddRoute("cheap", r => r.Deployments = ["b"])
            .AddBudget("all", o => o.LimitUsd = 5)
            .AddBudget("premium-cap", o =>
            {
                o.Scope = BudgetScope.Route;
                o.Target = "premium";
                o.LimitUsd = 1;
                o.OnExceeded = BudgetExceededAction.Downgrade;
                o.DowngradeTo = "cheap";
            }));
        var reserver = new BudgetReserver(clock, new FakeLogger(logs));
        Deployment a = router.Model.FindDeployment("a")!;
        RouterRequest request = ResilienceUnits.Begin(router.Model, "premium", Options());

        Admission admission = await ReserveNextAsync(reserver, request);

        Assert.False(admission.Admitted);
        Assert.Null(admission.Charges);
        Assert.Equal(0, a.InFlight);
        Assert.Equal(("premium", "cheap", "premium-cap"), (request.Asked.Name, request.Requested.Name, request.DowngradedBy));
        Assert.Equal(("all", 0m), Assert.Single(ledger.Settled.Select(s => (s.Reservation.Key.Budget, s.ActualUsd))));
        FakeLogRecord log = Assert.Single(logs.GetSnapshot());
        Assert.Equal((16, LogLevel.Information), (log.Id.Id, log.Level));
        Assert.Equal("Route 'premium': budget 'premium-cap' cannot cover the request; it is served by route 'cheap' instead.", log.Message);

        // The cheaper route's candidate is admitted; the budget that moved the request counts its spend but no longer limits it.
        Admission downgraded = await ReserveNextAsync(reserver, request);

        Assert.Equal("b", downgraded.Candidate.Deployment.Name);
        Assert.Equal(new[] { "all", "premium-cap", "all" }, ReservedBudgets(ledger));
        BudgetReservation[] reservations = downgraded.Charges!.Reservations.ToArray();
        Assert.Equal(new[] { "all", "premium-cap" }, reservations.Select(r => r.Key.Budget));
        Assert.Equal((0m, true), (reservations[1].AmountUsd, reservations[1].IsGranted));
    }

    [Fact]
    public async Task ReserveAsync_RejectBudgetRefuses_ThrowsWithTheFiguresAndReleasesEarlierReservations()
    {
        var clock = new FakeTimeProvider(ResilienceUnits.Start);
        var ledger = new RecordingLedger { Refusals = { ["r-cap"] = (0.009m, 0.0005m) } };
        var logs = new FakeLogCollector();
        using LlmRouterClient router = Router(clock, ledger, b => WithRoutes(b)
            .AddBudget("all", o => o.LimitUsd = 5)
            .AddBudget("r-cap", o => { o.Scope = BudgetScope.Route; o.Target = "r"; o.LimitUsd = 0.01m; }));
        var reserver = new BudgetReserver(clock, new FakeLogger(logs));
        Deployment a = router.Model.FindDeployment("a")!;
        RouterRequest request = ResilienceUnits.Begin(router.Model, "r", Options());
        Candidate candidate = ResilienceUnits.Next(request);

        BudgetExceededException exception = await Assert.ThrowsAsync<BudgetExceededException>(
            () => reserver.ReserveAsync(request, candidate, CancellationToken.None).AsTask());

        Assert.Equal(("r", "r-cap", BudgetScope.Route, (string?)"r", (string?)null), (exception.Route, exception.Budget, exception.Scope, exception.Target, exception.Caller));
        Assert.Equal((BudgetWindow.Day, 0.01m, 0.009m, 0.0005m, Estimate), (exception.Window, exception.LimitUsd, exception.SpentUsd, exception.ReservedUsd, exception.EstimatedUsd));
        Assert.Equal(Midnight, exception.ResetsAt);
        Assert.Equal(0, a.InFlight);
        Assert.Equal(("all", 0m), Assert.Single(ledger.Settled.Select(s => (s.Reservation.Key.Budget, s.ActualUsd))));
        Assert.Same(exception, request.Telemetry.Failure);
        FakeLogRecord log = Assert.Single(logs.GetSnapshot());
        Assert.Equal((15, LogLevel.Warning), (log.Id.Id, log.Level));
        Assert.Same(exception, log.Exception);
    }

    [Fact]
    public async Task ReserveAsync_CallerBudgetOnARouteRejects_ReportsTheCallerAndTheRoute()
    {
        var clock = new FakeTimeProvider(ResilienceUnits.Start);
        var ledger = new RecordingLedger { Refusals = { ["tenant-on-r"] = (0.5m, 0m) } };
        using LlmRouterClient router = Router(clock, ledger, b => WithRoutes(b)
            .AddBudget("tenant-on-r", o => { o.Scope = BudgetScope.Caller; o.CallerProperty = "tenant"; o.Target = "r"; o.LimitUsd = 0.5m; }));
        var reserver = new BudgetReserver(clock, new FakeLogger());
        RouterRequest request = ResilienceUnits.Begin(router.Model, "ab", Options(tenant: "acme"));

        BudgetExceededException exception = await Assert.ThrowsAsync<BudgetExceededException>(() => ReserveNextAsync(reserver, request));

        Assert.Equal(("ab", BudgetScope.Caller, "r", "acme"), (exception.Route, exception.Scope, exception.Target, exception.Caller));
    }

    [Fact]
    public async Task ReserveAsync_LedgerThrows_ReleasesEarlierReservationsAndTheLease()
    {
        var clock = new FakeTimeProvider(ResilienceUnits.Start);
        var ledger = new RecordingLedger { ThrowsOnReserve = "r-cap" };
        using LlmRouterClient router = Router(clock, ledger, b => WithRoutes(b)
            .AddBudget("all", o => o.LimitUsd = 5)
            .AddBudget("r-cap", o => { o.Scope = BudgetScope.Route; o.Target = "r"; o.LimitUsd = 1; }));
        var reserver = new BudgetReserver(clock, new FakeLogger());
        RouterRequest request = ResilienceUnits.Begin(router.Model, "r", Options());

        InvalidOperationException exception = await Assert.ThrowsAsync<InvalidOperationException>(() => ReserveNextAsync(reserver, request));

        Assert.Equal("The ledger is down (r-cap).", exception.Message);
        Assert.Equal(0, router.Model.FindDeployment("a")!.InFlight);
        Assert.Equal(("all", 0m), Assert.Single(ledger.Settled.Select(s => (s.Reservation.Key.Budget, s.ActualUsd))));
    }

    [Fact]
    public void Settle_SeveralReservations_SettlesEachAtTheActualCost()
    {
        var ledger = new RecordingLedger();
        var reserver = new BudgetReserver(new FakeTimeProvider(ResilienceUnits.Start), new FakeLogger());
        BudgetReservation first = Granted("first", 0.002m);
        BudgetReservation second = BudgetReservation.Charge(Key("second"));
        var charges = new AttemptCharges(ledger, capacity: 2, estimateUsd: 0.002m);
        charges.Add(first);
        charges.Add(second);

        reserver.Settle(charges, 0.0042m);

        Assert.Equal(new[] { (first, 0.0042m), (second, 0.0042m) }, ledger.Settled);
    }

    [Fact]
    public void Settle_LedgerThrowsSynchronously_LogsItAndSettlesTheRest()
    {
        var failure = new InvalidOperationException("ledger down");
        var ledger = new RecordingLedger { OnSettle = r => r.Key.Budget == "first" ? throw failure : ValueTask.CompletedTask };
        var logs = new FakeLogCollector();
        var reserver = new BudgetReserver(new FakeTimeProvider(ResilienceUnits.Start), new FakeLogger(logs));
        var charges = new AttemptCharges(ledger, capacity: 2, estimateUsd: 0.002m);
        charges.Add(Granted("first", 0.002m));
        charges.Add(Granted("second", 0.002m));

        reserver.Settle(charges, 0.001m);

        Assert.Equal(new[] { "first", "second" }, ledger.Settled.Select(s => s.Reservation.Key.Budget));
        FakeLogRecord log = Assert.Single(logs.GetSnapshot());
        Assert.Equal((17, LogLevel.Error), (log.Id.Id, log.Level));
        Assert.Equal("Budget 'first': the ledger could not record a call's spend.", log.Message);
        Assert.Same(failure, log.Exception);
    }

    [Fact]
    public async Task Settle_LedgerFailsAsynchronously_LogsItWhenItFails()
    {
        var failing = new TaskCompletionSource();
        var succeeding = new TaskCompletionSource();
        var ledger = new RecordingLedger { OnSettle = r => new ValueTask(r.Key.Budget == "first" ? failing.Task : succeeding.Task) };
        var logs = new FakeLogCollector();
        var reserver = new BudgetReserver(new FakeTimeProvider(ResilienceUnits.Start), new FakeLogger(logs));
        var charges = new AttemptCharges(ledger, capacity: 2, estimateUsd: 0.002m);
        charges.Add(Granted("first", 0.002m));
        charges.Add(Granted("second", 0.002m));

        reserver.Settle(charges, 0.001m);
        Assert.Equal(2, ledger.Settled.Count);
        Assert.Empty(logs.GetSnapshot());

        // Completed on a thread pool thread (no synchronization context), the continuations run inline: logged by the time it returns.
        var failure = new TimeoutException("ledger timed out");
        await Task.Run(() =>
        {
            failing.SetException(failure);
            succeeding.SetResult();
        });

        FakeLogRecord log = Assert.Single(logs.GetSnapshot());
        Assert.Equal((17, "Budget 'first': the ledger could not record a call's spend."), (log.Id.Id, log.Message));
        Assert.Same(failure, log.Exception);
    }

    private static BudgetKey Key(string budget) => new(budget, null, new DateTimeOffset(2026, 5, 31, 0, 0, 0, TimeSpan.Zero), Midnight);

    private static BudgetReservation Granted(string budget, decimal amount) => new(Key(budget), amount, IsGranted: true, SpentUsd: 0, ReservedUsd: 0);

    /// <summary>Estimates every request at the same number of input tokens.</summary>
    private sealed class FixedEstimator(int tokens) : ITokenEstimator
    {
        public string Name => "fixed";

        public int EstimateInputTokens(IEnumerable<ChatMessage> messages, ChatOptions? options) => tokens;
    }
}
