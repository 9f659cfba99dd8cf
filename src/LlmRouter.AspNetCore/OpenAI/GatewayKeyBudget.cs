namespace LlmRouter;

/// <summary>
/// A virtual key's own spend limit (<c>LlmRouter:Gateway:Keys:{name}:Budget</c>): the router enforces it as a budget of
/// <see cref="BudgetScope.Caller"/> for the key's caller alone (<see cref="BudgetOptions.Caller"/>), named <c>gateway-key:{name}</c>,
/// so a spent key gets 429 with <c>Retry-After</c> while other keys go on.
/// </summary>
/// <remarks>
/// Like any caller budget it needs a known price on every deployment the key can reach, and counts in the router's ledger
/// (shared between instances with <c>LlmRouter.Redis</c>). Its spend is kept while the key keeps its name and window.
/// </remarks>
public sealed class GatewayKeyBudget
{
    /// <summary>Gets or sets the most the key may spend per <see cref="Window"/>, in US dollars; must be more than 0.</summary>
    /// <value>The default is 0, which is invalid: set a limit.</value>
    public decimal LimitUsd { get; set; }

    /// <summary>Gets or sets the period the limit applies to.</summary>
    /// <value>The default is <see cref="BudgetWindow.Day"/>.</value>
    public BudgetWindow Window { get; set; } = BudgetWindow.Day;
}
