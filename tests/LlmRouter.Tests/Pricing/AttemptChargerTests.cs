using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using RecordingLedger = LlmRouter.Tests.ResilienceUnits.RecordingLedger;

namespace LlmRouter.Tests.Pricing;

public class AttemptChargerTests
{
    // $1 in and $10 out per million tokens: 1,000 input and 100 output tokens cost (1,000 × $1 + 100 × $10) / 1,000,000.
    private const decimal Cost = 0.002m;
    private const decimal EstimateUsd = 0.005m;
    private static readonly ModelPrice Price = new(1m, 10m);

    private static UsageDetails Usage(long? output = 100) => new() { InputTokenCount = 1_000, OutputTokenCount = output };

    /// <summary>
    /// Deployment 'a' (priced) and 'unpriced'; routes 'r' (a), 'u' (unpriced) and 'ab', an A/B route whose only variant is
    /// 'r'; newest output sample weighs half the average.
    /// </summary>
    private static LlmRouterClient Router(FakeTimeProvider clock) =>
        ResilienceUnits.Builder(clock, Price, "a")
            .AddDeployment("unpriced", ResilienceUnits.Client(), d => d.Model = "unpriced-model")
            .AddRoute("r", r => r.Deployments = ["a"])
            .AddRoute("u", r => r.Deployments = ["unpriced"])
            .AddRoute("ab", r => r.Variants = new Dictionary<string, double> { ["r"] = 1 })
            .ConfigureSelection(s => s.SampleWeight = 0.5)
            .BuildClient(reloadable: false);

    private static AttemptCharger Charger(FakeTimeProvider clock) => new(new BudgetReserver(clock, new FakeLogger()));

    /// <summary>Starts an attempt with the request's next candidate, holding <paramref name="charges"/>.</summary>
    private static Attempt Start(RouterRequest request, AttemptCharges? charges = null)
    {
        Attempt attempt = default;
        attempt.Begin(ResilienceUnits.Next(request), charges, default, request.Time.GetTimestamp(), timer: null, CancellationToken.None, request, streaming: false);
        return attempt;
    }

    /// <summary>Two reservations of <see cref="EstimateUsd"/> on <paramref name="ledger"/>.</summary>
    private static AttemptCharges Charges(RecordingLedger ledger)
    {
        var charges = new AttemptCharges(ledger, capacity: 2, EstimateUsd);
        foreach (string budget in new[] { "router", "route" })
        {
            charges.Add(new BudgetReservation(new BudgetKey(budget, null, ResilienceUnits.Start, ResilienceUnits.Start.AddDays(1)), EstimateUsd, IsGranted: true, 0, 0));
        }

        return charges;
    }

    private static SpendTotal Total(string? name, decimal cost, long calls, long uncosted) => new() { Name = name, CostUsd = cost, Calls = calls, UncostedCalls = uncosted };

    [Fact]
    public void Charge_PricedUsage_AddsTheCostToTheDeploymentTheRouteAndTheRequest()
    {
        var clock = new FakeTimeProvider(ResilienceUnits.Start);
        using LlmRouterClient router = Router(clock);
        RouterModel model = router.Model;
        RouterRequest request = ResilienceUnits.Begin(model, "r");
        Attempt attempt = Start(request);

        decimal? cost = Charger(clock).Charge(model, request, ref attempt, Usage(), AttemptEnd.Served);

        Assert.Equal(Cost, cost);
        Assert.True(attempt.Charged);
        Assert.Equal(Cost, request.Cost);
        Assert.Equal(Total("a", Cost, 1, 0), model.FindDeployment("a")!.Spend.Snapshot());
        Assert.Equal(Total("r", Cost, 1, 0), model.FindRoute("r")!.Spend.Snapshot());
        Assert.Equal(Total(null, Cost, 1, 0), model.Cost.Spend.Total());
    }

    [Fact]
    public void Charge_SameAttemptTwice_ChargesItOnce()
    {
        var clock = new FakeTimeProvider(ResilienceUnits.Start);
        using LlmRouterClient router = Router(clock);
        RouterModel model = router.Model;
        var ledger = new RecordingLedger();
        RouterRequest request = ResilienceUnits.Begin(model, "r");
        Attempt attempt = Start(request, Charges(ledger));
        AttemptCharger charger = Charger(clock);
        Assert.Equal(Cost, charger.Charge(model, request, ref attempt, Usage(), AttemptEnd.Served));

        decimal? again = charger.Charge(model, request, ref attempt, Usage(output: 500), AttemptEnd.Served);

        Assert.Null(again);
        Assert.Equal(Cost, request.Cost);
        Assert.Equal(Total("a", Cost, 1, 0), model.FindDeployment("a")!.Spend.Snapshot());
        Assert.Equal(Total("r", Cost, 1, 0), model.FindRoute("r")!.Spend.Snapshot());
        Assert.Equal(2, ledger.Settled.Count);
        Assert.Equal(100, model.FindDeployment("a")!.State.Statistics.OutputTokens);
    }

    [Fact]
    public void Charge_ServedByAnotherRouteThanAsked_AddsToBothRoutesAndTheDeploymentOnce()
    {
        var clock = new FakeTimeProvider(ResilienceUnits.Start);
        using LlmRouterClient router = Router(clock);
        RouterModel model = router.Model;
        RouterRequest request = ResilienceUnits.Begin(model, "ab");
        Attempt attempt = Start(request);
        Assert.Equal(("ab", "r"), (attempt.Asked.Name, attempt.Requested.Name));

        Charger(clock).Charge(model, request, ref attempt, Usage(), AttemptEnd.Served);

        Assert.Equal(Total("ab", Cost, 1, 0), model.FindRoute("ab")!.Spend.Snapshot());
        Assert.Equal(Total("r", Cost, 1, 0), model.FindRoute("r")!.Spend.Snapshot());
        Assert.Equal(Total("a", Cost, 1, 0), model.FindDeployment("a")!.Spend.Snapshot());
        Assert.Equal(Total(null, Cost, 1, 0), model.Cost.Spend.Total());
        Assert.Equal(Cost, request.Cost);
    }

    [Fact]
    public void Charge_ServedWithoutUsage_CountsAnUncostedCallOnTheDeploymentAndBothRoutes()
    {
        var clock = new FakeTimeProvider(ResilienceUnits.Start);
        using LlmRouterClient router = Router(clock);
        RouterModel model = router.Model;
        RouterRequest request = ResilienceUnits.Begin(model, "ab");
        Attempt attempt = Start(request);

        decimal? cost = Charger(clock).Charge(model, request, ref attempt, usage: null, AttemptEnd.Served);

        Assert.Null(cost);
        Assert.Equal(0m, request.Cost);
        Assert.Equal(Total("a", 0, 0, 1), model.FindDeployment("a")!.Spend.Snapshot());
        Assert.Equal(Total("ab", 0, 0, 1), model.FindRoute("ab")!.Spend.Snapshot());
        Assert.Equal(Total("r", 0, 0, 1), model.FindRoute("r")!.Spend.Snapshot());
        Assert.Equal(Total(null, 0, 0, 1), model.Cost.Spend.Total());
    }

    [Fact]
    public void Charge_UnpricedDeploymentServed_CountsAnUncostedCallAndRecordsItsOutput()
    {
        var clock = new FakeTimeProvider(ResilienceUnits.Start);
        using LlmRouterClient router = Router(clock);
        RouterModel model = router.Model;
        Deployment unpriced = model.FindDeployment("unpriced")!;
        Assert.Null(unpriced.Price);
        RouterRequest request = ResilienceUnits.Begin(model, "u");
        Attempt attempt = Start(request);

        decimal? cost = Charger(clock).Charge(model, request, ref attempt, Usage(output: 80), AttemptEnd.Served);

        Assert.Null(cost);
        Assert.Equal(0m, request.Cost);
        Assert.Equal(Total("unpriced", 0, 0, 1), unpriced.Spend.Snapshot());
        Assert.Equal(Total("u", 0, 0, 1), model.FindRoute("u")!.Spend.Snapshot());
        Assert.Equal(80, unpriced.State.Statistics.OutputTokens);
    }

    [Theory]
    [InlineData((int)AttemptEnd.Failed)]
    [InlineData((int)AttemptEnd.Stopped)]
    public void Charge_NotServedAndWithoutACost_CountsNothing(int end)
    {
        var clock = new FakeTimeProvider(ResilienceUnits.Start);
        using LlmRouterClient router = Router(clock);
        RouterModel model = router.Model;
        RouterRequest pricedRequest = ResilienceUnits.Begin(model, "r");
        Attempt withoutUsage = Start(pricedRequest);
        RouterRequest unpricedRequest = ResilienceUnits.Begin(model, "u");
        Attempt unpriced = Start(unpricedRequest);
        AttemptCharger charger = Charger(clock);

        Assert.Null(charger.Charge(model, pricedRequest, ref withoutUsage, usage: null, (AttemptEnd)end));
        Assert.Null(charger.Charge(model, unpricedRequest, ref unpriced, Usage(), (AttemptEnd)end));

        Assert.Equal(Total("a", 0, 0, 0), model.FindDeployment("a")!.Spend.Snapshot());
        Assert.Equal(Total("r", 0, 0, 0), model.FindRoute("r")!.Spend.Snapshot());
        Assert.Equal(Total("unpriced", 0, 0, 0), model.FindDeployment("unpriced")!.Spend.Snapshot());
        Assert.Equal(Total("u", 0, 0, 0), model.FindRoute("u")!.Spend.Snapshot());
        Assert.Equal(Total(null, 0, 0, 0), model.Cost.Spend.Total());
        Assert.True(withoutUsage.Charged);
        Assert.True(unpriced.Charged);
    }

    [Theory]
    [InlineData((int)AttemptEnd.Failed)]
    [InlineData((int)AttemptEnd.Stopped)]
    public void Charge_NotServedButUsageReported_IsCostedAsTheProviderBillsIt(int end)
    {
        var clock = new FakeTimeProvider(ResilienceUnits.Start);
        using LlmRouterClient router = Router(clock);
        RouterModel model = router.Model;
        RouterRequest request = ResilienceUnits.Begin(model, "r");
        Attempt attempt = Start(request);

        decimal? cost = Charger(clock).Charge(model, request, ref attempt, Usage(), (AttemptEnd)end);

        Assert.Equal(Cost, cost);
        Assert.Equal(Cost, request.Cost);
        Assert.Equal(Total("a", Cost, 1, 0), model.FindDeployment("a")!.Spend.Snapshot());
    }

    [Fact]
    public void Charge_AttemptThatOutlivedItsRequest_StillAddsToTheTotals()
    {
        var clock = new FakeTimeProvider(ResilienceUnits.Start);
        using LlmRouterClient router = Router(clock);
        RouterModel model = router.Model;
        RouterRequest request = ResilienceUnits.Begin(model, "r");
        Attempt attempt = Start(request);

        decimal? cost = Charger(clock).Charge(model, request: null, ref attempt, Usage(), AttemptEnd.Stopped);

        Assert.Equal(Cost, cost);
        Assert.Equal(0m, request.Cost);
        Assert.Equal(Total("a", Cost, 1, 0), model.FindDeployment("a")!.Spend.Snapshot());
        Assert.Equal(Total("r", Cost, 1, 0), model.FindRoute("r")!.Spend.Snapshot());
    }

    [Fact]
    public void Charge_UsageWithOutputTokens_UpdatesTheDeploymentsOutputAverage()
    {
        var clock = new FakeTimeProvider(ResilienceUnits.Start);
        using LlmRouterClient router = Router(clock);
        RouterModel model = router.Model;
        AttemptCharger charger = Charger(clock);
        DeploymentStatistics statistics = model.FindDeployment("a")!.State.Statistics;
        double?[] averages = new double?[3];
        long?[] outputs = [null, 100, 200];
        for (int i = 0; i < outputs.Length; i++)
        {
            RouterRequest request = ResilienceUnits.Begin(model, "r");
            Attempt attempt = Start(request);
            charger.Charge(model, request, ref attempt, Usage(outputs[i]), AttemptEnd.Served);
            averages[i] = statistics.OutputTokens;
        }

        // No output count records nothing; then the first sample sets the average and the next moves it halfway.
        Assert.Equal(new double?[] { null, 100, 150 }, averages);
    }

    [Theory]
    [InlineData((int)AttemptEnd.Served)]
    [InlineData((int)AttemptEnd.Failed)]
    [InlineData((int)AttemptEnd.Stopped)]
    public void Charge_Costed_SettlesEachReservationAtTheCost(int end)
    {
        var clock = new FakeTimeProvider(ResilienceUnits.Start);
        using LlmRouterClient router = Router(clock);
        var ledger = new RecordingLedger();
        RouterRequest request = ResilienceUnits.Begin(router.Model, "r");
        Attempt attempt = Start(request, Charges(ledger));

        Charger(clock).Charge(router.Model, request, ref attempt, Usage(), (AttemptEnd)end);

        Assert.Null(attempt.Charges);
        Assert.Equal(new[] { ("router", Cost), ("route", Cost) }, ledger.Settled.Select(s => (s.Reservation.Key.Budget, s.ActualUsd)));
    }

    [Theory]
    [InlineData("r", false, (int)AttemptEnd.Failed, false)]
    [InlineData("r", false, (int)AttemptEnd.Served, true)]
    [InlineData("r", false, (int)AttemptEnd.Stopped, true)]
    [InlineData("u", true, (int)AttemptEnd.Failed, false)]
    [InlineData("u", true, (int)AttemptEnd.Served, true)]
    [InlineData("u", true, (int)AttemptEnd.Stopped, true)]
    public void Charge_NotCosted_SettlesAtNothingForAFailureAndAtTheEstimateOtherwise(string route, bool usage, int end, bool atEstimate)
    {
        var clock = new FakeTimeProvider(ResilienceUnits.Start);
        using LlmRouterClient router = Router(clock);
        var ledger = new RecordingLedger();
        RouterRequest request = ResilienceUnits.Begin(router.Model, route);
        Attempt attempt = Start(request, Charges(ledger));

        Assert.Null(Charger(clock).Charge(router.Model, request, ref attempt, usage ? Usage() : null, (AttemptEnd)end));

        decimal expected = atEstimate ? EstimateUsd : 0m;
        Assert.Null(attempt.Charges);
        Assert.Equal(new[] { ("router", expected), ("route", expected) }, ledger.Settled.Select(s => (s.Reservation.Key.Budget, s.ActualUsd)));
    }
}
