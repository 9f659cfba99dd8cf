using System.Runtime.ExceptionServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace LlmRouter;

/// <summary>
/// The attempt engine: what every path (<see cref="ResponseLoop"/>, <see cref="StreamLoop"/>, <see cref="HedgedRace"/>) does
/// around one attempt, written once. It begins and ends requests; admits candidates (select → wait for a slot → complete
/// admission → reserve budget); starts attempts (timer, span, fallback log); and ends them: a success (breaker, statistics,
/// cost, the response's properties), a failure (classify → breaker → cooldown → retry, move on or stop, by
/// <see cref="FailurePolicy"/>), a stream broken after its commit point, a stream the consumer abandoned, a hedge's loser.
/// </summary>
/// <remarks>
/// The paths own their loops (when to call, what to await, where a stream commits); the engine owns each step's state and
/// rules. Thread-safe: per-request state lives in the pooled <see cref="RouterRequest"/> and in each attempt's value.
/// </remarks>
internal sealed class AttemptEngine : IDisposable
{
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AttemptTimerPool _timers;
    private readonly ObjectPool<RouterRequest, RequestPool> _requests = new();
    private readonly BudgetReserver _budgets;
    private readonly AttemptCharger _charger;
    private readonly RateLimiting _rateLimits;

    public AttemptEngine(RouterModelHost models, RouterTelemetry telemetry, TimeProvider time, ILogger logger)
    {
        Models = models;
        Telemetry = telemetry;
        _time = time;
        _logger = logger;
        _timers = new AttemptTimerPool(time);
        _budgets = new BudgetReserver(time, logger);
        _rateLimits = new RateLimiting(time, logger);
        _charger = new AttemptCharger(_budgets, _rateLimits);
    }

    public RouterModelHost Models { get; }

    public RouterTelemetry Telemetry { get; }

    public TimeProvider Time => _time;

    /// <summary>Begins a request to <paramref name="route"/>: takes a lease on its model, dispatches it, starts its telemetry.</summary>
    /// <exception cref="ArgumentException">The request's <c>llmrouter.*</c> properties are invalid.</exception>
    public RouterRequest Begin(RouterModel model, Route route, IEnumerable<ChatMessage> messages, ChatOptions? options, long now, bool streaming, CancellationToken cancellationToken)
    {
        route = Models.Lease(ref model, route, options?.ModelId);
        RouterRequest request = Rent();
        try
        {
            request.Begin(model, route, messages, options, now, streaming);
        }
        catch
        {
            // Invalid llmrouter.* request properties: nothing started, so nothing to end but the bookkeeping.
            request.End();
            Return(request);
            Models.Release(model);
            throw;
        }

        Telemetry.StartRequest(request, messages, options, streaming, now, cancellationToken);
        return request;
    }

    /// <summary>Ends a request however it ended: its telemetry, its pooled state, its lease on the model.</summary>
    public void End(RouterRequest request)
    {
        if (request.Telemetry.Enabled)
        {
            Telemetry.EndRequest(request);
        }

        RouterModel model = request.Model;
        if (request.RateLimited)
        {
            _rateLimits.End(request);
        }

        request.End();
        Return(request);
        Models.Release(model);
    }

    /// <summary>
    /// The admission sequence's first step, taken without waiting: selects the next candidate and, when it has a free slot,
    /// there is no budget to reserve and its rate limits (counted in this process) admit it (the common case), admits it. Otherwise the candidate (if any) is kept in the
    /// request for <see cref="AdmitAsync"/>, which goes on from there (and waits, when no candidate can be called yet).
    /// </summary>
    /// <returns>Whether <paramref name="candidate"/> was admitted; <paramref name="hold"/> is what it took from its deployment's rate limit.</returns>
    /// <exception cref="LlmRouterException">The total timeout passed.</exception>
    public bool TryAdmitNow(RouterRequest request, long now, out Candidate candidate, out RateLimitHold hold)
    {
        hold = default;
        if (!request.Budgeted && (!request.RateLimited || _rateLimits.TryAdmitCallerNow(request, now)) &&
            TrySelect(request, now, race: false, out candidate, out _))
        {
            if (!candidate.NeedsSlot && (!request.RateLimited || _rateLimits.TryAdmitDeploymentNow(request, candidate, now, out hold)))
            {
                return true;
            }

            request.Selected = candidate;
        }

        candidate = default;
        hold = default;
        return false;
    }

    /// <summary>Takes the admission sequence's first step like <see cref="TryAdmitNow(RouterRequest, long, out Candidate, out RateLimitHold)"/>, as an <see cref="Admission"/>.</summary>
    public bool TryAdmitNow(RouterRequest request, long now, out Admission admission)
    {
        bool admitted = TryAdmitNow(request, now, out Candidate candidate, out RateLimitHold hold);
        admission = admitted ? new Admission(candidate, charges: null, hold) : default;
        return admitted;
    }

    /// <summary>
    /// The admission sequence: selects the next candidate (or takes the one <see cref="TryAdmitNow(RouterRequest, long, out Candidate, out RateLimitHold)"/> kept), waits for its
    /// slot when it is saturated and queues (not in a race), completes its admission, and reserves its budget; a candidate
    /// that falls through any step is noted and the next one tried. When no candidate can be called now but one can soon (a
    /// retry's backoff, a cooldown, an open circuit), waits for it, within <see cref="RetryOptions.MaxRetryAfter"/> and the
    /// request's total timeout; no thread is blocked and the caller's token cancels the wait.
    /// </summary>
    /// <param name="request">The request.</param>
    /// <param name="race">
    /// Whether this starts one more racer of a hedged request: a saturated candidate is passed over rather than waited for,
    /// nothing is waited for, and when no candidate is left the result is <see langword="default"/> instead of the request's
    /// final error.
    /// </param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <returns>The admission; <see langword="default"/> only in a race.</returns>
    /// <exception cref="LlmRouterException">No candidate is left (outside a race), or the total timeout passed.</exception>
    /// <exception cref="BudgetExceededException">A budget that rejects could not cover the attempt.</exception>
    /// <exception cref="RateLimitExceededException">The request's caller is over a rate limit (checked before the first attempt).</exception>
    public async ValueTask<Admission> AdmitAsync(RouterRequest request, bool race, CancellationToken cancellationToken)
    {
        if (request.RateLimited)
        {
            await _rateLimits.AdmitCallerAsync(request, cancellationToken).ConfigureAwait(false);
        }

        Candidate candidate = request.Selected;
        request.Selected = default;
        while (true)
        {
            if (candidate.Deployment is null)
            {
                long now = _time.GetTimestamp();
                if (!TrySelect(request, now, race, out candidate, out long next))
                {
                    if (race)
                    {
                        return default;
                    }

                    await WaitForDeferredAsync(request, now, next, cancellationToken).ConfigureAwait(false);
                    continue;
                }
            }

            if (candidate.NeedsSlot)
            {
                Deployment deployment = candidate.Deployment;
                if (race)
                {
                    // A race does not queue for a busy deployment; the next candidate runs instead.
                    request.Cursor.NoteBusy(deployment);
                    candidate = default;
                    continue;
                }

                if (!await WaitForSlotAsync(request.Deadline, deployment, cancellationToken).ConfigureAwait(false))
                {
                    request.Cursor.NoteSaturated(deployment);
                    candidate = default;
                    continue;
                }

                if (!request.Cursor.CompleteAdmission(ref candidate, _time.GetTimestamp()))
                {
                    candidate = default;
                    continue;
                }
            }

            Admission admission = request.RateLimited
                ? await _rateLimits.AdmitAsync(request, candidate, race, _budgets, cancellationToken).ConfigureAwait(false)
                : await _budgets.ReserveAsync(request, candidate, cancellationToken).ConfigureAwait(false);
            candidate = default;
            if (admission.Admitted)
            {
                return admission;
            }
        }
    }

    /// <summary>
    /// Starts an attempt with an admitted candidate: counts it, arms its timer (the caller starts it, see
    /// <see cref="AttemptTimer.Start"/>), opens its span, and logs a fallback when an earlier attempt failed.
    /// </summary>
    /// <param name="request">The request.</param>
    /// <param name="admission">The admitted candidate (with its attempt's number on the deployment) and its budget reservations, which the attempt now owns.</param>
    /// <param name="streaming">Whether the call is a stream.</param>
    /// <param name="cancellationToken">The caller's token, linked into the attempt's own.</param>
    /// <param name="now">When the attempt starts.</param>
    /// <param name="attempt">Where the attempt is built: its caller's variable, or the request's <see cref="RouterRequest.Attempt"/>.</param>
    /// <param name="hedged">Whether the attempt races others, so the router must be able to cancel it.</param>
    public void Start(RouterRequest request, in Admission admission, bool streaming, CancellationToken cancellationToken, long now, ref Attempt attempt, bool hedged = false) =>
        Start(request, admission.Candidate, admission.Charges, admission.RateLimit, streaming, cancellationToken, now, ref attempt, hedged);

    /// <summary>Starts an attempt like <see cref="Start(RouterRequest, in Admission, bool, CancellationToken, long, ref Attempt, bool)"/>, with the admission's parts.</summary>
    public void Start(
        RouterRequest request, in Candidate candidate, AttemptCharges? charges, in RateLimitHold rateLimit, bool streaming, CancellationToken cancellationToken, long now,
        ref Attempt attempt, bool hedged = false)
    {
        request.CountAttempt();
        AttemptTimeouts timeouts = request.Model.Timeouts;
        AttemptTimer? timer = null;
        if (timeouts.NeedsTimer(streaming, hedged))
        {
            timer = _timers.Rent();
            timeouts.Arm(timer, cancellationToken, now, request.Deadline, streaming);
        }

        attempt.Begin(candidate, charges, rateLimit, now, timer, timer?.Token ?? cancellationToken, request, streaming);
        if (request.Telemetry.Enabled)
        {
            Telemetry.StartAttempt(request, ref attempt, hedged);
        }

        if (attempt.Try == 1 && request.LastFailure is { } previous)
        {
            Log.FallingBack(_logger, request.Requested.Name, previous.Deployment, previous.Kind, attempt.Deployment.Name, attempt.Route.Name);
            Telemetry.Fallback(request, previous);
        }
    }

    /// <summary>
    /// Gets when an attempt whose call completed before returning its task ended: <paramref name="startedAt"/> itself unless
    /// something measures the call's duration (a latency-ranked route, telemetry), which then reads the clock again.
    /// </summary>
    /// <remarks>
    /// A synchronous completion (a cache hit, an in-memory client) takes no time worth a second clock read, which costs about
    /// as much as the rest of the router's bookkeeping; the circuit breaker counts the outcome in the window it started in.
    /// </remarks>
    public long SynchronousEnd(RouterRequest request, in Attempt attempt, long startedAt) =>
        request.Telemetry.Enabled || attempt.Deployment.TracksLatency ? _time.GetTimestamp() : startedAt;

    /// <summary>Ends a successful non-streaming attempt: says on the response who served it and what it cost, and records the outcome.</summary>
    public void Served(RouterRequest request, ref Attempt attempt, ChatResponse response, long now)
    {
        Succeeded(request, ref attempt, now);
        string? servedTier = ServiceTierProperty.Read(response.AdditionalProperties);
        object? cost = _charger.Charge(request.Model, request, ref attempt, response.Usage, AttemptEnd.Served, now, servedTier) is not null ? request.Cost : null;
        RouterPropertyBag.Annotate(response, attempt, request, cost);
        RecordServed(request, ref attempt, response, response.AdditionalProperties, now);
    }

    /// <summary>Ends a stream that was read to its end, and returns the final update that says who served it and what it cost.</summary>
    public ChatResponseUpdate StreamServed(RouterRequest request, ref Attempt attempt, in StreamTail tail, long now)
    {
        Succeeded(request, ref attempt, now);
        object? cost = _charger.Charge(request.Model, request, ref attempt, tail.Usage, AttemptEnd.Served, now, tail.ServiceTier) is not null ? request.Cost : null;
        var final = new ChatResponseUpdate
        {
            ResponseId = tail.ResponseId,
            MessageId = tail.MessageId,
            ConversationId = tail.ConversationId,
            ModelId = tail.ModelId ?? attempt.Deployment.Model,
            AdditionalProperties = RouterPropertyBag.Create(attempt, request, cost),
        };
        RecordServed(request, ref attempt, response: null, final.AdditionalProperties, now);
        return final;
    }

    /// <summary>Ends a stream whose consumer stopped reading: the deployment was serving fine, and what it generated is charged.</summary>
    public void StreamAbandoned(RouterRequest request, ref Attempt attempt, UsageDetails? usage, long now)
    {
        Succeeded(request, ref attempt, now);
        _charger.Charge(request.Model, request, ref attempt, usage, AttemptEnd.Stopped);
        if (request.Telemetry.Enabled)
        {
            request.Telemetry.Abandoned = true;
        }

        RecordServed(request, ref attempt, response: null, properties: null, now);
    }

    /// <summary>Records a stream's first chunk: its time, for deployments a latency-ranked route times, and telemetry.</summary>
    public void FirstChunk(in Attempt attempt)
    {
        Telemetry.FirstChunk(attempt);
        if (attempt.Deployment.TracksLatency)
        {
            long now = _time.GetTimestamp();
            attempt.Deployment.State.Statistics.RecordFirstChunk(Seconds(attempt.StartedAt, now), Models.Current.Selection.SampleWeight, now);
        }
    }

    /// <summary>
    /// The failure sequence: ends a failed attempt, classifies the failure, feeds the circuit breaker and cooldown, records
    /// it, and decides whether the deployment is retried later (deferred in the request's cursor, before or after the
    /// untried candidates) or not. Either way the caller goes on with <see cref="AdmitAsync"/>, which makes the retry when
    /// its turn and time come.
    /// </summary>
    /// <returns><see cref="FailureAction.Retry"/>, <see cref="FailureAction.RetryAfterOthers"/> or <see cref="FailureAction.MoveOn"/>.</returns>
    /// <exception cref="OperationCanceledException">The caller cancelled.</exception>
    /// <exception cref="LlmRouterException">
    /// The request must stop: the request itself is bad, a content filter blocked it, or its total timeout passed.
    /// </exception>
    public FailureAction Fail(RouterRequest request, ref Attempt attempt, Exception exception, CancellationToken cancellationToken, long now, bool mayRetry, out TimeSpan wait)
    {
        ProviderError error = Record(request, ref attempt, exception, cancellationToken, now, usage: null, out TimeoutKind timedOut, out bool opened);
        if (timedOut == TimeoutKind.Total)
        {
            throw TotalTimeoutExceeded(request);
        }

        Deployment deployment = attempt.Deployment;
        FailureAction action = request.Model.Failures.Decide(
            deployment, error, request.Requested.FallbackOnContentFilter, attempt.Try, opened, mayRetry, now, request.Deadline, out wait);
        switch (action)
        {
            case FailureAction.StopBadRequest when error.StatusCode is null && request.LastFailure?.Exception is ProviderException { Kind: ProviderErrorKind.BadRequest } invalid:
                throw Stopped(request,
                    $"Route '{request.Requested.Name}': deployment '{deployment.Name}' could not send the request. {invalid.Message} " +
                    "No other deployment was tried because the request itself must be fixed.");

            case FailureAction.StopBadRequest:
                throw Stopped(request,
                    $"Route '{request.Requested.Name}': deployment '{deployment.Name}' rejected the request as invalid ({Describe(error)}). " +
                    "No other deployment was tried because the request itself must be fixed.");

            case FailureAction.StopContentFiltered:
                throw Stopped(request,
                    $"Route '{request.Requested.Name}': deployment '{deployment.Name}' blocked the request with its content filter ({Describe(error)}). " +
                    "No other deployment was tried; set RouteOptions.FallbackOnContentFilter to try them.");

            case FailureAction.MoveOnToLargerContext:
                request.Cursor.NoteContextOverflow(deployment);
                return FailureAction.MoveOn;

            case FailureAction.Retry or FailureAction.RetryAfterOthers:
                request.Cursor.DeferRetry(
                    deployment, attempt.Route, attempt.Try + 1, now + Timestamps.FromTimeSpan(wait, _time.TimestampFrequency), first: action == FailureAction.Retry);
                return action;

            default:
                return action;
        }
    }

    /// <summary>
    /// Ends an attempt whose stream broke after the commit point. The failure still counts for the deployment's health, but
    /// nothing is retried: the caller gets the provider's exception unchanged, or a <see cref="TimeoutException"/> when one of
    /// the router's timeouts stopped the stream.
    /// </summary>
    /// <returns>The exception to surface to the caller.</returns>
    public Exception StreamBroken(RouterRequest request, ref Attempt attempt, Exception exception, CancellationToken cancellationToken, long now, UsageDetails? usage)
    {
        Exception surfaced;
        if (cancellationToken.IsCancellationRequested && attempt.Timer?.Expired is null or TimeoutKind.None)
        {
            EndAttempt(ref attempt);
            _charger.Charge(request.Model, request, ref attempt, usage, AttemptEnd.Stopped);
            FailurePolicy.OnIgnored(attempt.Deployment, attempt.Probe);
            Telemetry.AttemptFailed(ref attempt, ProviderErrorKind.Cancelled, exception, now);
            surfaced = exception;
        }
        else
        {
            TimeoutKind timedOut = attempt.Timer?.Expired ?? TimeoutKind.None;
            Record(request, ref attempt, exception, cancellationToken, now, usage, out _, out _);
            surfaced = timedOut == TimeoutKind.None ? exception : request.Model.Timeouts.Exceeded(timedOut, request.Requested.Name, attempt.Deployment, exception);
        }

        request.Telemetry.Failure = surfaced;
        return surfaced;
    }

    /// <summary>
    /// Ends a hedged attempt that lost its race, once its call finished in the background: what it holds goes back, and what
    /// its provider billed (a loser that completed anyway) is charged like any other call.
    /// </summary>
    /// <param name="model">The model the race ran on.</param>
    /// <param name="attempt">The losing attempt.</param>
    /// <param name="usage">The usage its call reported, if any.</param>
    /// <param name="held">The lease on the model taken for the loser (<see cref="RouterModelHost.Hold"/>), released here.</param>
    public void LostRace(RouterModel model, ref Attempt attempt, UsageDetails? usage, RouterModel? held)
    {
        EndAttempt(ref attempt);
        _charger.Charge(model, request: null, ref attempt, usage, AttemptEnd.Stopped);
        FailurePolicy.OnIgnored(attempt.Deployment, attempt.Probe);
        Telemetry.AttemptFailed(ref attempt, ProviderErrorKind.Cancelled, exception: null, _time.GetTimestamp());
        if (held is not null)
        {
            Models.Release(held);
        }
    }

    /// <summary>Releases the timer pool's timers.</summary>
    public void Dispose() => _timers.Dispose();

    /// <summary>
    /// Picks the next candidate that can be called now: a retry that comes first (<see cref="RetryOrder.SameDeploymentFirst"/>)
    /// once its time comes, else the next untried candidate, else a deferred one whose time has come (a retry, one cooled
    /// down, one whose circuit lets a probe through), else (when configured) the earliest-opened circuit forced.
    /// </summary>
    /// <param name="request">The request.</param>
    /// <param name="now">The current timestamp.</param>
    /// <param name="race">Whether this starts one more racer: deferred candidates are left to the race's last admission.</param>
    /// <param name="candidate">The candidate picked.</param>
    /// <param name="next">When none was picked, when a deferred candidate may be called, or <see cref="Timestamps.Never"/>.</param>
    /// <exception cref="LlmRouterException">The total timeout passed (outside a race).</exception>
    private bool TrySelect(RouterRequest request, long now, bool race, out Candidate candidate, out long next)
    {
        next = Timestamps.Never;
        if (now >= request.Deadline)
        {
            if (race)
            {
                candidate = default;
                return false;
            }

            throw TotalTimeoutExceeded(request);
        }

        CandidateCursor cursor = request.Cursor;
        if (!race && cursor.HasFirstRetry)
        {
            if (cursor.TryDeferred(now, firstOnly: true, out candidate))
            {
                return true;
            }

            next = cursor.NextDeferral(firstOnly: true);
            if (next != Timestamps.Never)
            {
                return false;
            }
        }

        if (cursor.TryNext(now, out candidate) ||
            (!race && (cursor.TryDeferred(now, firstOnly: false, out candidate) || cursor.TryEarliestOpened(out candidate))))
        {
            return true;
        }

        next = race ? Timestamps.Never : cursor.NextDeferral(firstOnly: false);
        return false;
    }

    /// <summary>
    /// Waits until <paramref name="next"/>, when a deferred candidate may be called, if that is within
    /// <see cref="RetryOptions.MaxRetryAfter"/> and before the request's deadline; otherwise throws the request's final error,
    /// which says when the soonest could have been called.
    /// </summary>
    private Task WaitForDeferredAsync(RouterRequest request, long now, long next, CancellationToken cancellationToken)
    {
        long frequency = _time.TimestampFrequency;
        TimeSpan maxWait = request.Model.Failures.Retry.MaxRetryAfter;
        if (next == Timestamps.Never || next >= request.Deadline || next - now > Timestamps.FromTimeSpan(maxWait, frequency))
        {
            string limit = next >= request.Deadline && next != Timestamps.Never
                ? "after the request's total timeout"
                : $"later than Retry.MaxRetryAfter ({CandidateCursor.Format(maxWait)}) allows";
            throw request.Attempts == 0 ? NothingTried(request, now, limit) : AllFailed(request, now, limit);
        }

        return Task.Delay(Timestamps.ToTimeSpan(next - now, frequency), _time, cancellationToken);
    }

    /// <summary>Waits for a saturated deployment's slot, no longer than its queue timeout nor the request's deadline.</summary>
    private ValueTask<bool> WaitForSlotAsync(long deadline, Deployment deployment, CancellationToken cancellationToken)
    {
        TimeSpan timeout = deployment.QueueTimeout;
        if (deadline != Timestamps.Never)
        {
            TimeSpan remaining = Timestamps.ToTimeSpan(deadline - _time.GetTimestamp(), _time.TimestampFrequency);
            timeout = remaining < timeout ? remaining : timeout;
        }

        return deployment.State.Gate.WaitAsync(timeout, _time, cancellationToken);
    }

    /// <summary>Reports a served request to telemetry, which listened when the request began (or it records nothing of it).</summary>
    private void RecordServed(RouterRequest request, ref Attempt attempt, ChatResponse? response, AdditionalPropertiesDictionary? properties, long now)
    {
        if (request.Telemetry.Enabled)
        {
            Telemetry.AttemptSucceeded(request, ref attempt, response, now);
            Telemetry.RequestServed(request, attempt, response, properties);
        }
    }

    /// <summary>Ends an attempt that succeeded (or served until its consumer stopped): gives back its slot and timer, records the outcome.</summary>
    private void Succeeded(RouterRequest request, ref Attempt attempt, long now)
    {
        EndAttempt(ref attempt);
        if (!attempt.Streaming)
        {
            Timed(request.Model, attempt, now, firstChunk: false);
        }
        else if (attempt.Deployment.TracksLatency)
        {
            attempt.Deployment.State.Statistics.RecordStreamTotal(Seconds(attempt.StartedAt, now), now);
        }

        request.Model.Failures.OnSuccess(attempt.Deployment, attempt.Probe, now);
    }

    /// <summary>Gives back what an attempt holds: its slot and its timer. Safe to call again: each is cleared as it goes back.</summary>
    private void EndAttempt(ref Attempt attempt)
    {
        attempt.Lease.Release();
        if (attempt.Timer is { } timer)
        {
            attempt.Timer = null;
            _timers.Return(timer);
        }
    }

    /// <summary>Classifies, feeds breaker and cooldown, records and logs a failed attempt. Throws for the caller's cancellation.</summary>
    private ProviderError Record(
        RouterRequest request, ref Attempt attempt, Exception exception, CancellationToken cancellationToken, long now, UsageDetails? usage, out TimeoutKind timedOut, out bool opened)
    {
        timedOut = attempt.Timer?.Expired ?? TimeoutKind.None;
        EndAttempt(ref attempt);
        Deployment deployment = attempt.Deployment;
        FailurePolicy policy = request.Model.Failures;
        usage ??= (exception as ProviderException)?.Usage;

        if (cancellationToken.IsCancellationRequested)
        {
            _charger.Charge(request.Model, request, ref attempt, usage, AttemptEnd.Stopped);

            // The caller's decision, not the deployment's failure: nothing is recorded and nothing else is tried.
            FailurePolicy.OnIgnored(deployment, attempt.Probe);
            Telemetry.AttemptFailed(ref attempt, ProviderErrorKind.Cancelled, exception, now);
            if (exception is OperationCanceledException)
            {
                ExceptionDispatchInfo.Throw(exception);
            }

            throw new OperationCanceledException("The request was cancelled by the caller.", exception, cancellationToken);
        }

        ProviderError error;
        Exception recorded = exception;
        if (timedOut != TimeoutKind.None)
        {
            error = new ProviderError(ProviderErrorKind.Timeout);
            recorded = request.Model.Timeouts.Exceeded(timedOut, request.Requested.Name, deployment, exception);
            Timed(request.Model, attempt, now, firstChunk: attempt.Streaming);
            _charger.Charge(request.Model, request, ref attempt, usage, AttemptEnd.Stopped);
        }
        else
        {
            error = policy.Classify(exception);
            if (error.Kind is ProviderErrorKind.Unknown or ProviderErrorKind.InvalidResponse &&
                RequestProblems.Find(request.Messages, request.Options) is { } problem)
            {
                // The deployment's client failed on a request no deployment can accept: the caller's error, not the deployment's.
                error = new ProviderError(ProviderErrorKind.BadRequest);
                recorded = new ProviderException("The request is invalid: " + problem, ProviderErrorKind.BadRequest, innerException: exception);
            }

            _charger.Charge(request.Model, request, ref attempt, usage, error.Kind == ProviderErrorKind.Cancelled ? AttemptEnd.Stopped : AttemptEnd.Failed);
            if (error.Kind == ProviderErrorKind.Cancelled)
            {
                FailurePolicy.OnIgnored(deployment, attempt.Probe);
                Telemetry.AttemptFailed(ref attempt, ProviderErrorKind.Cancelled, exception, now);
                ExceptionDispatchInfo.Throw(exception);
            }
        }

        opened = policy.OnFailure(deployment, error, attempt.Probe, now);
        var failed = new RouterAttempt(request.Attempts, attempt.Route.Name, deployment, error, Timestamps.ToTimeSpan(now - attempt.StartedAt, _time.TimestampFrequency), recorded);
        request.AddFailure(failed);
        Telemetry.AttemptFailed(ref attempt, error.Kind, recorded, now);
        Log.AttemptFailed(_logger, deployment.Name, attempt.Route.Name, error.Kind, error.StatusCode, recorded);
        return error;
    }

    /// <summary>Records a call's duration (a non-streaming success, or any timeout) for deployments a latency-ranked route times.</summary>
    private void Timed(RouterModel model, in Attempt attempt, long now, bool firstChunk)
    {
        if (attempt.Deployment.TracksLatency)
        {
            DeploymentStatistics statistics = attempt.Deployment.State.Statistics;
            double seconds = Seconds(attempt.StartedAt, now);
            if (firstChunk)
            {
                statistics.RecordFirstChunk(seconds, model.Selection.SampleWeight, now);
            }
            else
            {
                statistics.RecordLatency(seconds, model.Selection.SampleWeight, now);
            }
        }
    }

    private double Seconds(long start, long end) => (end - start) / (double)_time.TimestampFrequency;

    private LlmRouterException TotalTimeoutExceeded(RouterRequest request) =>
        Failed(request, request.Failures, request.Model.Timeouts.TotalExceeded(request.Requested.Name) + request.Cursor.SkippedSummary());

    private LlmRouterException AllFailed(RouterRequest request, long now, string limit) =>
        Failed(request, request.Failures,
            $"Route '{request.Requested.Name}': all {request.Failures.Count} attempt(s) failed.{request.Cursor.SkippedSummary()}{request.Cursor.NextDeferralSummary(now, limit)}");

    private LlmRouterException NothingTried(RouterRequest request, long now, string limit)
    {
        string what = request.Cursor.OnlyFiltered ? "no deployment can serve this request" : "no deployment could be tried";
        return Failed(request, [], $"Route '{request.Requested.Name}': {what}.{request.Cursor.SkippedSummary()}{request.Cursor.NextDeferralSummary(now, limit)}");
    }

    private LlmRouterException Failed(RouterRequest request, IReadOnlyList<RouterAttempt> failures, string message)
    {
        var exception = new LlmRouterException(request.Requested.Name, failures, message);
        request.Telemetry.Failure = exception;
        Log.AllCandidatesFailed(_logger, request.Requested.Name, failures.Count, exception);
        return exception;
    }

    private LlmRouterException Stopped(RouterRequest request, string message)
    {
        var exception = new LlmRouterException(request.Requested.Name, request.Failures, message);
        request.Telemetry.Failure = exception;
        Log.RequestStopped(_logger, request.Requested.Name, exception);
        return exception;
    }

    private static string Describe(in ProviderError error) =>
        error.StatusCode is { } status ? $"{error.Kind}, HTTP {status}" : error.Kind.ToString();

    /// <summary>Takes a request object from the pool, or a new one when the pool is empty.</summary>
    private RouterRequest Rent() => _requests.TryRent() ?? new RouterRequest();

    /// <summary>Gives an ended request object back to the pool; a full pool drops it.</summary>
    private void Return(RouterRequest request) => _requests.TryReturn(request);

    /// <summary>Names this kind of pool: its objects are kept one per thread apart from other kinds'.</summary>
    private struct RequestPool;
}
