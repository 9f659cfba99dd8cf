namespace LlmRouter;

/// <summary>
/// Budgets: before each attempt, its estimated cost is reserved on every budget that applies, atomically; a refusal rejects the
/// request, downgrades it to a cheaper route, or (for a deployment budget) passes the candidate over.
/// </summary>
internal sealed partial class LlmRouterClient
{
    /// <summary>Reserves the attempt's estimated cost on the budgets that apply.</summary>
    /// <returns>
    /// Whether to call the candidate, with the reservations to settle when the attempt ends. When not, the candidate was given
    /// back (a deployment budget passed it over, or a budget moved the request to another route) and the caller picks the next.
    /// </returns>
    /// <exception cref="BudgetExceededException">A budget that rejects could not cover the attempt.</exception>
    private ValueTask<Admission> ReserveAsync(RouterRequest request, Candidate candidate, CancellationToken cancellationToken) =>
        request.Budgeted ? ReserveBudgetsAsync(request, candidate, cancellationToken) : new ValueTask<Admission>(new Admission(Proceed: true, Charges: null));

    private async ValueTask<Admission> ReserveBudgetsAsync(RouterRequest request, Candidate candidate, CancellationToken cancellationToken)
    {
        CostSettings cost = request.Model.Cost;
        Deployment deployment = candidate.Deployment;
        int capacity = cost.RouterBudgets.Length + cost.CallerBudgets.Length + deployment.Budgets.Length;
        foreach (Route route in request.Path)
        {
            capacity += route.Budgets.Length;
        }

        if (capacity == 0)
        {
            return new Admission(Proceed: true, Charges: null);
        }

        decimal estimate = deployment.Price is { } price
            ? CostCalculator.Estimate(request.EstimatedInputTokens, CheapestSelectionStrategy.ExpectedOutput(request.Options, deployment), price)
            : 0;
        var charges = new AttemptCharges(cost.Ledger, capacity, estimate);
        DateTimeOffset now = _time.GetUtcNow();
        bool handedBack = false;
        try
        {
            for (int group = 0; group < 4; group++)
            {
                int routes = group == 1 ? request.Path.Count : 1;
                for (int r = 0; r < routes; r++)
                {
                    Budget[] budgets = group switch
                    {
                        0 => cost.RouterBudgets,
                        1 => request.Path[r].Budgets,
                        2 => cost.CallerBudgets,
                        _ => deployment.Budgets,
                    };
                    foreach (Budget budget in budgets)
                    {
                        string? caller = null;
                        if (budget.Scope == BudgetScope.Caller)
                        {
                            caller = request.CallerKey(budget.CallerProperty);
                            if (caller is null || (budget.TargetRoute is { } only && !Contains(request.Path, only)))
                            {
                                continue;
                            }
                        }

                        BudgetKey key = budget.Key(now, caller);
                        if (request.IsExempt(budget))
                        {
                            charges.Add(BudgetReservation.Charge(key));
                            continue;
                        }

                        BudgetReservation reservation = await cost.Ledger.TryReserveAsync(key, budget.LimitUsd, estimate, cancellationToken).ConfigureAwait(false);
                        if (reservation.IsGranted)
                        {
                            charges.Add(reservation);
                            continue;
                        }

                        handedBack = true;
                        Settle(charges, 0);
                        RouterRequest.Unadmit(candidate);
                        return Refused(request, candidate, budget, reservation, estimate);
                    }
                }
            }
        }
        catch when (!handedBack)
        {
            Settle(charges, 0);
            RouterRequest.Unadmit(candidate);
            throw;
        }

        return new Admission(Proceed: true, charges.Count > 0 ? charges : null);
    }

    /// <summary>Acts on a budget's refusal: passes a deployment over, downgrades the request, or rejects it.</summary>
    private Admission Refused(RouterRequest request, in Candidate candidate, Budget budget, BudgetReservation reservation, decimal estimate)
    {
        BudgetKey key = reservation.Key;
        if (budget.Scope == BudgetScope.Deployment)
        {
            request.Skip(
                $"{candidate.Deployment.Name} (budget '{budget.Name}' of {BudgetExceededException.Usd(budget.LimitUsd)} per {Describe(budget.Window)} is spent: " +
                $"{BudgetExceededException.Usd(reservation.SpentUsd)} spent, {BudgetExceededException.Usd(reservation.ReservedUsd)} reserved, " +
                $"{BudgetExceededException.Usd(estimate)} needed; resets at {key.WindowEnd.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC)");
            return new Admission(Proceed: false, Charges: null);
        }

        if (budget.OnExceeded == BudgetExceededAction.Downgrade && budget.DowngradeTo is { } downgrade)
        {
            Log.Downgraded(_logger, request.Asked.Name, budget.Name, downgrade.Name);
            request.Untry(candidate.Deployment);
            request.Downgrade(budget);
            return new Admission(Proceed: false, Charges: null);
        }

        var exception = new BudgetExceededException(
            request.Asked.Name,
            budget.Name,
            budget.Scope,
            budget.Scope == BudgetScope.Caller ? budget.TargetRoute?.Name : budget.Target,
            key.Caller,
            budget.Window,
            budget.LimitUsd,
            reservation.SpentUsd,
            reservation.ReservedUsd,
            estimate,
            key.WindowEnd);
        request.Telemetry.Failure = exception;
        Log.BudgetExceeded(_logger, request.Asked.Name, budget.Name, exception);
        throw exception;
    }

    private static bool Contains(IReadOnlyList<Route> routes, Route route)
    {
        for (int i = 0; i < routes.Count; i++)
        {
            if (ReferenceEquals(routes[i], route))
            {
                return true;
            }
        }

        return false;
    }

    private static string Describe(BudgetWindow window) => window switch
    {
        BudgetWindow.Minute => "minute",
        BudgetWindow.Hour => "hour",
        BudgetWindow.Day => "day",
        _ => "month",
    };

    /// <summary>Whether to call an admitted candidate, and the budget reservations its attempt holds.</summary>
    private readonly record struct Admission(bool Proceed, AttemptCharges? Charges);
}
