namespace LlmRouter;

/// <summary>What <see cref="ISharedAdmission.TryAdmitAsync"/> answered.</summary>
/// <param name="RefusedCounter">The index of a counter that had too little, else -1.</param>
/// <param name="RetryAfter">For a refused counter, how long until it holds the amount.</param>
/// <param name="RefusedBudget">The index of a budget that could not cover its amount, else -1.</param>
/// <param name="Budgets">
/// Each budget's reservation, in the order asked: granted ones when every counter and budget was taken; the refused one at
/// <paramref name="RefusedBudget"/> with what its window held. Empty when a counter refused.
/// </param>
/// <param name="CountersUnavailable">
/// Whether the server could not be reached and the router fails open: the budgets were decided in this process, and the counters
/// (none of them taken) must be counted here.
/// </param>
internal readonly record struct SharedAdmissionDecision(int RefusedCounter, TimeSpan RetryAfter, int RefusedBudget, BudgetReservation[] Budgets, bool CountersUnavailable)
{
    /// <summary>Gets whether every counter and budget was taken (or, with <see cref="CountersUnavailable"/>, every budget).</summary>
    public bool Granted => RefusedCounter < 0 && RefusedBudget < 0;
}
