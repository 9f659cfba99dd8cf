using Microsoft.Extensions.Logging;

namespace LlmRouter;

/// <summary>
/// Budgets on the request path: before each attempt, its estimated cost is reserved on every budget that applies (the router's,
/// the routes the request went through, the caller's, the deployment's); when the attempt ends, each reservation is settled
/// at what the attempt cost. A refusal passes a deployment over, downgrades the request to a cheaper route, or rejects it.
/// </summary>
/// <remarks>Thread-safe; the ledger (<see cref="IBudgetLedger"/>) keeps the reservations atomic.</remarks>
internal sealed class BudgetReserver(TimeProvider time, ILogger logger)
{
    /// <summary>Reserves the estimated cost of an attempt of <paramref name="candidate"/> on the budgets that apply.</summary>
    /// <returns>
    /// The admission to start the attempt with, holding the reservations to settle when it ends; <see langword="default"/>
    /// when the candidate was given back (a deployment budget passed it over, or a budget moved the request to another route)
    /// and the caller picks the next.
    /// </returns>
    /// <exception cref="BudgetExceededException">A budget that rejects could not cover the attempt.</exception>
    public ValueTask<Admission> ReserveAsync(RouterRequest request, Candidate candidate, CancellationToken cancellationToken) =>
        request.Budgeted ? ReserveBudgetsAsync(request, candidate, cancellationToken) : new ValueTask<Admission>(new Admission(candidate, charges: null));

    /// <summary>Replaces an attempt's reservations by what it cost; a ledger that answers asynchronously is not waited for.</summary>
    public void Settle(AttemptCharges charges, decimal actualUsd)
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
                Log.BudgetSettlementFailed(logger, reservation.Key.Budget, exception);
            }
        }
    }

    private async ValueTask<Admission> ReserveBudgetsAsync(RouterRequest request, Candidate candidate, CancellationToken cancellationToken)
    {
        if (request.Model.Cost.Ledger is ISharedAdmission shared)
        {
            return await ReserveTogetherAsync(request, candidate, shared, cancellationToken).ConfigureAwait(false);
        }

        DateTimeOffset now = time.GetUtcNow();
        if (Charges(request, candidate, now) is not { } charges)
        {
            return new Admission(candidate, charges: null);
        }

        bool handedBack = false;
        try
        {
            var applicable = new ApplicableBudgets(request, candidate.Deployment);
            while (applicable.MoveNext(out Budget budget, out string? caller))
            {
                BudgetKey key = budget.Key(now, caller);
                if (request.IsExempt(budget))
                {
                    charges.Add(BudgetReservation.Charge(key));
                    continue;
                }

                BudgetReservation reservation = await charges.Ledger.TryReserveAsync(key, budget.LimitUsd, charges.EstimateUsd, cancellationToken).ConfigureAwait(false);
                if (reservation.IsGranted)
                {
                    charges.Add(reservation);
                    continue;
                }

                handedBack = true;
                Settle(charges, 0);
                candidate.Lease.Abandon();
                Refused(request, candidate, budget, reservation, charges.EstimateUsd);
                return default;
            }
        }
        catch when (!handedBack)
        {
            Settle(charges, 0);
            candidate.Lease.Abandon();
            throw;
        }

        return new Admission(candidate, charges.Count > 0 ? charges : null);
    }

    /// <summary>Every budget's reservation in one call of a shared ledger (<see cref="ISharedAdmission"/>): one round trip, all or none.</summary>
    private async ValueTask<Admission> ReserveTogetherAsync(RouterRequest request, Candidate candidate, ISharedAdmission shared, CancellationToken cancellationToken)
    {
        if (Collect(request, candidate) is not { } claims)
        {
            return new Admission(candidate, charges: null);
        }

        SharedAdmissionDecision decision;
        try
        {
            decision = await shared.TryAdmitAsync([], claims.Asks, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Settle(claims.Charges, 0);
            candidate.Lease.Abandon();
            throw;
        }

        if (!decision.Granted)
        {
            Refused(request, candidate, claims, decision);
            return default;
        }

        return new Admission(candidate, Granted(claims, decision));
    }

    /// <summary>
    /// The budgets an attempt of <paramref name="candidate"/> reserves on, for one shared call: the exempt ones already charged,
    /// the others to ask for. <see langword="null"/> when no budget applies.
    /// </summary>
    public BudgetClaims? Collect(RouterRequest request, Candidate candidate)
    {
        DateTimeOffset now = time.GetUtcNow();
        if (Charges(request, candidate, now) is not { } charges)
        {
            return null;
        }

        var budgets = new List<Budget>(charges.Capacity);
        var asks = new List<BudgetAsk>(charges.Capacity);
        var applicable = new ApplicableBudgets(request, candidate.Deployment);
        while (applicable.MoveNext(out Budget budget, out string? caller))
        {
            BudgetKey key = budget.Key(now, caller);
            if (request.IsExempt(budget))
            {
                charges.Add(BudgetReservation.Charge(key));
                continue;
            }

            budgets.Add(budget);
            asks.Add(new BudgetAsk(key, budget.LimitUsd, charges.EstimateUsd));
        }

        return new BudgetClaims(charges, [.. budgets], [.. asks]);
    }

    /// <summary>Adds the reservations a shared call granted to the attempt's charges.</summary>
    public static AttemptCharges? Granted(BudgetClaims claims, in SharedAdmissionDecision decision)
    {
        foreach (BudgetReservation reservation in decision.Budgets)
        {
            claims.Charges.Add(reservation);
        }

        return claims.Charges.Count > 0 ? claims.Charges : null;
    }

    /// <summary>
    /// Acts on a shared call that took nothing: gives the exempt charges and the candidate back and, when a budget refused,
    /// passes the deployment over, downgrades the request, or rejects it.
    /// </summary>
    /// <exception cref="BudgetExceededException">The refusing budget rejects requests it cannot cover.</exception>
    public void Refused(RouterRequest request, in Candidate candidate, BudgetClaims claims, in SharedAdmissionDecision decision)
    {
        Settle(claims.Charges, 0);
        candidate.Lease.Abandon();
        if (decision.RefusedBudget >= 0 && decision.RefusedBudget < claims.Budgets.Length && decision.RefusedBudget < decision.Budgets.Length)
        {
            Refused(request, candidate, claims.Budgets[decision.RefusedBudget], decision.Budgets[decision.RefusedBudget], claims.Charges.EstimateUsd);
        }
    }

    /// <summary>The charges of an attempt, sized for every budget that may apply, with its estimated cost; <see langword="null"/> when no budget can apply.</summary>
    private static AttemptCharges? Charges(RouterRequest request, Candidate candidate, DateTimeOffset now)
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
            return null;
        }

        decimal estimate = deployment.Price is { } price
            ? CostCalculator.Estimate(
                request.EstimatedInputTokensFor(deployment),
                TokenEstimators.ExpectedOutputTokens(request.Options, deployment),
                ServiceTierProperty.Estimated(price.At(now), request.Options))
            : 0;
        return new AttemptCharges(cost.Ledger, capacity, estimate);
    }

    /// <summary>Acts on a budget's refusal: passes a deployment over, downgrades the request, or rejects it.</summary>
    /// <exception cref="BudgetExceededException">The budget rejects requests it cannot cover.</exception>
    private void Refused(RouterRequest request, in Candidate candidate, Budget budget, BudgetReservation reservation, decimal estimate)
    {
        BudgetKey key = reservation.Key;
        if (budget.Scope == BudgetScope.Deployment)
        {
            request.Cursor.Skip(
                candidate.Deployment,
                $"{candidate.Deployment.Name} (budget '{budget.Name}' of {BudgetExceededException.Usd(budget.LimitUsd)} per {Describe(budget.Window)} is spent: " +
                $"{BudgetExceededException.Usd(reservation.SpentUsd)} spent, {BudgetExceededException.Usd(reservation.ReservedUsd)} reserved, " +
                $"{BudgetExceededException.Usd(estimate)} needed; resets at {key.WindowEnd.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC)");
            return;
        }

        if (budget.OnExceeded == BudgetExceededAction.Downgrade && budget.DowngradeTo is { } downgrade)
        {
            Log.Downgraded(logger, request.Asked.Name, budget.Name, downgrade.Name);
            request.Cursor.Untry(candidate.Deployment);
            request.Downgrade(budget);
            return;
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
        Log.BudgetExceeded(logger, request.Asked.Name, budget.Name, exception);
        throw exception;
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
            Log.BudgetSettlementFailed(logger, budget, exception);
        }
    }

    private static string Describe(BudgetWindow window) => window switch
    {
        BudgetWindow.Minute => "minute",
        BudgetWindow.Hour => "hour",
        BudgetWindow.Day => "day",
        _ => "month",
    };
}
