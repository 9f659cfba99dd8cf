using Microsoft.Extensions.Logging;

namespace LlmRouter;

/// <summary>
/// What a failed attempt means, in the order it is decided: classify the failure, feed the deployment's circuit breaker and
/// cooldown, then say whether the request retries the deployment (before or after its other candidates), moves on, or stops. Built once per routing model from
/// snapshots of the options, so later changes to the options objects have no effect; thread-safe.
/// </summary>
/// <remarks>
/// The attempt engine (<see cref="AttemptEngine"/>) owns the attempt's lifecycle (its slot, timer, cost and telemetry) and
/// asks this policy for each decision; a new rule for a kind of failure belongs here.
/// </remarks>
internal sealed class FailurePolicy
{
    private readonly IProviderErrorClassifier[] _classifiers;
    private readonly ILogger _logger;
    private readonly Func<double> _random;
    private readonly long _frequency;

    public FailurePolicy(
        RetryOptions retry,
        CircuitBreakerOptions breaker,
        CooldownOptions cooldown,
        IProviderErrorClassifier[] classifiers,
        ILogger logger,
        Func<double> random,
        long timestampFrequency)
    {
        Retry = retry.Snapshot();
        Breaker = breaker.Snapshot();
        Cooldown = cooldown.Snapshot();
        _classifiers = classifiers;
        _logger = logger;
        _random = random;
        _frequency = timestampFrequency;
    }

    public RetryOptions Retry { get; }

    public CircuitBreakerOptions Breaker { get; }

    public CooldownOptions Cooldown { get; }

    /// <summary>Gets where cooldowns are published for other processes, or <see langword="null"/> when they are not shared.</summary>
    public ISharedCooldowns? SharedCooldowns { get; init; }

    /// <summary>Classifies an exception from a deployment's client: the custom classifiers first, then the built-in rules.</summary>
    public ProviderError Classify(Exception exception) => ProviderErrorClassifier.Classify(exception, _classifiers);

    /// <summary>Whether a failure says something about the deployment's health, for its circuit breaker.</summary>
    /// <remarks>
    /// <see cref="ProviderErrorKind.Unknown"/> does not: an exception no rule recognises may as well come from the request (a
    /// value the deployment's client cannot send) as from the deployment, and one caller's bad input must never open the
    /// circuits of deployments that serve everyone else. Such a failure moves on to the next candidate without a retry; a
    /// deployment whose client throws an unrecognised exception on every call costs each request one quick failed call.
    /// </remarks>
    public static bool CountsAgainstDeployment(ProviderErrorKind kind) => kind is not
        (ProviderErrorKind.RateLimited or ProviderErrorKind.BadRequest or ProviderErrorKind.ContextLengthExceeded or
        ProviderErrorKind.ContentFiltered or ProviderErrorKind.Cancelled or ProviderErrorKind.Unknown);

    /// <summary>Whether the same deployment may be called again for a failure of this kind.</summary>
    public static bool IsRetryable(ProviderErrorKind kind) => kind is
        ProviderErrorKind.RateLimited or ProviderErrorKind.Overloaded or ProviderErrorKind.ServerError or
        ProviderErrorKind.Timeout or ProviderErrorKind.Transport or ProviderErrorKind.InvalidResponse;

    /// <summary>
    /// Records a failure against the deployment: its circuit breaker counts it (or, for a failure that says nothing about
    /// the deployment, a probe gives its turn back), and a rate limit or a Retry-After cools it down.
    /// </summary>
    /// <returns><see langword="true"/> when this failure opened the deployment's circuit.</returns>
    public bool OnFailure(Deployment deployment, in ProviderError error, bool probe, long now)
    {
        DeploymentState state = deployment.State;
        bool opened = false;
        if (state.Breaker is { } breaker)
        {
            if (CountsAgainstDeployment(error.Kind))
            {
                opened = breaker.OnFailure(now, probe);
                if (opened)
                {
                    (int calls, int failures) = breaker.Sample(now);
                    Log.CircuitOpened(_logger, deployment.Name, failures, calls, Breaker.BreakDuration);
                }
            }
            else
            {
                breaker.OnIgnored(probe);
            }
        }

        TimeSpan cooling = error.RetryAfter ?? (error.Kind == ProviderErrorKind.RateLimited ? Cooldown.DefaultDuration : TimeSpan.Zero);
        if (cooling > TimeSpan.Zero)
        {
            cooling = cooling < Cooldown.MaxDuration ? cooling : Cooldown.MaxDuration;
            if (state.ExtendCooldown(now + Timestamps.FromTimeSpan(cooling, _frequency)))
            {
                Log.CoolingDown(_logger, deployment.Name, cooling, error.Kind);
                SharedCooldowns?.Publish(deployment.Name, cooling);
            }
        }

        return opened;
    }

    /// <summary>Records a successful call; a successful probe closes the circuit.</summary>
    public void OnSuccess(Deployment deployment, bool probe, long now)
    {
        if (deployment.State.Breaker?.OnSuccess(now, probe) == true)
        {
            Log.CircuitClosed(_logger, deployment.Name);
        }
    }

    /// <summary>Records an outcome that says nothing about the deployment (the caller cancelled, a hedge lost): a probe gives its turn back.</summary>
    public static void OnIgnored(Deployment deployment, bool probe) => deployment.State.Breaker?.OnIgnored(probe);

    /// <summary>Decides what the request does after a failure that <see cref="OnFailure"/> recorded.</summary>
    /// <param name="deployment">The deployment that failed.</param>
    /// <param name="error">The classified failure.</param>
    /// <param name="fallbackOnContentFilter">Whether the serving route tries other deployments after a content filter blocked the request.</param>
    /// <param name="try">The attempt's number on this deployment within the request, from 1.</param>
    /// <param name="opened">Whether the failure opened the deployment's circuit.</param>
    /// <param name="mayRetry">Whether the caller can wait and retry (a hedged race cannot: others are running).</param>
    /// <param name="now">The current timestamp.</param>
    /// <param name="deadline">When the whole request must end, or <see cref="Timestamps.Never"/>.</param>
    /// <param name="wait">
    /// For a retry, how long from now it may be made: the Retry-After, else the backoff, and no sooner than the deployment's
    /// cooldown ends (a retry the cooldown forbids is never waited for in vain).
    /// </param>
    /// <returns>
    /// For a retryable failure, <see cref="FailureAction.RetryAfterOthers"/> (untried candidates first), or
    /// <see cref="FailureAction.Retry"/> with <see cref="RetryOrder.SameDeploymentFirst"/> unless the cooldown makes the
    /// deployment wait longer than its retry would; <see cref="FailureAction.MoveOn"/> when the retry could not be made in time.
    /// </returns>
    public FailureAction Decide(
        Deployment deployment, in ProviderError error, bool fallbackOnContentFilter, int @try, bool opened, bool mayRetry, long now, long deadline, out TimeSpan wait)
    {
        wait = TimeSpan.Zero;
        switch (error.Kind)
        {
            case ProviderErrorKind.BadRequest:
                return FailureAction.StopBadRequest;

            case ProviderErrorKind.ContentFiltered when !fallbackOnContentFilter:
                return FailureAction.StopContentFiltered;

            case ProviderErrorKind.ContextLengthExceeded:
                return FailureAction.MoveOnToLargerContext;

            case ProviderErrorKind.Authentication or ProviderErrorKind.PermissionDenied or ProviderErrorKind.NotFound or ProviderErrorKind.QuotaExceeded:
                if (deployment.State.TryReportMisconfiguration())
                {
                    Log.DeploymentMisconfigured(_logger, deployment.Name, deployment.Provider, error.Kind, error.StatusCode);
                }

                return FailureAction.MoveOn;
        }

        if (!mayRetry || !IsRetryable(error.Kind) || @try >= Retry.MaxAttempts || opened)
        {
            return FailureAction.MoveOn;
        }

        TimeSpan own = error.RetryAfter ?? Backoff.Delay(@try, Retry, _random);
        TimeSpan cooling = Timestamps.ToTimeSpan(Math.Max(0, deployment.State.CooldownUntil - now), _frequency);
        bool pushed = cooling > own;
        TimeSpan delay = pushed ? cooling : own;
        if (delay > Retry.MaxRetryAfter || now + Timestamps.FromTimeSpan(delay, _frequency) >= deadline)
        {
            // Waiting that long would cost more than another deployment: not retried.
            return FailureAction.MoveOn;
        }

        wait = delay;
        Log.Retrying(_logger, deployment.Name, @try + 1, wait, error.Kind);
        return Retry.Order == RetryOrder.SameDeploymentFirst && !pushed ? FailureAction.Retry : FailureAction.RetryAfterOthers;
    }
}
