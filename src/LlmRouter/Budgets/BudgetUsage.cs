namespace LlmRouter;

/// <summary>What one budget window holds, from <see cref="IBudgetLedger.GetUsageAsync"/>.</summary>
/// <param name="SpentUsd">The settled spend, in USD.</param>
/// <param name="ReservedUsd">The amount reserved by calls in flight, in USD.</param>
public readonly record struct BudgetUsage(decimal SpentUsd, decimal ReservedUsd);
