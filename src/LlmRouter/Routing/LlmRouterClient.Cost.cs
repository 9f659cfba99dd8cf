using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// Cost: what each attempt cost (usage × its deployment's price), the spend totals (<see cref="IRouterSpend"/>), the statistics
/// the learning strategies rank by, and the settlement of budget reservations.
/// </summary>
internal sealed partial class LlmRouterClient : IRouterSpend
{
    /// <summary>How an attempt ended, for what its budget reservations settle at when it reported no usage.</summary>
    private enum AttemptEnd
    {
        /// <summary>It answered: without usage, it is charged its estimate.</summary>
        Served,

        /// <summary>The provider failed it: without usage, nothing was billed.</summary>
        Failed,

        /// <summary>It was cancelled or abandoned after it started, or lost a hedged race: without usage, it is charged its estimate, as providers bill what they generated.</summary>
        Stopped,
    }

    /// <inheritdoc />
    public SpendTotal GetTotal() => _model.Cost.Spend.Total.Snapshot();

    /// <inheritdoc />
    public IReadOnlyList<SpendTotal> GetDeploymentTotals()
    {
        Deployment[] deployments = _model.Deployments;
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
        Route[] routes = _model.Routes;
        var totals = new SpendTotal[routes.Length];
        for (int i = 0; i < routes.Length; i++)
        {
            totals[i] = routes[i].Spend.Snapshot();
        }

        return totals;
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<BudgetStatus>> GetBudgetsAsync(string? caller = null, CancellationToken cancellationToken = default)
    {
        CostSettings cost = _model.Cost;
        DateTimeOffset now = _time.GetUtcNow();
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

    /// <summary>
    /// Records what an ended attempt cost, once: adds it to the request and the spend totals (router, deployment, the route
    /// asked for and the serving route), feeds the output-token average, and settles the attempt's budget reservations.
    /// </summary>
    /// <returns>The attempt's cost in USD, or <see langword="null"/> when it reported no usage or its deployment has no price.</returns>
    private decimal? Charge(RouterRequest? request, ref Attempt attempt, UsageDetails? usage, AttemptEnd end)
    {
        if (attempt.Charged)
        {
            return null;
        }

        attempt.Charged = true;
        Deployment deployment = attempt.Deployment;
        SpendRegistry spend = _model.Cost.Spend;
        decimal? cost = null;
        if (usage is not null)
        {
            if (usage.OutputTokenCount is { } output)
            {
                deployment.State.Statistics.RecordOutputTokens(output, _model.Selection.SampleWeight);
            }

            if (deployment.Price is { } price)
            {
                decimal usd = CostCalculator.Calculate(usage, price);
                cost = usd;
                long units = Money.ToUnits(usd);
                spend.Total.Add(units);
                deployment.Spend.Add(units);
                attempt.Asked.Spend.Add(units);
                if (!ReferenceEquals(attempt.Requested, attempt.Asked))
                {
                    attempt.Requested.Spend.Add(units);
                }

                request?.AddCost(usd);
            }
        }

        if (cost is null && end == AttemptEnd.Served)
        {
            spend.Total.AddUncosted();
            deployment.Spend.AddUncosted();
            attempt.Asked.Spend.AddUncosted();
            if (!ReferenceEquals(attempt.Requested, attempt.Asked))
            {
                attempt.Requested.Spend.AddUncosted();
            }
        }

        if (attempt.Charges is { } charges)
        {
            attempt.Charges = null;
            Settle(charges, cost ?? (end == AttemptEnd.Failed ? 0 : charges.EstimateUsd));
        }

        return cost;
    }

    /// <summary>Replaces an attempt's reservations by what it cost; a ledger that answers asynchronously is not waited for.</summary>
    private void Settle(AttemptCharges charges, decimal actualUsd)
    {
        foreach (BudgetReservation reservation in charges.Reservations)
        {
            try
            {
                ValueTask settled = charges.Ledger.SettleAsync(reservation, actualUsd, CancellationToken.None);
                if (!settled.IsCompletedSuccessfully)
                {
                    _ = ObserveSettlementAsync(settled, reservation.Key.Budget);
                }
            }
#pragma warning disable CA1031 // A ledger that cannot record spend must not fail a request that already has its answer; it is logged.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                Log.BudgetSettlementFailed(_logger, reservation.Key.Budget, exception);
            }
        }
    }

    private async Task ObserveSettlementAsync(ValueTask settled, string budget)
    {
        try
        {
            await settled.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // See Settle.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Log.BudgetSettlementFailed(_logger, budget, exception);
        }
    }

    /// <summary>Records a stream's time to first chunk for deployments a latency-ranked route times.</summary>
    private void FirstChunkTimed(in Attempt attempt)
    {
        if (attempt.Deployment.TracksLatency)
        {
            attempt.Deployment.State.Statistics.RecordFirstChunk(Seconds(attempt.StartedAt, _time.GetTimestamp()), _model.Selection.SampleWeight);
        }
    }

    /// <summary>Records a call's duration (a non-streaming success, or any timeout) for deployments a latency-ranked route times.</summary>
    private void Timed(in Attempt attempt, long now, bool firstChunk)
    {
        if (attempt.Deployment.TracksLatency)
        {
            DeploymentStatistics statistics = attempt.Deployment.State.Statistics;
            double seconds = Seconds(attempt.StartedAt, now);
            if (firstChunk)
            {
                statistics.RecordFirstChunk(seconds, _model.Selection.SampleWeight);
            }
            else
            {
                statistics.RecordLatency(seconds, _model.Selection.SampleWeight);
            }
        }
    }

    private double Seconds(long start, long end) => (end - start) / (double)_time.TimestampFrequency;
}
