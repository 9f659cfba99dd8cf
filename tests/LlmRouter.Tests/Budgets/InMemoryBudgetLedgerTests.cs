using LlmRouter.Testing;
using Microsoft.Extensions.Time.Testing;

namespace LlmRouter.Tests.Budgets;

public class InMemoryBudgetLedgerTests
{
    private static readonly DateTimeOffset Start = new(2026, 5, 1, 10, 0, 0, TimeSpan.Zero);
    private static readonly BudgetKey Key = new("daily", null, Start.Date, Start.Date.AddDays(1));

    [Fact]
    public async Task TryReserve_FitsUnderTheLimit_GrantedUntilTheNextWouldNot()
    {
        var ledger = new InMemoryBudgetLedger(new FakeTimeProvider(Start));

        BudgetReservation first = await ledger.TryReserveAsync(Key, 1m, 0.4m, CancellationToken.None);
        BudgetReservation second = await ledger.TryReserveAsync(Key, 1m, 0.6m, CancellationToken.None);
        BudgetReservation third = await ledger.TryReserveAsync(Key, 1m, 0.0000000001m, CancellationToken.None);

        Assert.Equal((true, 0m, 0m), (first.IsGranted, first.SpentUsd, first.ReservedUsd));
        Assert.Equal((true, 0m, 0.4m), (second.IsGranted, second.SpentUsd, second.ReservedUsd));
        Assert.Equal((false, 0m, 1m, 0m), (third.IsGranted, third.SpentUsd, third.ReservedUsd, third.AmountUsd));
    }

    [Fact]
    public async Task Settle_ActualBelowTheReservation_FreesTheDifference()
    {
        var ledger = new InMemoryBudgetLedger(new FakeTimeProvider(Start));
        BudgetReservation reservation = await ledger.TryReserveAsync(Key, 1m, 0.8m, CancellationToken.None);

        await ledger.SettleAsync(reservation, 0.3m, CancellationToken.None);
        BudgetReservation next = await ledger.TryReserveAsync(Key, 1m, 0.7m, CancellationToken.None);

        Assert.True(next.IsGranted);
        Assert.Equal(new BudgetUsage(0.3m, 0.7m), await ledger.GetUsageAsync(Key, CancellationToken.None));
    }

    [Fact]
    public async Task Settle_Charge_CountsWithoutAReservation()
    {
        var ledger = new InMemoryBudgetLedger(new FakeTimeProvider(Start));
        await ledger.TryReserveAsync(Key, 1m, 0m, CancellationToken.None);

        await ledger.SettleAsync(BudgetReservation.Charge(Key), 1.5m, CancellationToken.None);

        Assert.Equal(new BudgetUsage(1.5m, 0m), await ledger.GetUsageAsync(Key, CancellationToken.None));
        Assert.False((await ledger.TryReserveAsync(Key, 1m, 0m, CancellationToken.None)).IsGranted);
    }

    [Fact]
    public async Task TryReserve_ConcurrentCallers_NeverExceedTheLimit()
    {
        var ledger = new InMemoryBudgetLedger(new FakeTimeProvider(Start));

        BudgetReservation[] reservations = await Task.WhenAll(Enumerable.Range(0, 1_000).Select(_ =>
            Task.Run(async () => await ledger.TryReserveAsync(Key, 1m, 0.003m, CancellationToken.None))));

        Assert.Equal(333, reservations.Count(r => r.IsGranted));
        Assert.Equal(new BudgetUsage(0m, 0.999m), await ledger.GetUsageAsync(Key, CancellationToken.None));
    }

    [Fact]
    public async Task Sweep_WindowsEndedMoreThanAMinuteAgo_Forgotten()
    {
        var clock = new FakeTimeProvider(Start);
        var ledger = new InMemoryBudgetLedger(clock);
        var minute = new BudgetKey("m", null, Start, Start.AddMinutes(1));
        await ledger.TryReserveAsync(minute, 1m, 0.5m, CancellationToken.None);

        clock.Advance(TimeSpan.FromMinutes(2.5));
        await ledger.TryReserveAsync(Key, 1m, 0m, CancellationToken.None);

        Assert.Equal(1, ledger.WindowCount);
        Assert.Equal(default, await ledger.GetUsageAsync(minute, CancellationToken.None));
    }

    [Fact]
    public async Task TryReserve_CallersAreSeparate()
    {
        var ledger = new InMemoryBudgetLedger(new FakeTimeProvider(Start));

        BudgetReservation a = await ledger.TryReserveAsync(Key with { Caller = "a" }, 1m, 1m, CancellationToken.None);
        BudgetReservation b = await ledger.TryReserveAsync(Key with { Caller = "b" }, 1m, 1m, CancellationToken.None);

        Assert.True(a.IsGranted && b.IsGranted);
    }
}
