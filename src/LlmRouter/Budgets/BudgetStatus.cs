namespace LlmRouter;

/// <summary>Where one budget stands in its current window, from <see cref="IRouterSpend.GetBudgetsAsync"/>.</summary>
public sealed record BudgetStatus
{
    /// <summary>Gets the budget's name.</summary>
    public required string Name { get; init; }

    /// <summary>Gets what the budget limits.</summary>
    public BudgetScope Scope { get; init; }

    /// <summary>Gets the route or deployment the budget limits, or <see langword="null"/>.</summary>
    public string? Target { get; init; }

    /// <summary>Gets the caller whose window this is, for a caller budget; otherwise <see langword="null"/>.</summary>
    public string? Caller { get; init; }

    /// <summary>Gets the budget's window.</summary>
    public BudgetWindow Window { get; init; }

    /// <summary>Gets the limit per window, in USD.</summary>
    public decimal LimitUsd { get; init; }

    /// <summary>Gets the settled spend of the current window, in USD.</summary>
    public decimal SpentUsd { get; init; }

    /// <summary>Gets what calls in flight hold reserved, in USD.</summary>
    public decimal ReservedUsd { get; init; }

    /// <summary>Gets what is left to reserve in the current window, in USD; never negative.</summary>
    public decimal RemainingUsd => Math.Max(0, LimitUsd - SpentUsd - ReservedUsd);

    /// <summary>Gets when the current window began.</summary>
    public DateTimeOffset WindowStart { get; init; }

    /// <summary>Gets when the current window ends and the budget starts again from zero.</summary>
    public DateTimeOffset ResetsAt { get; init; }
}
