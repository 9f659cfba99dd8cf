namespace LlmRouter;

/// <summary>
/// The cost side of a routing model: the spend counters and budget ledger (both carried over from the previous model on a
/// reload), the budgets, the token estimator and the selection options. Immutable apart from the counters and ledger.
/// </summary>
internal sealed class CostSettings
{
    public CostSettings(
        SpendRegistry spend,
        IBudgetLedger ledger,
        Budget[] budgets,
        ITokenEstimator estimator,
        SelectionOptions selection)
    {
        Spend = spend;
        Ledger = ledger;
        Budgets = budgets;
        Estimator = estimator;
        Selection = selection.Snapshot();
        var router = new List<Budget>();
        var callers = new List<Budget>();
        foreach (Budget budget in budgets)
        {
            if (budget.Scope == BudgetScope.Router)
            {
                router.Add(budget);
            }
            else if (budget.Scope == BudgetScope.Caller)
            {
                callers.Add(budget);
            }
        }

        RouterBudgets = [.. router];
        CallerBudgets = [.. callers];
    }

    public SpendRegistry Spend { get; }

    public IBudgetLedger Ledger { get; }

    /// <summary>Gets every budget, in the order added.</summary>
    public Budget[] Budgets { get; }

    /// <summary>Gets the budgets of <see cref="BudgetScope.Router"/>.</summary>
    public Budget[] RouterBudgets { get; }

    /// <summary>Gets the budgets of <see cref="BudgetScope.Caller"/>.</summary>
    public Budget[] CallerBudgets { get; }

    public ITokenEstimator Estimator { get; }

    public SelectionOptions Selection { get; }

    /// <summary>Gets whether the default estimator is in use, whose output a quick character count bounds from above.</summary>
    public bool DefaultEstimator => ReferenceEquals(Estimator, TokenEstimators.Default);
}
