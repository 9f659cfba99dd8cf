namespace LlmRouter;

/// <summary>
/// Describes a spend limit for <see cref="LlmRouterBuilder.AddBudget(string, Action{BudgetOptions})"/>: how many US dollars the
/// router, a route, a deployment or each caller may spend per window, and what happens beyond. Configuration section:
/// <c>Budgets:{name}</c>.
/// </summary>
/// <remarks>
/// <para>
/// Before each call the router reserves the call's estimated cost (estimated input tokens × input price + expected output
/// tokens × output price) on every budget that applies, atomically, and only when it fits: spend plus reservations in flight plus
/// this estimate must not exceed <see cref="LimitUsd"/>. When the call ends, the reservation is replaced by the actual cost
/// (the estimate when the provider reported no usage; nothing when the call failed without usage). So concurrent requests never
/// overspend a budget together; spend exceeds a limit only by what actual costs exceed their estimates.
/// </para>
/// <para>Every deployment a budget can charge must have a known price (<see cref="Deployment.Price"/>); the router checks this when built.</para>
/// <para>Read once when the router is built; changing an instance afterwards has no effect on a built router.</para>
/// </remarks>
public sealed class BudgetOptions
{
    /// <summary>Gets or sets what the budget limits.</summary>
    /// <value>The default is <see cref="BudgetScope.Router"/>.</value>
    public BudgetScope Scope { get; set; } = BudgetScope.Router;

    /// <summary>
    /// Gets or sets the route (<see cref="BudgetScope.Route"/>) or deployment (<see cref="BudgetScope.Deployment"/>) the budget
    /// limits; for <see cref="BudgetScope.Caller"/>, optionally a route that limits each caller's spend on that route only.
    /// </summary>
    /// <value>The default is <see langword="null"/>.</value>
    public string? Target { get; set; }

    /// <summary>Gets or sets the <c>ChatOptions.AdditionalProperties</c> key whose value identifies the caller, for <see cref="BudgetScope.Caller"/>.</summary>
    /// <value>The default is <see cref="LlmRouterRequestProperties.Caller"/> (<c>llmrouter.caller</c>).</value>
    public string CallerProperty { get; set; } = LlmRouterRequestProperties.Caller;

    /// <summary>
    /// Gets or sets the one caller (a value of <see cref="CallerProperty"/>, compared exactly) a <see cref="BudgetScope.Caller"/>
    /// budget limits, such as a tenant or an API key with a budget of its own; other callers are not limited by it.
    /// </summary>
    /// <value>The default is <see langword="null"/>: each caller separately, every one with the whole limit.</value>
    public string? Caller { get; set; }

    /// <summary>Gets or sets the period the limit applies to.</summary>
    /// <value>The default is <see cref="BudgetWindow.Day"/>.</value>
    public BudgetWindow Window { get; set; } = BudgetWindow.Day;

    /// <summary>Gets or sets the most that may be spent per window, in US dollars; must be more than 0.</summary>
    /// <value>The default is 0, which is invalid: set a limit.</value>
    public decimal LimitUsd { get; set; }

    /// <summary>Gets or sets what happens to a request the budget cannot cover.</summary>
    /// <value>The default is <see cref="BudgetExceededAction.Reject"/>.</value>
    public BudgetExceededAction OnExceeded { get; set; } = BudgetExceededAction.Reject;

    /// <summary>Gets or sets the route that serves requests the budget cannot cover, with <see cref="BudgetExceededAction.Downgrade"/>.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public string? DowngradeTo { get; set; }
}
