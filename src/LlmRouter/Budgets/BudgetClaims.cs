namespace LlmRouter;

/// <summary>
/// The budgets one attempt asks a shared ledger to reserve in one call (<see cref="BudgetReserver.Collect"/>): the charges
/// (the exempt budgets' already in them), and the budgets with their asks, in the same order.
/// </summary>
internal sealed record BudgetClaims(AttemptCharges Charges, Budget[] Budgets, BudgetAsk[] Asks);
