namespace LlmRouter;

/// <summary>
/// Identifies one window of one budget (and, for a caller budget, one caller) in an <see cref="IBudgetLedger"/>. A distributed
/// ledger names its record after <see cref="Budget"/>, <see cref="Caller"/> and <see cref="WindowStart"/>, and lets it expire
/// after <see cref="WindowEnd"/>, so that abandoned reservations cannot outlive their window.
/// </summary>
/// <param name="Budget">The budget's name.</param>
/// <param name="Caller">The caller's key for a <see cref="BudgetScope.Caller"/> budget; otherwise <see langword="null"/>.</param>
/// <param name="WindowStart">When the window began (UTC).</param>
/// <param name="WindowEnd">When the window ends and the budget resets (UTC).</param>
public readonly record struct BudgetKey(string Budget, string? Caller, DateTimeOffset WindowStart, DateTimeOffset WindowEnd);
