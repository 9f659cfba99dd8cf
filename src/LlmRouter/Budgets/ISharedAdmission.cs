namespace LlmRouter;

/// <summary>
/// A shared budget ledger that keeps rate-limit counters on the same server, so everything a call must take before it is sent
/// (its caller's and its deployment's counters, and a reservation on every budget that applies) is taken in one call, one
/// round trip: all of it or none. The router uses it when the ledger implements it and <see cref="Keeps"/> its rate-limit
/// store; otherwise it asks the store and the ledger apart.
/// </summary>
/// <remarks>Thread-safe; called concurrently on the request path.</remarks>
internal interface ISharedAdmission
{
    /// <summary>Whether <paramref name="store"/>'s counters live where this ledger's budgets do, so one call can take both.</summary>
    bool Keeps(IRateLimitStore store);

    /// <summary>
    /// Takes every counter's amount and reserves every budget's amount, or takes nothing. While the server is unavailable and
    /// the router fails open, the budgets are reserved in this process and the answer says the counters must be counted here.
    /// </summary>
    /// <param name="counters">The rate-limit counters, as <see cref="IRateLimitStore.TryAcquireAsync"/> takes them; may be empty.</param>
    /// <param name="budgets">The budget reservations to make; may be empty.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The decision; when granted, <see cref="SharedAdmissionDecision.Budgets"/> holds each budget's reservation.</returns>
    ValueTask<SharedAdmissionDecision> TryAdmitAsync(RateLimitCounter[] counters, BudgetAsk[] budgets, CancellationToken cancellationToken);
}

/// <summary>A reservation to make on a budget's window: its limit and the amount, in USD.</summary>
internal readonly record struct BudgetAsk(BudgetKey Key, decimal LimitUsd, decimal AmountUsd);
