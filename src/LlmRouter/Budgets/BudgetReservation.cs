namespace LlmRouter;

/// <summary>
/// The answer of <see cref="IBudgetLedger.TryReserveAsync"/>: whether the amount was reserved, and what the window held at that
/// moment. A granted reservation must be settled exactly once with <see cref="IBudgetLedger.SettleAsync"/>.
/// </summary>
/// <param name="Key">The budget window.</param>
/// <param name="AmountUsd">The amount reserved, in USD; 0 for a charge that needs no reservation (see <see cref="Charge"/>).</param>
/// <param name="IsGranted">Whether the amount was reserved.</param>
/// <param name="SpentUsd">The settled spend in the window when the ledger answered, in USD.</param>
/// <param name="ReservedUsd">The amount other calls in flight held reserved in the window when the ledger answered (this one excluded), in USD.</param>
public readonly record struct BudgetReservation(BudgetKey Key, decimal AmountUsd, bool IsGranted, decimal SpentUsd, decimal ReservedUsd)
{
    /// <summary>Creates a granted reservation of nothing, which settles as a plain charge: for spend that the budget must count but not limit.</summary>
    /// <param name="key">The budget window.</param>
    /// <returns>The reservation.</returns>
    public static BudgetReservation Charge(BudgetKey key) => new(key, 0, IsGranted: true, SpentUsd: 0, ReservedUsd: 0);
}
