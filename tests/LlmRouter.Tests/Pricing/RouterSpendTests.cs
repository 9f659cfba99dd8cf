using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace LlmRouter.Tests.Pricing;

public class RouterSpendTests
{
    private static readonly ModelPrice Price = new(1m, 10m);

    private static SpendTotal Total(string? name, decimal cost, long calls, long uncosted) => new() { Name = name, CostUsd = cost, Calls = calls, UncostedCalls = uncosted };

    private static void Spend(SpendCounter counter, decimal usd) => counter.Add(Money.ToUnits(usd));

    private static DateTimeOffset Utc(int year, int month, int day, int hour = 0, int minute = 0) => new(year, month, day, hour, minute, 0, TimeSpan.Zero);

    [Fact]
    public void GetTotal_SeveralDeployments_IsTheSumOfTheirCountersAlone()
    {
        var clock = new FakeTimeProvider(ResilienceUnits.Start);
        using LlmRouterClient router = ResilienceUnits.Builder(clock, Price, "a", "b", "c").AddRoute("r", r => r.Deployments = ["a", "b", "c"]).BuildClient(reloadable: false);
        RouterModel model = router.Model;
        Spend(model.FindDeployment("a")!.Spend, 0.25m);
        Spend(model.FindDeployment("a")!.Spend, 0.25m);
        Spend(model.FindDeployment("b")!.Spend, 0.5m);
        model.FindDeployment("b")!.Spend.AddUncosted();

        // Route counters hold the same calls again; the router's total must not count them twice.
        Spend(model.FindRoute("r")!.Spend, 1m);
        model.FindRoute("r")!.Spend.AddUncosted();

        IRouterSpend spend = router.GetService<IRouterSpend>()!;

        Assert.IsType<RouterSpend>(spend);
        Assert.Equal(Total(null, 1m, 3, 1), spend.GetTotal());
    }

    [Fact]
    public void GetTotal_DeploymentRemovedByAReload_StillCounts()
    {
        var clock = new FakeTimeProvider(ResilienceUnits.Start);
        using LlmRouterClient router = ResilienceUnits.Builder(clock, price: null, "kept", "removed").BuildClient(reloadable: true);
        RouterModel first = router.Model;
        Spend(first.FindDeployment("kept")!.Spend, 0.1m);
        Spend(first.FindDeployment("removed")!.Spend, 0.2m);
        first.FindDeployment("removed")!.Spend.AddUncosted();

        // As a configuration reload does: the next model is built with the previous one, whose spend registry it carries on.
        RouterModel second = ResilienceUnits.Builder(clock, price: null, "kept", "added").BuildModel(first);
        router.Swap(second);
        Spend(second.FindDeployment("kept")!.Spend, 0.3m);
        Spend(second.FindDeployment("added")!.Spend, 0.4m);
        IRouterSpend spend = router.GetService<IRouterSpend>()!;

        Assert.Same(second, router.Model);
        Assert.Same(first.Cost.Spend, second.Cost.Spend);
        Assert.Equal(Total(null, 1.0m, 4, 1), spend.GetTotal());
        Assert.Equal(new[] { Total("kept", 0.4m, 2, 0), Total("added", 0.4m, 1, 0) }, spend.GetDeploymentTotals());
    }

    [Fact]
    public void SpendRegistryTotal_CountersFoundByNameInAnyCase_SumsEachDeploymentCounterOnce()
    {
        var registry = new SpendRegistry();
        Assert.Equal(Total(null, 0, 0, 0), registry.Total());

        Spend(registry.Deployment("x"), 1.5m);
        registry.Deployment("X").AddUncosted();
        Spend(registry.Deployment("y"), 0.0000000001m);
        Spend(registry.Route("x"), 100m);

        Assert.Same(registry.Deployment("x"), registry.Deployment("X"));
        Assert.Equal(Total(null, 1.5000000001m, 2, 1), registry.Total());
    }

    [Fact]
    public void SpendRegistrySnapshot_Names_InTheOrderGivenWithUnknownNamesAtZero()
    {
        var registry = new SpendRegistry();
        Spend(registry.Route("a"), 1m);
        Spend(registry.Route("b"), 2m);
        Spend(registry.Deployment("a"), 3m);

        Assert.Equal(
            new[] { Total("b", 2m, 1, 0), Total("never", 0, 0, 0), Total("a", 1m, 1, 0) },
            registry.Snapshot(["b", "never", "a"], routes: true));
        Assert.Equal(new[] { Total("a", 3m, 1, 0), Total("b", 0, 0, 0) }, registry.Snapshot(["a", "b"], routes: false));
    }

    [Fact]
    public void GetRouteTotals_SeveralRoutes_InTheOrderAdded()
    {
        var clock = new FakeTimeProvider(ResilienceUnits.Start);
        using LlmRouterClient router = ResilienceUnits.Builder(clock, Price, "a")
            .AddRoute("zeta", r => r.Deployments = ["a"])
            .AddRoute("alpha", r => r.Deployments = ["a"])
            .AddRoute("mid", r => r.Deployments = ["a"])
            .BuildClient(reloadable: false);
        Spend(router.Model.FindRoute("zeta")!.Spend, 0.3m);
        Spend(router.Model.FindRoute("mid")!.Spend, 0.1m);
        router.Model.FindRoute("mid")!.Spend.AddUncosted();

        IReadOnlyList<SpendTotal> totals = router.GetService<IRouterSpend>()!.GetRouteTotals();

        Assert.Equal(new[] { Total("zeta", 0.3m, 1, 0), Total("alpha", 0, 0, 0), Total("mid", 0.1m, 1, 1) }, totals);
    }

    [Fact]
    public void GetDeploymentTotals_SeveralDeployments_InTheOrderAdded()
    {
        var clock = new FakeTimeProvider(ResilienceUnits.Start);
        using LlmRouterClient router = ResilienceUnits.Builder(clock, Price, "zeta", "alpha", "mid").BuildClient(reloadable: false);
        Spend(router.Model.FindDeployment("alpha")!.Spend, 0.7m);
        router.Model.FindDeployment("zeta")!.Spend.AddUncosted();

        IReadOnlyList<SpendTotal> totals = router.GetService<IRouterSpend>()!.GetDeploymentTotals();

        Assert.Equal(new[] { Total("zeta", 0, 0, 1), Total("alpha", 0.7m, 1, 0), Total("mid", 0, 0, 0) }, totals);
    }

    [Fact]
    public async Task GetBudgetsAsync_NoCaller_ListsEveryOtherBudgetInItsCurrentWindow()
    {
        var clock = new FakeTimeProvider(ResilienceUnits.Start);
        using LlmRouterClient router = BudgetedRouter(clock);
        await SpendAsync(router.Model, "r-hourly", caller: null, reserved: 0.3m, settled: 0.2m);
        await SpendAsync(router.Model, "r-hourly", caller: null, reserved: 0.05m, settled: null);
        await SpendAsync(router.Model, "per-tenant", caller: "acme", reserved: 0.4m, settled: 0.4m);

        IReadOnlyList<BudgetStatus> statuses = await router.GetService<IRouterSpend>()!.GetBudgetsAsync();

        Assert.Equal(
            new[]
            {
                Status("monthly", BudgetScope.Router, null, null, BudgetWindow.Month, 100m, 0, 0, Utc(2026, 5, 1), Utc(2026, 6, 1)),
                Status("r-hourly", BudgetScope.Route, "r", null, BudgetWindow.Hour, 10m, 0.2m, 0.05m, Utc(2026, 5, 31, 23), Utc(2026, 6, 1)),
                Status("a-daily", BudgetScope.Deployment, "a", null, BudgetWindow.Day, 5m, 0, 0, Utc(2026, 5, 31), Utc(2026, 6, 1)),
            },
            statuses);
        Assert.Equal(9.75m, statuses[1].RemainingUsd);
    }

    [Fact]
    public async Task GetBudgetsAsync_Caller_AddsThatCallersWindowOfEachCallerBudgetInTheOrderAdded()
    {
        var clock = new FakeTimeProvider(ResilienceUnits.Start);
        using LlmRouterClient router = BudgetedRouter(clock);
        await SpendAsync(router.Model, "per-tenant", caller: "acme", reserved: 0.4m, settled: 0.4m);
        IRouterSpend spend = router.GetService<IRouterSpend>()!;

        IReadOnlyList<BudgetStatus> acme = await spend.GetBudgetsAsync("acme");
        IReadOnlyList<BudgetStatus> globex = await spend.GetBudgetsAsync("globex");

        Assert.Equal(new[] { "monthly", "per-tenant", "r-hourly", "a-daily" }, acme.Select(s => s.Name));
        Assert.Equal(new string?[] { null, "acme", null, null }, acme.Select(s => s.Caller));
        Assert.Equal(
            Status("per-tenant", BudgetScope.Caller, null, "acme", BudgetWindow.Minute, 1m, 0.4m, 0, Utc(2026, 5, 31, 23, 58), Utc(2026, 5, 31, 23, 59)),
            acme[1]);
        Assert.Equal(0.6m, acme[1].RemainingUsd);
        Assert.Equal(("globex", 0m), (globex[1].Caller, globex[1].SpentUsd));
    }

    [Fact]
    public async Task GetBudgetsAsync_WindowEnded_ReadsTheNextWindow()
    {
        var clock = new FakeTimeProvider(ResilienceUnits.Start);
        using LlmRouterClient router = BudgetedRouter(clock);
        await SpendAsync(router.Model, "r-hourly", caller: null, reserved: 0.3m, settled: 0.2m);
        clock.Advance(TimeSpan.FromMinutes(2));

        BudgetStatus hourly = (await router.GetService<IRouterSpend>()!.GetBudgetsAsync())[1];

        Assert.Equal(Status("r-hourly", BudgetScope.Route, "r", null, BudgetWindow.Hour, 10m, 0, 0, Utc(2026, 6, 1), Utc(2026, 6, 1, 1)), hourly);
    }

    /// <summary>Budgets, in the order added: router monthly, caller per minute, route 'r' hourly, deployment 'a' daily.</summary>
    private static LlmRouterClient BudgetedRouter(FakeTimeProvider clock) =>
        ResilienceUnits.Builder(clock, Price, "a")
            .AddRoute("r", r => r.Deployments = ["a"])
            .AddBudget("monthly", b => { b.Window = BudgetWindow.Month; b.LimitUsd = 100; })
            .AddBudget("per-tenant", b => { b.Scope = BudgetScope.Caller; b.Window = BudgetWindow.Minute; b.LimitUsd = 1; })
            .AddBudget("r-hourly", b => { b.Scope = BudgetScope.Route; b.Target = "r"; b.Window = BudgetWindow.Hour; b.LimitUsd = 10; })
            .AddBudget("a-daily", b => { b.Scope = BudgetScope.Deployment; b.Target = "a"; b.Window = BudgetWindow.Day; b.LimitUsd = 5; })
            .BuildClient(reloadable: false);

    /// <summary>Reserves on the router's own ledger in the budget's current window, then settles unless <paramref name="settled"/> is null.</summary>
    private static async Task SpendAsync(RouterModel model, string budgetName, string? caller, decimal reserved, decimal? settled)
    {
        Budget budget = Array.Find(model.Cost.Budgets, b => b.Name == budgetName)!;
        BudgetKey key = budget.Key(model.Time.GetUtcNow(), caller);
        BudgetReservation reservation = await model.Cost.Ledger.TryReserveAsync(key, budget.LimitUsd, reserved, CancellationToken.None);
        Assert.True(reservation.IsGranted);
        if (settled is { } actual)
        {
            await model.Cost.Ledger.SettleAsync(reservation, actual, CancellationToken.None);
        }
    }

    private static BudgetStatus Status(
        string name, BudgetScope scope, string? target, string? caller, BudgetWindow window, decimal limit, decimal spent, decimal reserved, DateTimeOffset start, DateTimeOffset end) => new()
        {
            Name = name,
            Scope = scope,
            Target = target,
            Caller = caller,
            Window = window,
            LimitUsd = limit,
            SpentUsd = spent,
            ReservedUsd = reserved,
            WindowStart = start,
            ResetsAt = end,
        };
}
