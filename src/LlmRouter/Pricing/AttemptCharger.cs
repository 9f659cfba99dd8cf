using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// Charging: what an ended attempt cost (its usage × its deployment's price), added once to the request and to the spend
/// totals of the deployment (which sum to the router's), the route asked for and the serving route; the observed output average the cost
/// estimates use; and the settlement of the attempt's budget reservations.
/// </summary>
/// <remarks>Thread-safe: the totals are lock-free counters and each attempt is charged by the one caller that ends it.</remarks>
internal sealed class AttemptCharger(BudgetReserver budgets, RateLimiting? rateLimits = null)
{
    /// <summary>Records what an ended attempt cost, once; later calls for the same attempt do nothing.</summary>
    /// <param name="model">The routing model the attempt ran on.</param>
    /// <param name="request">The request, to add the cost to; <see langword="null"/> for an attempt that outlived its request (a hedge's loser).</param>
    /// <param name="attempt">The attempt; marked charged, its reservations cleared.</param>
    /// <param name="usage">The usage the provider reported, or <see langword="null"/>.</param>
    /// <param name="end">How the attempt ended, for what its reservations settle at without usage.</param>
    /// <param name="endedAt">When a served attempt ended, for its output rate in the deployment's latency window; 0 to read the clock if a window needs it.</param>
    /// <param name="servedTier">The service tier the response says served it, or <see langword="null"/>: the request's tier is billed then.</param>
    /// <returns>The attempt's cost in USD, or <see langword="null"/> when it reported no usage or its deployment has no price.</returns>
    public decimal? Charge(RouterModel model, RouterRequest? request, ref Attempt attempt, UsageDetails? usage, AttemptEnd end, long endedAt = 0, string? servedTier = null)
    {
        if (attempt.Charged)
        {
            return null;
        }

        attempt.Charged = true;
        Deployment deployment = attempt.Deployment;
        decimal? cost = null;
        if (usage is not null)
        {
            if (usage.OutputTokenCount is { } output)
            {
                deployment.State.Statistics.RecordOutputTokens(output, model.Selection.SampleWeight);
                if (end == AttemptEnd.Served && deployment.State.Statistics.Window is { } window)
                {
                    long now = endedAt != 0 ? endedAt : model.Time.GetTimestamp();
                    double seconds = (now - attempt.StartedAt) / (double)model.Time.TimestampFrequency;
                    if (seconds > 0)
                    {
                        window.RecordOutputRate(output / seconds, now);
                    }
                }
            }

            if (deployment.Price is { } price)
            {
                // The clock is read only for a price with a scheduled change: the price in force when the attempt ends applies, at
                // the service tier that served the call (else the one asked for).
                ModelPrice inForce = price.Then is null ? price : price.At(model.Time.GetUtcNow());
                decimal usd = CostCalculator.Calculate(usage, ServiceTierProperty.Billed(inForce, servedTier, request?.Options));
                cost = usd;
                long units = Money.ToUnits(usd);
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
            deployment.Spend.AddUncosted();
            attempt.Asked.Spend.AddUncosted();
            if (!ReferenceEquals(attempt.Requested, attempt.Asked))
            {
                attempt.Requested.Spend.AddUncosted();
            }
        }

        if (attempt.RateLimit.Limit is not null || request is { RateLimited: true })
        {
            SettleRateLimits(request, ref attempt, usage, end);
        }

        if (attempt.Charges is { } charges)
        {
            attempt.Charges = null;
            budgets.Settle(charges, cost ?? (end == AttemptEnd.Failed ? 0 : charges.EstimateUsd));
        }

        return cost;
    }

    /// <summary>Settles the tokens the attempt reserved on its deployment's limit, and counts what it used toward its caller's.</summary>
    private void SettleRateLimits(RouterRequest? request, ref Attempt attempt, UsageDetails? usage, AttemptEnd end)
    {
        RateLimitHold hold = attempt.RateLimit;
        attempt.RateLimit = default;
        rateLimits?.Settle(hold, usage, failed: end == AttemptEnd.Failed);
        request?.CallerHolds.Used(RateLimiting.Tokens(usage), failed: end == AttemptEnd.Failed);
    }
}
