namespace LlmRouter;

/// <summary>The router's <see cref="IRouterSpend"/>: spend totals and budget windows, read from the router's current model.</summary>
internal sealed class RouterSpend(RouterModelHost models, TimeProvider time) : IRouterSpend
{
    /// <inheritdoc />
    public SpendTotal GetTotal() => models.Current.Cost.Spend.Total();

    /// <inheritdoc />
    public IReadOnlyList<SpendTotal> GetDeploymentTotals()
    {
        Deployment[] deployments = models.Current.Deployments;
        var totals = new SpendTotal[deployments.Length];
        for (int i = 0; i < deployments.Length; i++)
        {
            totals[i] = deployments[i].Spend.Snapshot();
        }

        return totals;
    }

    /// <inheritdoc />
    public IReadOnlyList<SpendTotal> GetRouteTotals()
    {
        Route[] routes = models.Current.Routes;
        var totals = new SpendTotal[routes.Length];
        for (int i = 0; i < routes.Length; i++)
        {
            totals[i] = routes[i].Spend.Snapshot();
        }

        return totals;
    }

    /// <inheritdoc />
    public CacheSavings GetCacheSavings()
    {
        SpendTotal hits = models.Current.Cost.Spend.Cache.Snapshot();
        return new CacheSavings { Hits = hits.Calls + hits.UncostedCalls, SavedUsd = hits.CostUsd, UncostedHits = hits.UncostedCalls };
    }

    /// <summary>Counts a response-cache hit that saved <paramref name="savedUsd"/> (unknown when <see langword="null"/>).</summary>
    internal void RecordCacheHit(decimal? savedUsd)
    {
        SpendCounter cache = models.Current.Cost.Spend.Cache;
        if (savedUsd is { } saved)
        {
            cache.Add(Money.ToUnits(saved));
        }
        else
        {
            cache.AddUncosted();
        }
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<BudgetStatus>> GetBudgetsAsync(string? caller = null, CancellationToken cancellationToken = default)
    {
        CostSettings cost = models.Current.Cost;
        DateTimeOffset now = time.GetUtcNow();
        var statuses = new List<BudgetStatus>(cost.Budgets.Length);
        foreach (Budget budget in cost.Budgets)
        {
            if (budget.Scope == BudgetScope.Caller && caller is null)
            {
                continue;
            }

            BudgetKey key = budget.Key(now, budget.Scope == BudgetScope.Caller ? caller : null);
            BudgetUsage usage = await cost.Ledger.GetUsageAsync(key, cancellationToken).ConfigureAwait(false);
            statuses.Add(new BudgetStatus
            {
                Name = budget.Name,
                Scope = budget.Scope,
                Target = budget.Target,
                Caller = key.Caller,
                Window = budget.Window,
                LimitUsd = budget.LimitUsd,
                SpentUsd = usage.SpentUsd,
                ReservedUsd = usage.ReservedUsd,
                WindowStart = key.WindowStart,
                ResetsAt = key.WindowEnd,
            });
        }

        return statuses;
    }
}
