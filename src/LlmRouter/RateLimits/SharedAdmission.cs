namespace LlmRouter;

/// <summary>
/// Admits a candidate when rate-limit counters live in a shared store (<see cref="IRateLimitStore"/>): everything the call must
/// take before it is sent goes in one call, one round trip, all of it or none: the caller's counters (on the request's first
/// admission), the deployment's, and, when the budget ledger keeps them on the same server (<see cref="ISharedAdmission"/>), a
/// reservation on every budget that applies. A refusal is acted on as the separate steps would: a caller's limit refuses the
/// request (<see cref="RateLimitExceededException"/>), a budget passes the deployment over, downgrades the request or rejects
/// it, and a deployment's limit is waited for or sets the candidate aside (the one case that asks again, step by step).
/// </summary>
/// <remarks>
/// While the store cannot answer and the router fails open, the counters are counted in this process (the ledger keeps its
/// budgets' own fallback). Thread-safe; holds no state.
/// </remarks>
internal sealed class SharedAdmission(RateLimiting limits, TimeProvider time)
{
    /// <summary>Takes what an attempt of <paramref name="candidate"/> needs in one call.</summary>
    /// <returns>The admission; <see langword="default"/> when the candidate was given back and the caller picks the next.</returns>
    /// <exception cref="RateLimitExceededException">A caller limit has too little left.</exception>
    /// <exception cref="BudgetExceededException">A budget that rejects could not cover the attempt.</exception>
    public async ValueTask<Admission> AdmitAsync(
        RouterRequest request, Candidate candidate, IRateLimitStore store, bool race, BudgetReserver budgets, CancellationToken cancellationToken)
    {
        CallerHolds holds = request.CallerHolds;
        CallerPart[] callers = holds.Admitted ? [] : Callers(request);
        Deployment deployment = candidate.Deployment;
        DeploymentRateLimit? limit = deployment.State.RateLimit;
        long tokens = limit is { CountsTokens: true } ? request.EstimatedInputTokensFor(deployment) + TokenEstimators.ExpectedOutputTokens(request.Options, deployment) : 0;
        RateLimitCounter[] counters = Counters(callers, limit, tokens, out int callerCounters);
        ISharedAdmission? together = request.Budgeted && request.Model.Cost.Ledger is ISharedAdmission shared && shared.Keeps(store) ? shared : null;
        BudgetClaims? claims = together is not null ? budgets.Collect(request, candidate) : null;

        SharedAdmissionDecision decision;
        try
        {
            decision = together is not null && (claims is not null || counters.Length > 0)
                ? await together.TryAdmitAsync(counters, claims?.Asks ?? [], cancellationToken).ConfigureAwait(false)
                : counters.Length > 0
                    ? FromStore(await store.TryAcquireAsync(counters, cancellationToken).ConfigureAwait(false))
                    : new SharedAdmissionDecision(-1, TimeSpan.Zero, -1, [], CountersUnavailable: false);
        }
        catch
        {
            // The store failed closed, or the caller cancelled: nothing was taken.
            GiveBack(budgets, claims);
            candidate.Lease.Abandon();
            throw;
        }

        if (decision.RefusedBudget >= 0)
        {
            budgets.Refused(request, candidate, claims!, decision);
            return default;
        }

        if (decision.RefusedCounter >= 0)
        {
            GiveBack(budgets, claims);
            if (decision.RefusedCounter < callerCounters)
            {
                candidate.Lease.Abandon();
                (CallerPart part, int window) = Find(callers, decision.RefusedCounter);
                throw limits.Refuse(request, part.Limit, part.Caller, part.Limit.Windows[window], decision.RetryAfter);
            }

            return await ApartAsync(request, candidate, store, callers.Length > 0, race, budgets, cancellationToken).ConfigureAwait(false);
        }

        AttemptCharges? charges = claims is not null ? BudgetReserver.Granted(claims, decision) : null;
        RateLimitHold hold = default;
        if (decision.CountersUnavailable)
        {
            long now = time.GetTimestamp();
            try
            {
                foreach (CallerPart part in callers)
                {
                    limits.TakeLocally(request, part.Limit, part.Caller, part.Tokens, now);
                }
            }
            catch
            {
                GiveBack(budgets, charges);
                candidate.Lease.Abandon();
                throw;
            }

            holds.Admitted = true;
            if (limit is not null)
            {
                if (!limit.TryTake(tokens, now, out _, out _))
                {
                    // At the limit here: the step-by-step way waits for it or sets the candidate aside.
                    GiveBack(budgets, charges);
                    return await limits.AdmitSequentialAsync(request, candidate, race, budgets, cancellationToken).ConfigureAwait(false);
                }

                hold = new RateLimitHold(limit, tokens, null);
            }
        }
        else
        {
            holds.Admitted = true;
            foreach (CallerPart part in callers)
            {
                holds.Add(new CallerHold(part.Limit, part.Caller, null, part.Tokens, store));
            }

            hold = limit is null ? default : new RateLimitHold(limit, tokens, store);
        }

        if (together is not null || !request.Budgeted)
        {
            return new Admission(candidate, charges, hold);
        }

        // A ledger apart from the store (in this process, or elsewhere): its reservations follow.
        Admission admission;
        try
        {
            admission = await budgets.ReserveAsync(request, candidate, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            limits.GiveBack(hold);
            throw;
        }

        if (!admission.Admitted)
        {
            limits.GiveBack(hold);
            return default;
        }

        return admission.WithRateLimit(hold);
    }

    /// <summary>
    /// The deployment's limit refused: its caller limits are taken first when this was the request's first admission, then the
    /// deployment's limits and the budgets one after the other, which waits for the limit or sets the candidate aside.
    /// </summary>
    private async ValueTask<Admission> ApartAsync(
        RouterRequest request, Candidate candidate, IRateLimitStore store, bool callers, bool race, BudgetReserver budgets, CancellationToken cancellationToken)
    {
        if (callers && !request.CallerHolds.Admitted)
        {
            try
            {
                await limits.AdmitCallersApartAsync(request, store, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                candidate.Lease.Abandon();
                throw;
            }

            request.CallerHolds.Admitted = true;
        }

        return await limits.AdmitSequentialAsync(request, candidate, race, budgets, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The caller limits that apply to the request, with the tokens each takes.</summary>
    private static CallerPart[] Callers(RouterRequest request)
    {
        CallerRateLimit[] all = request.Model.RateLimits!.Callers;
        if (all.Length == 0)
        {
            return [];
        }

        var parts = new List<CallerPart>(all.Length);
        foreach (CallerRateLimit limit in all)
        {
            if (RateLimiting.Applies(request, limit) is { } caller)
            {
                parts.Add(new CallerPart(limit, caller, RateLimiting.CallerTokens(request, limit)));
            }
        }

        return [.. parts];
    }

    /// <summary>The counters of one call: each caller limit's windows, then the deployment's requests and tokens.</summary>
    private static RateLimitCounter[] Counters(CallerPart[] callers, DeploymentRateLimit? limit, long tokens, out int callerCounters)
    {
        callerCounters = 0;
        foreach (CallerPart part in callers)
        {
            callerCounters += part.Limit.Windows.Length;
        }

        RateLimitCounter[] deployment = limit?.Counters(tokens) ?? [];
        if (callerCounters == 0)
        {
            return deployment;
        }

        var counters = new RateLimitCounter[callerCounters + deployment.Length];
        int index = 0;
        foreach (CallerPart part in callers)
        {
            CallerWindow[] windows = part.Limit.Windows;
            for (int i = 0; i < windows.Length; i++)
            {
                counters[index++] = new RateLimitCounter(part.Limit.Key(windows[i], part.Caller), windows[i].Limit, windows[i].Window, windows[i].Tokens ? part.Tokens : 1);
            }
        }

        deployment.CopyTo(counters, index);
        return counters;
    }

    private static (CallerPart Part, int Window) Find(CallerPart[] callers, int counter)
    {
        foreach (CallerPart part in callers)
        {
            if (counter < part.Limit.Windows.Length)
            {
                return (part, counter);
            }

            counter -= part.Limit.Windows.Length;
        }

        throw new InvalidOperationException($"The store refused counter {counter}, beyond the caller limits' counters.");
    }

    private static SharedAdmissionDecision FromStore(RateLimitDecision decision) =>
        decision.Unavailable ? new SharedAdmissionDecision(-1, TimeSpan.Zero, -1, [], CountersUnavailable: true)
        : decision.Acquired ? new SharedAdmissionDecision(-1, TimeSpan.Zero, -1, [], CountersUnavailable: false)
        : new SharedAdmissionDecision(Math.Max(0, decision.Refused), decision.RetryAfter, -1, [], CountersUnavailable: false);

    private static void GiveBack(BudgetReserver budgets, BudgetClaims? claims) => GiveBack(budgets, claims?.Charges);

    private static void GiveBack(BudgetReserver budgets, AttemptCharges? charges)
    {
        if (charges is not null)
        {
            budgets.Settle(charges, 0);
        }
    }

    private readonly record struct CallerPart(CallerRateLimit Limit, string Caller, long Tokens);
}
