namespace LlmRouter;

/// <summary>What happens to a request that an exhausted budget cannot cover.</summary>
public enum BudgetExceededAction
{
    /// <summary>The request fails with a <see cref="BudgetExceededException"/> (a deployment budget instead takes its deployment out of rotation).</summary>
    Reject = 0,

    /// <summary>
    /// The request is served by the budget's <see cref="BudgetOptions.DowngradeTo"/> route instead, usually a cheaper one. Its cost
    /// still counts toward the exhausted budget, which does not limit it any further; other budgets still apply.
    /// </summary>
    Downgrade = 1,
}
