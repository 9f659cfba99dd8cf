using System.Runtime.ExceptionServices;
using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>What every path (non-streaming, streaming, hedged) does around one attempt: start, succeed, fail, decide.</summary>
internal sealed partial class LlmRouterClient
{
    private enum AfterFailure
    {
        MoveOn,
        Retry,
    }

    private Attempt StartAttempt(RouterRequest request, in Candidate candidate, int @try, bool streaming, CancellationToken cancellationToken, long now, AttemptCharges? charges, bool cancellable = false)
    {
        request.CountAttempt();
        ResilienceSettings settings = request.Model.Settings;
        AttemptTimer? timer = null;
        if (cancellable || (streaming ? settings.TimesStreams : settings.TimesCalls))
        {
            long frequency = _time.TimestampFrequency;
            TimeoutOptions timeouts = settings.Timeouts;
            timer = _timers.Rent();
            timer.Arm(
                cancellationToken,
                now,
                request.Deadline,
                Timestamps.Deadline(now, timeouts.Attempt, frequency),
                streaming ? Timestamps.Deadline(now, timeouts.FirstChunk, frequency) : Timestamps.Never,
                streaming && timeouts.BetweenChunks is { } idle ? Timestamps.FromTimeSpan(idle, frequency) : 0);
        }

        var attempt = new Attempt(candidate, @try, now, timer, timer?.Token ?? cancellationToken, request, streaming, charges);
        _telemetry.StartAttempt(request, ref attempt, hedged: cancellable);
        return attempt;
    }

    /// <summary>Releases what the attempt holds: its concurrency slot and its timer. Called exactly once per attempt.</summary>
    private void EndAttempt(ref Attempt attempt)
    {
        attempt.Deployment.State.Gate.Exit();
        if (attempt.Timer is { } timer)
        {
            attempt.Timer = null;
            _timers.Return(timer);
        }
    }

    private void Succeeded(ref Attempt attempt, long now)
    {
        EndAttempt(ref attempt);
        if (!attempt.Streaming)
        {
            Timed(attempt, now, firstChunk: false);
        }

        if (attempt.Deployment.State.Breaker?.OnSuccess(now, attempt.Probe) == true)
        {
            Log.CircuitClosed(_logger, attempt.Deployment.Name);
        }
    }

    /// <summary>
    /// Ends a failed attempt: classifies the failure, feeds the circuit breaker and cooldown, records it, and decides
    /// whether to retry the same deployment (after <paramref name="wait"/>) or move on. Throws when the request must stop:
    /// the caller cancelled, the request is bad, a content filter blocked it, or the total timeout passed.
    /// </summary>
    private AfterFailure OnFailure(RouterRequest request, ref Attempt attempt, Exception exception, CancellationToken cancellationToken, long now, out TimeSpan wait, bool mayRetry = true)
    {
        wait = TimeSpan.Zero;
        ProviderError error = RecordFailure(request, ref attempt, exception, cancellationToken, now, usage: null, out TimeoutKind timedOut, out bool opened);
        Deployment deployment = attempt.Deployment;

        if (timedOut == TimeoutKind.Total)
        {
            throw TotalTimeoutExceeded(request);
        }

        switch (error.Kind)
        {
            case ProviderErrorKind.BadRequest:
                throw Stopped(request,
                    $"Route '{request.Requested.Name}': deployment '{deployment.Name}' rejected the request as invalid ({Describe(error)}). " +
                    "No other deployment was tried because the request itself must be fixed.");

            case ProviderErrorKind.ContentFiltered when !request.Requested.FallbackOnContentFilter:
                throw Stopped(request,
                    $"Route '{request.Requested.Name}': deployment '{deployment.Name}' blocked the request with its content filter ({Describe(error)}). " +
                    "No other deployment was tried; set RouteOptions.FallbackOnContentFilter to try them.");

            case ProviderErrorKind.ContextLengthExceeded:
                request.NoteContextOverflow(deployment);
                return AfterFailure.MoveOn;

            case ProviderErrorKind.Authentication or ProviderErrorKind.PermissionDenied or ProviderErrorKind.NotFound or ProviderErrorKind.QuotaExceeded:
                if (deployment.State.TryReportMisconfiguration())
                {
                    Log.DeploymentMisconfigured(_logger, deployment.Name, deployment.Provider, error.Kind, error.StatusCode);
                }

                return AfterFailure.MoveOn;
        }

        RetryOptions retry = request.Model.Settings.Retry;
        if (!mayRetry || !IsRetryable(error.Kind) || attempt.Try >= retry.MaxAttempts || opened)
        {
            return AfterFailure.MoveOn;
        }

        wait = error.RetryAfter ?? Backoff.Delay(attempt.Try, retry, _random);
        if (wait > retry.MaxRetryAfter || now + Timestamps.FromTimeSpan(wait, _time.TimestampFrequency) >= request.Deadline)
        {
            // Waiting that long would cost more than another deployment: move on now.
            return AfterFailure.MoveOn;
        }

        Log.Retrying(_logger, deployment.Name, attempt.Try, wait, error.Kind);
        return AfterFailure.Retry;
    }

    /// <summary>
    /// Ends an attempt whose stream broke after the commit point. The failure still counts for the deployment's health,
    /// but nothing is retried: the caller gets the provider's exception unchanged, or a <see cref="TimeoutException"/>
    /// when one of the router's timeouts stopped the stream.
    /// </summary>
    private Exception OnStreamBroken(RouterRequest request, ref Attempt attempt, Exception exception, CancellationToken cancellationToken, long now, UsageDetails? usage)
    {
        if (cancellationToken.IsCancellationRequested && attempt.Timer?.Expired is null or TimeoutKind.None)
        {
            EndAttempt(ref attempt);
            Charge(request, ref attempt, usage, AttemptEnd.Stopped);
            attempt.Deployment.State.Breaker?.OnIgnored(attempt.Probe);
            _telemetry.AttemptFailed(ref attempt, ProviderErrorKind.Cancelled, exception, now);
            return exception;
        }

        TimeoutKind timedOut = attempt.Timer?.Expired ?? TimeoutKind.None;
        RecordFailure(request, ref attempt, exception, cancellationToken, now, usage, out _, out _);
        return timedOut == TimeoutKind.None ? exception : CreateTimeout(timedOut, attempt.Deployment, request, exception);
    }

    /// <summary>Classifies, feeds breaker and cooldown, records and logs a failed attempt. Throws for the caller's cancellation.</summary>
    private ProviderError RecordFailure(
        RouterRequest request, ref Attempt attempt, Exception exception, CancellationToken cancellationToken, long now, UsageDetails? usage, out TimeoutKind timedOut, out bool opened)
    {
        timedOut = attempt.Timer?.Expired ?? TimeoutKind.None;
        EndAttempt(ref attempt);
        Deployment deployment = attempt.Deployment;
        DeploymentState state = deployment.State;
        usage ??= (exception as ProviderException)?.Usage;

        if (cancellationToken.IsCancellationRequested)
        {
            Charge(request, ref attempt, usage, AttemptEnd.Stopped);
            // The caller's decision, not the deployment's failure: nothing is recorded and nothing else is tried.
            state.Breaker?.OnIgnored(attempt.Probe);
            _telemetry.AttemptFailed(ref attempt, ProviderErrorKind.Cancelled, exception, now);
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
            recorded = CreateTimeout(timedOut, deployment, request, exception);
            Timed(attempt, now, firstChunk: attempt.Streaming);
            Charge(request, ref attempt, usage, AttemptEnd.Stopped);
        }
        else
        {
            error = ProviderErrorClassifier.Classify(exception, request.Model.Classifiers);
            Charge(request, ref attempt, usage, error.Kind == ProviderErrorKind.Cancelled ? AttemptEnd.Stopped : AttemptEnd.Failed);
            if (error.Kind == ProviderErrorKind.Cancelled)
            {
                state.Breaker?.OnIgnored(attempt.Probe);
                _telemetry.AttemptFailed(ref attempt, ProviderErrorKind.Cancelled, exception, now);
                ExceptionDispatchInfo.Throw(exception);
            }
        }

        opened = false;
        if (state.Breaker is { } breaker)
        {
            if (CountsAgainstDeployment(error.Kind))
            {
                opened = breaker.OnFailure(now, attempt.Probe);
                if (opened)
                {
                    (int calls, int failures) = breaker.Sample(now);
                    Log.CircuitOpened(_logger, deployment.Name, failures, calls, request.Model.Settings.Breaker.BreakDuration);
                }
            }
            else
            {
                breaker.OnIgnored(attempt.Probe);
            }
        }

        CooldownOptions cooldown = request.Model.Settings.Cooldown;
        TimeSpan cooling = error.RetryAfter ?? (error.Kind == ProviderErrorKind.RateLimited ? cooldown.DefaultDuration : TimeSpan.Zero);
        if (cooling > TimeSpan.Zero)
        {
            cooling = cooling < cooldown.MaxDuration ? cooling : cooldown.MaxDuration;
            if (state.ExtendCooldown(now + Timestamps.FromTimeSpan(cooling, _time.TimestampFrequency)))
            {
                Log.CoolingDown(_logger, deployment.Name, cooling, error.Kind);
            }
        }

        var failed = new RouterAttempt(request.Attempts, attempt.Route.Name, deployment, error, Timestamps.ToTimeSpan(now - attempt.StartedAt, _time.TimestampFrequency), recorded);
        request.AddFailure(failed);
        _telemetry.AttemptFailed(ref attempt, error.Kind, recorded, now);
        Log.AttemptFailed(_logger, deployment.Name, attempt.Route.Name, error.Kind, error.StatusCode, recorded);
        return error;
    }

    /// <summary>Picks the next candidate, or throws the request's final error when none is left.</summary>
    private void Select(RouterRequest request, long now, out Candidate candidate)
    {
        if (now >= request.Deadline)
        {
            throw TotalTimeoutExceeded(request);
        }

        if (request.TryNext(now, out candidate) || request.TryEarliestOpened(out candidate))
        {
            return;
        }

        throw request.Attempts == 0 ? NothingTried(request) : AllFailed(request);
    }

    /// <summary>Waits for a saturated candidate's slot, no longer than its queue timeout nor the request's deadline.</summary>
    private ValueTask<bool> WaitForSlotAsync(long deadline, in Candidate candidate, CancellationToken cancellationToken)
    {
        TimeSpan timeout = candidate.Deployment.QueueTimeout;
        if (deadline != Timestamps.Never)
        {
            TimeSpan remaining = Timestamps.ToTimeSpan(deadline - _time.GetTimestamp(), _time.TimestampFrequency);
            timeout = remaining < timeout ? remaining : timeout;
        }

        return candidate.Deployment.State.Gate.WaitAsync(timeout, _time, cancellationToken);
    }

    /// <summary>
    /// The options a deployment receives: the caller's, with ModelId replaced by the deployment's model and the
    /// router's own <c>llmrouter.*</c> request properties removed. The caller's object is never modified.
    /// </summary>
    internal static ChatOptions? ForwardOptions(ChatOptions? options, Deployment deployment)
    {
        if (options is null)
        {
            return deployment.Model is null ? null : new ChatOptions { ModelId = deployment.Model };
        }

        bool hasRouterProperties = HasRouterProperties(options.AdditionalProperties);
        if (!hasRouterProperties && string.Equals(options.ModelId, deployment.Model, StringComparison.Ordinal))
        {
            return options;
        }

        ChatOptions forwarded = options.Clone();
        forwarded.ModelId = deployment.Model;
        if (hasRouterProperties)
        {
            forwarded.AdditionalProperties = WithoutRouterProperties(options.AdditionalProperties!);
        }

        return forwarded;
    }

    private static bool IsRetryable(ProviderErrorKind kind) => kind is
        ProviderErrorKind.RateLimited or ProviderErrorKind.Overloaded or ProviderErrorKind.ServerError or
        ProviderErrorKind.Timeout or ProviderErrorKind.Transport or ProviderErrorKind.InvalidResponse;

    /// <summary>Whether a failure says something about the deployment's health, for its circuit breaker.</summary>
    private static bool CountsAgainstDeployment(ProviderErrorKind kind) => kind is not
        (ProviderErrorKind.RateLimited or ProviderErrorKind.BadRequest or ProviderErrorKind.ContextLengthExceeded or
        ProviderErrorKind.ContentFiltered or ProviderErrorKind.Cancelled);

    private TimeoutException CreateTimeout(TimeoutKind kind, Deployment deployment, RouterRequest request, Exception inner)
    {
        TimeoutOptions timeouts = request.Model.Settings.Timeouts;
        string message = kind switch
        {
            TimeoutKind.Total => $"Route '{request.Requested.Name}': the request exceeded its total timeout of {timeouts.Total} (Timeouts.Total) while deployment '{deployment.Name}' was answering.",
            TimeoutKind.Attempt => $"Deployment '{deployment.Name}' did not answer within the attempt timeout of {timeouts.Attempt} (Timeouts.Attempt).",
            TimeoutKind.FirstChunk => $"Deployment '{deployment.Name}' sent no first chunk within {timeouts.FirstChunk} (Timeouts.FirstChunk).",
            _ => $"Deployment '{deployment.Name}' sent nothing for {timeouts.BetweenChunks} between chunks (Timeouts.BetweenChunks).",
        };
        return new TimeoutException(message, inner);
    }

    private LlmRouterException TotalTimeoutExceeded(RouterRequest request)
    {
        var exception = new LlmRouterException(
            request.Requested.Name,
            request.Failures,
            $"Route '{request.Requested.Name}': the request exceeded its total timeout of {request.Model.Settings.Timeouts.Total} (Timeouts.Total).{request.SkippedSummary()}");
        request.Telemetry.Failure = exception;
        Log.AllCandidatesFailed(_logger, request.Requested.Name, request.Failures.Count, exception);
        return exception;
    }

    private LlmRouterException AllFailed(RouterRequest request)
    {
        IReadOnlyList<RouterAttempt> failures = request.Failures;
        var exception = new LlmRouterException(
            request.Requested.Name,
            failures,
            $"Route '{request.Requested.Name}': all {failures.Count} attempt(s) failed.{request.SkippedSummary()}");
        request.Telemetry.Failure = exception;
        Log.AllCandidatesFailed(_logger, request.Requested.Name, failures.Count, exception);
        return exception;
    }

    private LlmRouterException NothingTried(RouterRequest request)
    {
        string what = request.OnlyFiltered ? "no deployment can serve this request" : "no deployment could be tried";
        var exception = new LlmRouterException(
            request.Requested.Name,
            [],
            $"Route '{request.Requested.Name}': {what}.{request.SkippedSummary()}");
        request.Telemetry.Failure = exception;
        Log.AllCandidatesFailed(_logger, request.Requested.Name, 0, exception);
        return exception;
    }

    private LlmRouterException Stopped(RouterRequest request, string message)
    {
        var exception = new LlmRouterException(request.Requested.Name, request.Failures, message);
        request.Telemetry.Failure = exception;
        Log.RequestStopped(_logger, request.Requested.Name, exception);
        return exception;
    }

    private void LogFallback(RouterRequest request, in Attempt next)
    {
        if (request.Failures is [.., RouterAttempt previous])
        {
            Log.FallingBack(_logger, request.Requested.Name, previous.Deployment, previous.Kind, next.Deployment.Name, next.Route.Name);
            _telemetry.Fallback(request, previous);
        }
    }

    private static string Describe(ProviderError error) =>
        error.StatusCode is { } status ? $"{error.Kind}, HTTP {status}" : error.Kind.ToString();

    /// <summary>Says on the response who served it, and records and reports what it cost.</summary>
    private void Annotate(ChatResponse response, ref Attempt attempt, RouterRequest request)
    {
        response.ModelId ??= attempt.Deployment.Model;
        object? cost = Charge(request, ref attempt, response.Usage, AttemptEnd.Served) is not null ? (object)request.Cost : null;
        if (response.AdditionalProperties is { } existing)
        {
            existing[LlmRouterProperties.Route] = attempt.Route.Name;
            existing[LlmRouterProperties.Deployment] = attempt.Deployment.Name;
            existing[LlmRouterProperties.Provider] = attempt.Deployment.Provider;
            existing[LlmRouterProperties.Attempts] = BoxAttempts(request.Attempts);
            SetIfPresent(existing, LlmRouterProperties.FallbackReasons, request.FallbackReasons());
            SetIfPresent(existing, LlmRouterProperties.CostUsd, cost);
            SetIfPresent(existing, LlmRouterProperties.Tier, request.Tier);
            SetIfPresent(existing, LlmRouterProperties.Complexity, request.Complexity);
            SetIfPresent(existing, LlmRouterProperties.Variant, request.Variant);
            SetIfPresent(existing, LlmRouterProperties.DowngradedBy, request.DowngradedBy);
        }
        else
        {
            response.AdditionalProperties = CreateProperties(attempt, request, cost);
        }
    }

    private static void SetIfPresent(AdditionalPropertiesDictionary properties, string key, object? value)
    {
        if (value is not null)
        {
            properties[key] = value;
        }
    }

    /// <summary>The response properties; <paramref name="cost"/> is the request's cost, boxed, or <see langword="null"/> when unknown.</summary>
    private static AdditionalPropertiesDictionary CreateProperties(in Attempt attempt, RouterRequest request, object? cost) =>
        RouterPropertyBag.Create(
            attempt.Route.Name,
            attempt.Deployment.Name,
            attempt.Deployment.Provider,
            BoxAttempts(request.Attempts),
            new RouterPropertyBag.Optional(request.FallbackReasons(), cost, request.Tier, request.Complexity, request.Variant, request.DowngradedBy));

    private static bool HasRouterProperties(AdditionalPropertiesDictionary? properties)
    {
        if (properties is null)
        {
            return false;
        }

        foreach (KeyValuePair<string, object?> property in properties)
        {
            if (property.Key.StartsWith(RouterPropertyBag.Prefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static AdditionalPropertiesDictionary WithoutRouterProperties(AdditionalPropertiesDictionary properties)
    {
        var filtered = new AdditionalPropertiesDictionary();
        foreach (KeyValuePair<string, object?> property in properties)
        {
            if (!property.Key.StartsWith(RouterPropertyBag.Prefix, StringComparison.OrdinalIgnoreCase))
            {
                filtered[property.Key] = property.Value;
            }
        }

        return filtered;
    }
}
