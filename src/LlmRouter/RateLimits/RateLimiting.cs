using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace LlmRouter;

/// <summary>
/// Rate limits on the request path. Before a request's first attempt its caller limits take one request and its estimated
/// tokens, or the request is refused with <see cref="RateLimitExceededException"/>; before each attempt the deployment's limits
/// take one request and the attempt's estimated tokens, or the deployment is set aside with its reason (waited for, when it
/// admits again within its <see cref="DeploymentOptions.QueueTimeout"/>), never called to collect a 429. When an attempt ends its
/// tokens are settled with the usage the provider reported, and the caller's when the request ends.
/// </summary>
/// <remarks>
/// Counters live in this process (<see cref="GcraCell"/>: lock-free, allocation-free while under the limit) unless a shared
/// <see cref="IRateLimitStore"/> is configured; a store that answers <see cref="RateLimitDecision.FallBack"/> (its server is
/// down) has the request counted here instead. Thread-safe.
/// </remarks>
internal sealed class RateLimiting
{
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SharedAdmission _shared;

    public RateLimiting(TimeProvider time, ILogger logger)
    {
        _time = time;
        _logger = logger;
        _shared = new SharedAdmission(this, time);
    }

    /// <summary>
    /// Takes the request's caller limits, once per request; does nothing when it was admitted already. With a shared store it
    /// takes nothing here: the counters go with the first candidate's admission (<see cref="SharedAdmission"/>), in one call.
    /// </summary>
    /// <exception cref="RateLimitExceededException">A caller limit has too little left.</exception>
    public ValueTask AdmitCallerAsync(RouterRequest request, CancellationToken cancellationToken)
    {
        CallerHolds holds = request.CallerHolds;
        if (holds.Admitted)
        {
            return ValueTask.CompletedTask;
        }

        RateLimitSettings settings = request.Model.RateLimits!;
        if (settings.Callers.Length > 0 && settings.Store is not null)
        {
            return ValueTask.CompletedTask;
        }

        holds.Admitted = true;
        if (settings.Callers.Length == 0)
        {
            return ValueTask.CompletedTask;
        }

        long now = _time.GetTimestamp();
        foreach (CallerRateLimit limit in settings.Callers)
        {
            if (Applies(request, limit) is { } caller)
            {
                TakeLocally(request, limit, caller, CallerTokens(request, limit), now);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Takes the request's caller limits now when they are counted in this process (<see cref="AdmitCallerAsync"/> without
    /// waiting); <see langword="false"/> when a shared store must be asked, which <see cref="AdmitCallerAsync"/> does.
    /// </summary>
    /// <exception cref="RateLimitExceededException">A caller limit has too little left.</exception>
    public bool TryAdmitCallerNow(RouterRequest request, long now)
    {
        CallerHolds holds = request.CallerHolds;
        if (holds.Admitted)
        {
            return true;
        }

        RateLimitSettings settings = request.Model.RateLimits!;
        if (settings.Callers.Length > 0 && settings.Store is not null)
        {
            return false;
        }

        holds.Admitted = true;
        foreach (CallerRateLimit limit in settings.Callers)
        {
            if (Applies(request, limit) is { } caller)
            {
                TakeLocally(request, limit, caller, CallerTokens(request, limit), now);
            }
        }

        return true;
    }

    /// <summary>
    /// Takes one request and the attempt's estimated tokens from the candidate's deployment limits now, when they are counted in
    /// this process and have enough; otherwise takes nothing and returns <see langword="false"/>, and
    /// <see cref="AdmitDeploymentAsync"/> goes on (asks the store, waits, or sets the candidate aside).
    /// </summary>
    public bool TryAdmitDeploymentNow(RouterRequest request, Candidate candidate, long now, out RateLimitHold hold)
    {
        hold = default;
        Deployment deployment = candidate.Deployment;
        if (deployment.State.RateLimit is not { } limit)
        {
            return true;
        }

        if (request.Model.RateLimits?.Store is not null)
        {
            return false;
        }

        long tokens = limit.CountsTokens ? request.EstimatedInputTokensFor(deployment) + TokenEstimators.ExpectedOutputTokens(request.Options, deployment) : 0;
        if (!limit.TryTake(tokens, now, out _, out _))
        {
            return false;
        }

        hold = new RateLimitHold(limit, tokens, null);
        return true;
    }

    /// <summary>
    /// Takes one request and the attempt's estimated tokens from the candidate's deployment limits. When they have too little,
    /// waits for them if they admit again within the deployment's queue timeout (not in a race); otherwise gives the candidate
    /// back, notes why and defers it until it admits again.
    /// </summary>
    /// <returns>What was taken, to settle when the attempt ends; <see cref="RateLimitHold.Refused"/> when the candidate was set aside.</returns>
    public ValueTask<RateLimitHold> AdmitDeploymentAsync(RouterRequest request, Candidate candidate, bool race, CancellationToken cancellationToken)
    {
        Deployment deployment = candidate.Deployment;
        if (deployment.State.RateLimit is not { } limit)
        {
            return new ValueTask<RateLimitHold>(default(RateLimitHold));
        }

        long tokens = limit.CountsTokens ? request.EstimatedInputTokensFor(deployment) + TokenEstimators.ExpectedOutputTokens(request.Options, deployment) : 0;
        if (request.Model.RateLimits?.Store is { } store)
        {
            return AdmitSharedAsync(request, candidate, limit, store, tokens, race, cancellationToken);
        }

        long now = _time.GetTimestamp();
        if (limit.TryTake(tokens, now, out long wait, out bool byTokens))
        {
            return new ValueTask<RateLimitHold>(new RateLimitHold(limit, tokens, null));
        }

        return Waits(request, deployment, race, now, wait)
            ? WaitLocallyAsync(request, candidate, limit, tokens, wait, cancellationToken)
            : new ValueTask<RateLimitHold>(SetAside(request, candidate, limit, byTokens, now, wait));
    }

    /// <summary>
    /// The end of the admission sequence under rate limits: the deployment's limits, then the budgets. With a shared store,
    /// one call takes the caller's and the deployment's counters and, when the ledger keeps them too, the budgets'
    /// reservations (<see cref="SharedAdmission"/>); in this process, the limits and then the budgets.
    /// </summary>
    /// <returns>The admission; <see langword="default"/> when the candidate was given back and the caller picks the next.</returns>
    /// <exception cref="BudgetExceededException">A budget that rejects could not cover the attempt.</exception>
    /// <exception cref="RateLimitExceededException">With a shared store, the request's caller is over a rate limit.</exception>
    public ValueTask<Admission> AdmitAsync(RouterRequest request, Candidate candidate, bool race, BudgetReserver budgets, CancellationToken cancellationToken) =>
        request.Model.RateLimits!.Store is { } store
            ? _shared.AdmitAsync(request, candidate, store, race, budgets, cancellationToken)
            : AdmitSequentialAsync(request, candidate, race, budgets, cancellationToken);

    /// <summary>Gives back what an admitted candidate took, when it was not called after all.</summary>
    public void GiveBack(in RateLimitHold hold)
    {
        if (hold.Limit is not { } limit)
        {
            return;
        }

        if (hold.Store is { } store)
        {
            if (limit.RequestsPerMinute is not null)
            {
                Adjust(store, limit.RequestsCounter(-1));
            }

            if (limit.CountsTokens)
            {
                Adjust(store, limit.TokensCounter(-hold.Tokens));
            }

            return;
        }

        limit.GiveBack(hold.Tokens, _time.GetTimestamp());
    }

    /// <summary>Settles the tokens an ended attempt reserved with what it used: its usage, else none for a failed call, else the estimate.</summary>
    public void Settle(in RateLimitHold hold, UsageDetails? usage, bool failed)
    {
        if (hold.Limit is not { CountsTokens: true } limit)
        {
            return;
        }

        long? used = Tokens(usage) ?? (failed ? 0 : null);
        if (used is not { } actual || actual == hold.Tokens)
        {
            return;
        }

        if (hold.Store is { } store)
        {
            Adjust(store, limit.TokensCounter(actual - hold.Tokens));
        }
        else
        {
            limit.SettleTokens(actual - hold.Tokens, _time.GetTimestamp());
        }
    }

    /// <summary>Settles the tokens a request reserved on its caller limits with what its attempts used, when that is known.</summary>
    public void End(RouterRequest request)
    {
        CallerHolds holds = request.CallerHolds;
        long used = holds.UsedTokens;
        if (used < 0)
        {
            return;
        }

        long now = 0;
        for (int h = 0; h < holds.Count; h++)
        {
            CallerHold hold = holds[h];
            if (!hold.Limit.CountsTokens || used == hold.Tokens)
            {
                continue;
            }

            CallerWindow[] windows = hold.Limit.Windows;
            for (int i = 0; i < windows.Length; i++)
            {
                if (!windows[i].Tokens)
                {
                    continue;
                }

                if (hold.Cells is { } cells)
                {
                    now = now == 0 ? _time.GetTimestamp() : now;
                    cells[i].Adjust(used - hold.Tokens, windows[i].Limit, windows[i].Ticks, now);
                }
                else if (hold.Store is { } store)
                {
                    Adjust(store, new RateLimitCounter(hold.Limit.Key(windows[i], hold.Caller), windows[i].Limit, windows[i].Window, used - hold.Tokens));
                }
            }
        }
    }

    /// <summary>The deployment's limits, then the budgets, one after the other.</summary>
    internal async ValueTask<Admission> AdmitSequentialAsync(RouterRequest request, Candidate candidate, bool race, BudgetReserver budgets, CancellationToken cancellationToken)
    {
        RateLimitHold held = await AdmitDeploymentAsync(request, candidate, race, cancellationToken).ConfigureAwait(false);
        if (held.Refused)
        {
            return default;
        }

        Admission admission;
        try
        {
            admission = await budgets.ReserveAsync(request, candidate, cancellationToken).ConfigureAwait(false);
        }
        catch when (held.Limit is not null)
        {
            GiveBack(held);
            throw;
        }

        if (!admission.Admitted)
        {
            GiveBack(held);
            return default;
        }

        return held.Limit is null ? admission : admission.WithRateLimit(held);
    }

    /// <summary>The tokens a usage reports (input plus output), or <see langword="null"/> without usage.</summary>
    public static long? Tokens(UsageDetails? usage) =>
        usage is null ? null : usage.TotalTokenCount ?? (usage.InputTokenCount ?? 0) + (usage.OutputTokenCount ?? 0);

    /// <summary>The caller a limit is kept for, or <see langword="null"/> when it does not apply to the request.</summary>
    internal static string? Applies(RouterRequest request, CallerRateLimit limit)
    {
        if (limit.Route is { } route && !request.WentThrough(route))
        {
            return null;
        }

        string? caller = request.CallerKey(limit.CallerProperty);
        return limit.Caller is null || string.Equals(caller, limit.Caller, StringComparison.Ordinal) ? caller : null;
    }

    internal static long CallerTokens(RouterRequest request, CallerRateLimit limit) =>
        limit.CountsTokens ? request.EstimatedInputTokens + TokenEstimators.ExpectedOutputTokens(request.Options) : 0;

    /// <summary>Takes one request and <paramref name="tokens"/> from each of a caller's windows in this process, or throws having taken nothing.</summary>
    internal void TakeLocally(RouterRequest request, CallerRateLimit limit, string caller, long tokens, long now)
    {
        GcraCell[] cells = limit.Cells(caller, now);
        CallerWindow[] windows = limit.Windows;
        for (int i = 0; i < windows.Length; i++)
        {
            ref readonly CallerWindow window = ref windows[i];
            if (!cells[i].TryTake(window.Tokens ? tokens : 1, window.Limit, window.Ticks, now, out long wait))
            {
                for (int j = 0; j < i; j++)
                {
                    cells[j].Adjust(windows[j].Tokens ? -tokens : -1, windows[j].Limit, windows[j].Ticks, now);
                }

                throw Refuse(request, limit, caller, window, Timestamps.ToTimeSpan(wait, _time.TimestampFrequency));
            }
        }

        request.CallerHolds.Add(new CallerHold(limit, caller, cells, tokens, null));
    }

    /// <summary>Takes each caller limit from the shared store, one call per limit: only when a candidate's own limit refused the call that carried them.</summary>
    internal async ValueTask AdmitCallersApartAsync(RouterRequest request, IRateLimitStore store, CancellationToken cancellationToken)
    {
        foreach (CallerRateLimit limit in request.Model.RateLimits!.Callers)
        {
            if (Applies(request, limit) is not { } caller)
            {
                continue;
            }

            long tokens = CallerTokens(request, limit);
            CallerWindow[] windows = limit.Windows;
            var counters = new RateLimitCounter[windows.Length];
            for (int i = 0; i < windows.Length; i++)
            {
                counters[i] = new RateLimitCounter(limit.Key(windows[i], caller), windows[i].Limit, windows[i].Window, windows[i].Tokens ? tokens : 1);
            }

            RateLimitDecision decision = await store.TryAcquireAsync(counters, cancellationToken).ConfigureAwait(false);
            if (decision.Unavailable)
            {
                TakeLocally(request, limit, caller, tokens, _time.GetTimestamp());
            }
            else if (decision.Acquired)
            {
                request.CallerHolds.Add(new CallerHold(limit, caller, null, tokens, store));
            }
            else
            {
                int refused = decision.Refused >= 0 && decision.Refused < windows.Length ? decision.Refused : 0;
                throw Refuse(request, limit, caller, windows[refused], decision.RetryAfter);
            }
        }
    }

    private async ValueTask<RateLimitHold> AdmitSharedAsync(
        RouterRequest request, Candidate candidate, DeploymentRateLimit limit, IRateLimitStore store, long tokens, bool race, CancellationToken cancellationToken)
    {
        RateLimitCounter[] counters = limit.Counters(tokens);
        try
        {
            return await AcquireSharedAsync(request, candidate, limit, store, counters, tokens, race, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // The store failed closed, or the caller cancelled a wait: the candidate's slot goes back.
            candidate.Lease.Abandon();
            throw;
        }
    }

    private async ValueTask<RateLimitHold> AcquireSharedAsync(
        RouterRequest request, Candidate candidate, DeploymentRateLimit limit, IRateLimitStore store, RateLimitCounter[] counters, long tokens, bool race, CancellationToken cancellationToken)
    {
        while (true)
        {
            RateLimitDecision decision = await store.TryAcquireAsync(counters, cancellationToken).ConfigureAwait(false);
            long now = _time.GetTimestamp();
            bool byTokens;
            long wait;
            if (decision.Unavailable)
            {
                if (limit.TryTake(tokens, now, out wait, out byTokens))
                {
                    return new RateLimitHold(limit, tokens, null);
                }
            }
            else if (decision.Acquired)
            {
                return new RateLimitHold(limit, tokens, store);
            }
            else
            {
                byTokens = decision.Refused >= 0 && decision.Refused < counters.Length && ReferenceEquals(counters[decision.Refused].Key, limit.TokensKey);
                wait = Timestamps.FromTimeSpan(decision.RetryAfter, _time.TimestampFrequency);
            }

            if (!Waits(request, candidate.Deployment, race, now, wait))
            {
                return SetAside(request, candidate, limit, byTokens, now, wait);
            }

            await Task.Delay(Timestamps.ToTimeSpan(wait, _time.TimestampFrequency), _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask<RateLimitHold> WaitLocallyAsync(
        RouterRequest request, Candidate candidate, DeploymentRateLimit limit, long tokens, long wait, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                await Task.Delay(Timestamps.ToTimeSpan(wait, _time.TimestampFrequency), _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                candidate.Lease.Abandon();
                throw;
            }

            long now = _time.GetTimestamp();
            if (limit.TryTake(tokens, now, out wait, out bool byTokens))
            {
                return new RateLimitHold(limit, tokens, null);
            }

            if (!Waits(request, candidate.Deployment, race: false, now, wait))
            {
                return SetAside(request, candidate, limit, byTokens, now, wait);
            }
        }
    }

    /// <summary>Whether to wait <paramref name="wait"/> ticks for a deployment's limit: within its queue timeout and the request's deadline, outside a race.</summary>
    private bool Waits(RouterRequest request, Deployment deployment, bool race, long now, long wait) =>
        !race && deployment.QueueTimeout > TimeSpan.Zero &&
        wait <= Timestamps.FromTimeSpan(deployment.QueueTimeout, _time.TimestampFrequency) &&
        (request.Deadline == Timestamps.Never || now + wait < request.Deadline);

    /// <summary>Gives the candidate back, notes why, and defers it until its limit admits again.</summary>
    private RateLimitHold SetAside(RouterRequest request, Candidate candidate, DeploymentRateLimit limit, bool byTokens, long now, long wait)
    {
        candidate.Lease.Abandon();
        TimeSpan span = Timestamps.ToTimeSpan(wait, _time.TimestampFrequency);
        request.Cursor.Skip(candidate.Deployment, limit.Describe(byTokens, span));
        request.Cursor.DeferRetry(candidate.Deployment, candidate.Route, candidate.Try, now + Math.Max(1, wait), first: false);
        RateLimitLog.DeploymentLimited(_logger, candidate.Deployment.Name, span);
        return RateLimitHold.SetAside;
    }

    internal RateLimitExceededException Refuse(RouterRequest request, CallerRateLimit limit, string caller, in CallerWindow window, TimeSpan retryAfter)
    {
        GiveBackCallers(request);
        var exception = new RateLimitExceededException(
            request.Asked.Name, caller, window.LimitName, window.Limit, window.Window, _time.GetUtcNow() + retryAfter, retryAfter);
        request.Telemetry.Failure = exception;
        RateLimitLog.CallerLimited(_logger, request.Asked.Name, caller, limit.Name, exception);
        return exception;
    }

    /// <summary>Gives back what the request took from the caller limits it passed before one refused it.</summary>
    private void GiveBackCallers(RouterRequest request)
    {
        long now = _time.GetTimestamp();
        CallerHolds holds = request.CallerHolds;
        for (int h = 0; h < holds.Count; h++)
        {
            CallerHold hold = holds[h];
            CallerWindow[] windows = hold.Limit.Windows;
            for (int i = 0; i < windows.Length; i++)
            {
                long amount = windows[i].Tokens ? -hold.Tokens : -1;
                if (hold.Cells is { } cells)
                {
                    cells[i].Adjust(amount, windows[i].Limit, windows[i].Ticks, now);
                }
                else if (hold.Store is { } store)
                {
                    Adjust(store, new RateLimitCounter(hold.Limit.Key(windows[i], hold.Caller), windows[i].Limit, windows[i].Window, amount));
                }
            }
        }

        request.CallerHolds.Forget();
    }

    private void Adjust(IRateLimitStore store, RateLimitCounter counter)
    {
        try
        {
            ValueTask adjusted = store.AdjustAsync(counter, CancellationToken.None);
            if (!adjusted.IsCompletedSuccessfully)
            {
                _ = ObserveAsync(adjusted, counter.Key);
            }
        }
#pragma warning disable CA1031 // A store that cannot settle must not fail a request that already has its answer; it is logged.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            RateLimitLog.SettlementFailed(_logger, counter.Key, exception);
        }
    }

    private async Task ObserveAsync(ValueTask adjusted, string key)
    {
        try
        {
            await adjusted.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // See Adjust.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            RateLimitLog.SettlementFailed(_logger, key, exception);
        }
    }
}
