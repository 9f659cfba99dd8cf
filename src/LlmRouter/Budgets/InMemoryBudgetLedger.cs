using System.Collections.Concurrent;

namespace LlmRouter;

/// <summary>
/// The default <see cref="IBudgetLedger"/>: one record per budget window (and caller) in this process, holding the spent and
/// the spent-plus-reserved totals as <see cref="Money"/> units changed with compare-and-swap; no locks. Records of windows that
/// ended more than a minute ago are swept at most once a minute, from whichever call notices first.
/// </summary>
internal sealed class InMemoryBudgetLedger : IBudgetLedger
{
    private static readonly long SweepInterval = TimeSpan.FromMinutes(1).Ticks;

    private readonly ConcurrentDictionary<WindowId, Window> _windows = new();
    private readonly TimeProvider _time;
    private long _nextSweep;

    public InMemoryBudgetLedger(TimeProvider time) => _time = time;

    /// <summary>Gets how many windows are held, for tests of the sweep.</summary>
    internal int WindowCount => _windows.Count;

    public ValueTask<BudgetReservation> TryReserveAsync(BudgetKey key, decimal limitUsd, decimal amountUsd, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Sweep();
        Window window = _windows.GetOrAdd(Id(key), static (_, end) => new Window(end), key.WindowEnd.UtcTicks);
        long units = Math.Max(0, Money.ToUnits(amountUsd));
        long limit = Money.ToUnits(limitUsd);
        long committed = Volatile.Read(ref window.Committed);
        while (true)
        {
            if (committed > limit - units)
            {
                return new ValueTask<BudgetReservation>(Answer(key, window, committed, amountUsd, granted: false));
            }

            long seen = Interlocked.CompareExchange(ref window.Committed, committed + units, committed);
            if (seen == committed)
            {
                return new ValueTask<BudgetReservation>(Answer(key, window, committed, amountUsd, granted: true));
            }

            committed = seen;
        }
    }

    public ValueTask SettleAsync(BudgetReservation reservation, decimal actualUsd, CancellationToken cancellationToken)
    {
        if (reservation.IsGranted && _windows.TryGetValue(Id(reservation.Key), out Window? window))
        {
            long actual = Math.Max(0, Money.ToUnits(actualUsd));
            Money.Add(ref window.Committed, actual - Money.ToUnits(reservation.AmountUsd));
            Money.Add(ref window.Spent, actual);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<BudgetUsage> GetUsageAsync(BudgetKey key, CancellationToken cancellationToken)
    {
        if (!_windows.TryGetValue(Id(key), out Window? window))
        {
            return new ValueTask<BudgetUsage>(default(BudgetUsage));
        }

        long spent = Volatile.Read(ref window.Spent);
        long committed = Volatile.Read(ref window.Committed);
        return new ValueTask<BudgetUsage>(new BudgetUsage(Money.ToUsd(spent), Money.ToUsd(Math.Max(0, committed - spent))));
    }

    private static WindowId Id(BudgetKey key) => new(key.Budget, key.Caller, key.WindowStart.UtcTicks);

    /// <summary>What the window held just before this call's change: settled spend, and what other calls hold reserved.</summary>
    private static BudgetReservation Answer(BudgetKey key, Window window, long committedBefore, decimal amountUsd, bool granted)
    {
        long spent = Volatile.Read(ref window.Spent);
        return new BudgetReservation(key, granted ? amountUsd : 0, granted, Money.ToUsd(spent), Money.ToUsd(Math.Max(0, committedBefore - spent)));
    }

    private void Sweep()
    {
        long now = _time.GetUtcNow().UtcTicks;
        long next = Volatile.Read(ref _nextSweep);
        if (now < next || Interlocked.CompareExchange(ref _nextSweep, now + SweepInterval, next) != next)
        {
            return;
        }

        foreach (KeyValuePair<WindowId, Window> entry in _windows)
        {
            // A minute's grace lets calls that began in the window settle after it ends.
            if (entry.Value.End + SweepInterval < now)
            {
                _windows.TryRemove(entry);
            }
        }
    }

    private readonly record struct WindowId(string Budget, string? Caller, long Start);

    /// <summary>
    /// One budget window's totals, shared by every core on purpose: a reservation must see every other reservation at once
    /// for the limit to hold exactly.
    /// </summary>
    private sealed class Window(long end)
    {
        public readonly long End = end;

        // Spent plus reserved: the total a reservation must fit under.
        public long Committed;

        public long Spent;
    }
}
