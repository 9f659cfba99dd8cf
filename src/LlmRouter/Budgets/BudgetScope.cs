namespace LlmRouter;

/// <summary>What a budget limits: the spend of the whole router, of one route, of one deployment, or of each caller.</summary>
public enum BudgetScope
{
    /// <summary>Every call the router makes.</summary>
    Router = 0,

    /// <summary>
    /// The requests that ask for one route (<see cref="BudgetOptions.Target"/>), directly or through a tiered or A/B route, the
    /// calls of its fallback routes included.
    /// </summary>
    Route = 1,

    /// <summary>
    /// The calls of one deployment (<see cref="BudgetOptions.Target"/>). An exhausted deployment budget takes the deployment out
    /// of rotation until its window resets: requests go to their routes' other candidates.
    /// </summary>
    Deployment = 2,

    /// <summary>
    /// Each caller separately, by the value of <see cref="BudgetOptions.CallerProperty"/> in <c>ChatOptions.AdditionalProperties</c>
    /// (a user, team or tenant id): every caller gets the whole limit. Requests without a caller key are not limited by it.
    /// </summary>
    Caller = 3,
}
