namespace LlmRouter;

/// <summary>
/// Where budget spend is kept. The router uses an in-memory ledger by default; replace it with
/// <see cref="LlmRouterBuilder.UseBudgetLedger(IBudgetLedger)"/> (or register an <see cref="IBudgetLedger"/> in the container)
/// to share budgets between processes.
/// </summary>
/// <remarks>
/// <para>
/// The contract a shared implementation (Redis, a database) must keep: <see cref="TryReserveAsync"/> is one atomic
/// check-and-add on the window's <i>spent + reserved</i> total; <see cref="SettleAsync"/> is one atomic adjustment of that total by
/// <c>actual − reserved</c> plus an increment of the spent total; each window's record expires after
/// <see cref="BudgetKey.WindowEnd"/>, so reservations of a process that died do not hold budget beyond their window. Amounts are
/// US dollars; an implementation may round them to a fixed resolution (the in-memory ledger keeps 10⁻¹⁰ USD).
/// </para>
/// <para>
/// Methods are called concurrently for every budgeted call and must be thread-safe. The router calls
/// <see cref="SettleAsync"/> without awaiting it when it does not complete synchronously; exceptions from
/// <see cref="TryReserveAsync"/> fail the request.
/// </para>
/// </remarks>
public interface IBudgetLedger
{
    /// <summary>Reserves <paramref name="amountUsd"/> in a window if spent plus reserved plus the amount stays within <paramref name="limitUsd"/>.</summary>
    /// <param name="key">The budget window.</param>
    /// <param name="limitUsd">The window's limit, in USD.</param>
    /// <param name="amountUsd">The amount to reserve (the call's estimated cost), in USD; not negative.</param>
    /// <param name="cancellationToken">Cancels the reservation.</param>
    /// <returns>The reservation, granted or not, with what the window held.</returns>
    ValueTask<BudgetReservation> TryReserveAsync(BudgetKey key, decimal limitUsd, decimal amountUsd, CancellationToken cancellationToken);

    /// <summary>Replaces a granted reservation by the actual cost: releases <see cref="BudgetReservation.AmountUsd"/> and adds <paramref name="actualUsd"/> to the spend.</summary>
    /// <param name="reservation">A granted reservation (or <see cref="BudgetReservation.Charge"/>).</param>
    /// <param name="actualUsd">What the call cost, in USD; 0 when it cost nothing.</param>
    /// <param name="cancellationToken">Cancels the settlement; the router passes none.</param>
    /// <returns>A task that completes when the spend is recorded.</returns>
    ValueTask SettleAsync(BudgetReservation reservation, decimal actualUsd, CancellationToken cancellationToken);

    /// <summary>Reads what a window holds; a window never used holds nothing.</summary>
    /// <param name="key">The budget window.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The spent and reserved amounts.</returns>
    ValueTask<BudgetUsage> GetUsageAsync(BudgetKey key, CancellationToken cancellationToken);
}
