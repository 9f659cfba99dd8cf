namespace LlmRouter;

/// <summary>
/// What the router's calls have cost and where its budgets stand. Obtain it from the router with
/// <c>router.GetService&lt;IRouterSpend&gt;()</c>; use it for dashboards, chargeback and alerts.
/// </summary>
/// <remarks>
/// Totals count every call whose provider reported usage and whose deployment has a price (<see cref="Deployment.Price"/>):
/// served calls, failed calls that reported usage, and hedged calls that lost the race but completed. They are kept from
/// when the router was built, across configuration reloads, in memory. Thread-safe; each call takes a fresh snapshot.
/// </remarks>
public interface IRouterSpend
{
    /// <summary>Gets the router-wide total.</summary>
    /// <returns>The total; its <see cref="SpendTotal.Name"/> is <see langword="null"/>.</returns>
    SpendTotal GetTotal();

    /// <summary>Gets the total of each deployment, in the order they were added.</summary>
    /// <returns>One entry per deployment.</returns>
    IReadOnlyList<SpendTotal> GetDeploymentTotals();

    /// <summary>
    /// Gets the total of each route, in the order they were added: the cost of the requests that asked for the route, their
    /// fallbacks included; for a tiered or A/B route's requests, also on the route that served them.
    /// </summary>
    /// <returns>One entry per route.</returns>
    IReadOnlyList<SpendTotal> GetRouteTotals();

    /// <summary>
    /// Gets what the response cache (<c>UseResponseCache</c>) in front of the router saved: its hits and the cost of the calls
    /// they did not make. Hits are not calls: they are not in <see cref="GetTotal"/> and charge no budget.
    /// </summary>
    /// <returns>The savings; zero when no cache step is in front of the router.</returns>
    CacheSavings GetCacheSavings();

    /// <summary>Reads where each budget stands in its current window.</summary>
    /// <param name="caller">A caller key, to include the caller budgets' windows of that caller; <see langword="null"/> leaves caller budgets out.</param>
    /// <param name="cancellationToken">Cancels the reads from the budget ledger.</param>
    /// <returns>One entry per budget, in the order they were added.</returns>
    ValueTask<IReadOnlyList<BudgetStatus>> GetBudgetsAsync(string? caller = null, CancellationToken cancellationToken = default);
}
