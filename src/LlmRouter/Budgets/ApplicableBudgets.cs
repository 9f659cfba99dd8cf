namespace LlmRouter;

/// <summary>
/// Walks the budgets that apply to an attempt, in the order they are reserved: the router's, those of each route the request
/// went through, the caller budgets (when the request has a caller key and, for a route-scoped one, went through that
/// route), the deployment's. A mutable struct: keep it in a local and call <see cref="MoveNext"/> on that local.
/// </summary>
internal struct ApplicableBudgets(RouterRequest request, Deployment deployment)
{
    private int _group;
    private int _route;
    private int _index;

    /// <summary>Moves to the next budget that applies.</summary>
    /// <param name="budget">The budget.</param>
    /// <param name="caller">For a caller budget, the caller it is kept for; otherwise <see langword="null"/>.</param>
    /// <returns><see langword="false"/> when every budget was walked.</returns>
    public bool MoveNext(out Budget budget, out string? caller)
    {
        while (Current() is { } budgets)
        {
            if (_index >= budgets.Length)
            {
                Advance();
                continue;
            }

            budget = budgets[_index++];
            caller = null;
            if (budget.Scope == BudgetScope.Caller)
            {
                caller = request.CallerKey(budget.CallerProperty);
                if (caller is null || (budget.Caller is { } one && !string.Equals(caller, one, StringComparison.Ordinal))
                    || (budget.TargetRoute is { } only && !request.WentThrough(only)))
                {
                    continue;
                }
            }

            return true;
        }

        budget = null!;
        caller = null;
        return false;
    }

    private readonly Budget[]? Current() => _group switch
    {
        0 => request.Model.Cost.RouterBudgets,
        1 => _route < request.Path.Count ? request.Path[_route].Budgets : [],
        2 => request.Model.Cost.CallerBudgets,
        3 => deployment.Budgets,
        _ => null,
    };

    private void Advance()
    {
        _index = 0;
        if (_group == 1 && ++_route < request.Path.Count)
        {
            return;
        }

        _group++;
    }
}
