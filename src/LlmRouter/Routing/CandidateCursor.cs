using System.Buffers;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// Walks a request's candidates: the serving route's deployments in its strategy's order, then its fallback routes', each
/// deployment at most once. Passes over those a filter excludes, that cool down, are saturated or whose circuit is open, and
/// notes each with its reason for the final error. Keeps the deployments to come back to (<see cref="Deferral"/>): those that
/// failed and may be retried, and those passed over until their cooldown ends or their circuit lets a probe through. Pooled
/// with its <see cref="RouterRequest"/>; one request uses it at a time.
/// </summary>
internal sealed class CandidateCursor
{
    /// <summary>The shortest wait before looking again at a half-open circuit whose probe is in flight.</summary>
    private static readonly TimeSpan MinimumProbeRecheck = TimeSpan.FromMilliseconds(50);

    private readonly RouterRequest _request;
    private readonly List<SkipEntry> _skipped = [];

    private Route _current = null!;
    private Route _serving = null!;
    private int _nextFallback;
    private Deployment[] _candidates = [];
    private int _candidateCount;
    private int _nextCandidate;
    private Deployment[]? _rented;
    private bool _filtering;

    private ulong _triedLow;
    private bool[]? _triedHigh;

    private List<Deployment>? _openCircuits;
    private readonly List<Deferral> _deferred = [];
    private int? _overflowedWindow;
    private List<string>? _overflowedModels;

    private ModelCapabilities _needs;
    private ModelCapabilities _needsFound;

    public CandidateCursor(RouterRequest request) => _request = request;

    /// <summary>Gets whether candidates were passed over and every one of them by a filter: the request itself rules them out.</summary>
    public bool OnlyFiltered
    {
        get
        {
            if (_skipped.Count == 0)
            {
                return false;
            }

            foreach (SkipEntry entry in _skipped)
            {
                if (entry.Text is not null)
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>Makes <paramref name="route"/> the serving route: its candidates come first, its fallback chain after. Deployments already tried stay tried.</summary>
    public void Serve(Route route)
    {
        _serving = route;
        _nextFallback = 0;
        Enter(route);
    }

    /// <summary>
    /// Moves to the next candidate that passes the filters, is not cooling down, not saturated (unless it queues) and whose
    /// circuit lets the call through: the route's own candidates first, then its fallback routes'. Every candidate passed over
    /// is noted with its reason.
    /// </summary>
    public bool TryNext(long now, out Candidate candidate)
    {
        while (true)
        {
            while (_nextCandidate < _candidateCount)
            {
                Deployment deployment = _candidates[_nextCandidate++];
                if (deployment is null || IsTried(deployment.Index))
                {
                    continue;
                }

                if (_filtering && _current.Filter is { } filter && filter.Excludes(deployment, out Exclusion byRoute, _request))
                {
                    // A route's own filter: another route may still call the deployment.
                    _skipped.Add(new SkipEntry(deployment, null, byRoute));
                    continue;
                }

                MarkTried(deployment.Index);
                if (IsSkippedForContext(deployment) || (_filtering && ExcludedByRequest(deployment)))
                {
                    continue;
                }

                if (TryAdmit(deployment, _current, now, out candidate))
                {
                    return true;
                }
            }

            Route[] chain = _serving.FallbackChain;
            if (_nextFallback >= chain.Length)
            {
                candidate = default;
                return false;
            }

            Enter(chain[_nextFallback++]);
        }
    }

    /// <summary>Gets whether a retry waits to be made before the request's other candidates (<see cref="RetryOrder.SameDeploymentFirst"/>).</summary>
    public bool HasFirstRetry
    {
        get
        {
            foreach (Deferral deferral in _deferred)
            {
                if (deferral.First)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>Remembers to call a deployment that failed again, as its attempt <paramref name="try"/>, from <paramref name="notBefore"/> on.</summary>
    /// <param name="deployment">The deployment that failed.</param>
    /// <param name="route">The route it was tried for.</param>
    /// <param name="try">The retry's number on this deployment, from 2.</param>
    /// <param name="notBefore">When the retry may be made: after its Retry-After or backoff, and the deployment's cooldown.</param>
    /// <param name="first">Whether the retry comes before the request's other candidates.</param>
    public void DeferRetry(Deployment deployment, Route route, int @try, long notBefore, bool first) =>
        _deferred.Add(new Deferral(deployment, route, @try, notBefore, first));

    /// <summary>
    /// Admits the deferred deployment due soonest whose time has come (<paramref name="firstOnly"/>: only a retry that comes
    /// before other candidates). One that still cannot be called is deferred again until it can, or dropped when that time
    /// cannot be known (all its slots busy); either way noted.
    /// </summary>
    public bool TryDeferred(long now, bool firstOnly, out Candidate candidate)
    {
        while (Soonest(firstOnly, dueBy: now) is { } index)
        {
            Deferral deferral = _deferred[index];
            _deferred.RemoveAt(index);
            LeaseRefusal refusal = DeploymentLease.TryTake(deferral.Deployment, now, out DeploymentLease lease);
            if (refusal == LeaseRefusal.None)
            {
                candidate = new Candidate(deferral.Deployment, deferral.Route, lease, NeedsSlot: false, deferral.Try);
                return true;
            }

            Refused(deferral.Deployment, deferral.Route, refusal, now, deferral.Try);
        }

        candidate = default;
        return false;
    }

    /// <summary>Gets when the soonest deferred deployment may be called (<paramref name="firstOnly"/>: only a retry that comes before other candidates), or <see cref="Timestamps.Never"/>.</summary>
    public long NextDeferral(bool firstOnly) =>
        Soonest(firstOnly, dueBy: Timestamps.Never) is { } index ? _deferred[index].NotBefore : Timestamps.Never;

    /// <summary>
    /// Says when the soonest deferred deployment could have been called, for the final error of a request that could not wait
    /// for it; empty when nothing was deferred.
    /// </summary>
    /// <param name="now">The current timestamp.</param>
    /// <param name="limit">Why the request could not wait that long, in words.</param>
    public string NextDeferralSummary(long now, string limit)
    {
        if (Soonest(firstOnly: false, dueBy: Timestamps.Never) is not { } index)
        {
            return string.Empty;
        }

        Deferral next = _deferred[index];
        TimeSpan wait = Timestamps.ToTimeSpan(Math.Max(0, next.NotBefore - now), _request.Model.Time.TimestampFrequency);
        return $"{Environment.NewLine}  The soonest to come back, '{next.Deployment.Name}', could be called in {Format(wait)}: {limit}.";
    }

    /// <summary>Finishes admitting a candidate that waited for, and got, a concurrency slot.</summary>
    public bool CompleteAdmission(ref Candidate candidate, long now)
    {
        if (DeploymentLease.TryComplete(candidate.Deployment, now, out DeploymentLease lease) != LeaseRefusal.None)
        {
            NoteOpenCircuit(candidate.Deployment, now);
            return false;
        }

        candidate = candidate with { Lease = lease, NeedsSlot = false };
        return true;
    }

    /// <summary>
    /// When every candidate was passed over for an open circuit and the router is set to try anyway, admits the one whose
    /// circuit opened earliest, as a probe: its outcome closes or reopens the circuit. Only before any attempt started.
    /// </summary>
    public bool TryEarliestOpened(out Candidate candidate)
    {
        candidate = default;
        if (_request.Attempts > 0 || _openCircuits is null || _request.Model.Failures.Breaker.WhenAllOpen != AllCircuitsOpenBehavior.TryEarliestOpened)
        {
            return false;
        }

        Deployment? earliest = null;
        foreach (Deployment deployment in _openCircuits)
        {
            if (earliest is null || deployment.State.Breaker!.OpenedAt < earliest.State.Breaker!.OpenedAt)
            {
                earliest = deployment;
            }
        }

        _openCircuits = null;
        if (earliest is null || !DeploymentLease.TryForce(earliest, out DeploymentLease lease))
        {
            return false;
        }

        candidate = new Candidate(earliest, RouteOf(earliest), lease, NeedsSlot: false);
        return true;
    }

    /// <summary>Forgets that <paramref name="deployment"/> was tried, for a candidate handed back before it was called.</summary>
    public void Untry(Deployment deployment)
    {
        if (deployment.Index < 64)
        {
            _triedLow &= ~(1UL << deployment.Index);
        }
        else if (_triedHigh is not null)
        {
            _triedHigh[deployment.Index] = false;
        }
    }

    /// <summary>Remembers a context-window overflow so only deployments with a larger window are tried next.</summary>
    public void NoteContextOverflow(Deployment deployment)
    {
        if (deployment.ContextWindow is { } window && (_overflowedWindow is null || window > _overflowedWindow))
        {
            _overflowedWindow = window;
        }

        if (deployment.Model is { } model)
        {
            (_overflowedModels ??= []).Add(model);
        }
    }

    /// <summary>Notes a candidate that waited for a concurrency slot in vain.</summary>
    public void NoteSaturated(Deployment deployment) =>
        Skip(deployment, $"{deployment.Name} (all {deployment.MaxConcurrentRequests} concurrent slots stayed busy for the {Format(deployment.QueueTimeout)} queue timeout)");

    /// <summary>Notes a candidate passed over because all its slots were busy and it does not queue (or a race does not wait).</summary>
    public void NoteBusy(Deployment deployment) =>
        Skip(deployment, $"{deployment.Name} (all {deployment.MaxConcurrentRequests} concurrent slots busy)");

    /// <summary>Notes a candidate passed over, with its reason.</summary>
    public void Skip(Deployment deployment, string reason) => _skipped.Add(new SkipEntry(deployment, reason, default));

    /// <summary>
    /// Describes the candidates that were passed over and never called, for the final error, each with its latest reason;
    /// empty when there are none. A deployment passed over and called later (after waiting for it) is among the attempts instead.
    /// </summary>
    public string SkippedSummary()
    {
        StringBuilder? text = null;
        for (int i = 0; i < _skipped.Count; i++)
        {
            SkipEntry entry = _skipped[i];
            if (WasCalled(entry.Deployment) || NotedAgainLater(i))
            {
                continue;
            }

            text = text is null ? new StringBuilder(Environment.NewLine).Append("  Not tried: ") : text.Append("; ");
            text.Append(entry.Text ?? entry.Exclusion.Describe());
        }

        return text is null ? string.Empty : text.Append('.').ToString();
    }
    /// <summary>Forgets everything and returns the rented ordering array, so the request object can serve another request.</summary>
    public void Clear()
    {
        if (_rented is not null)
        {
            ArrayPool<Deployment>.Shared.Return(_rented, clearArray: true);
            _rented = null;
        }

        _current = null!;
        _serving = null!;
        _candidates = [];
        _candidateCount = 0;
        _nextCandidate = 0;
        _nextFallback = 0;
        _filtering = false;
        _triedLow = 0;
        _triedHigh = null;
        _skipped.Clear();
        _openCircuits = null;
        _deferred.Clear();
        _overflowedWindow = null;
        _overflowedModels = null;
        _needs = ModelCapabilities.None;
        _needsFound = ModelCapabilities.None;
    }

    private void Enter(Route route)
    {
        _current = route;
        _candidates = route.Deployments;
        _candidateCount = route.Deployments.Length;
        _nextCandidate = 0;
        _filtering = NeedsFiltering(route);
        if (!route.KeepsOrder)
        {
            Order(route);
        }
    }

    /// <summary>Whether any filter can exclude one of <paramref name="route"/>'s candidates from this request; when not, none is checked.</summary>
    private bool NeedsFiltering(Route route)
    {
        if (route.Filter is not null || (_request.HasProperties && _request.Properties.Filters))
        {
            return true;
        }

        ModelCapabilities checks = route.CapabilityChecks;
        ModelCapabilities unknown = checks & ~_needsFound;
        if (unknown != 0)
        {
            _needs |= RequestNeeds.Find(_request.Messages, _request.Options, unknown);
            _needsFound |= unknown;
        }

        return (_needs & checks) != 0 || (route.ChecksContext && MayOverflow(route.SmallestContextWindow));
    }

    /// <summary>
    /// Whether the request might not fit a context window as small as <paramref name="window"/>. With the default estimator, a
    /// bound from text lengths alone settles most requests without estimating them.
    /// </summary>
    private bool MayOverflow(int window) => !UpperBoundFits(_request.Model.Cost.DefaultEstimator, window, ExpectedOutputLimit());

    private int ExpectedOutputLimit() => _request.Options?.MaxOutputTokens is > 0 and { } max ? max : 0;

    /// <summary>Checks the request-wide filters: the request's tags, providers and regions, its sensitive data, its capabilities, and its size.</summary>
    private bool ExcludedByRequest(Deployment deployment)
    {
        ref readonly RequestProperties properties = ref _request.Properties;
        if (properties.Filters && (RouteFilter.NotRequested(deployment, properties.Deployments, out Exclusion exclusion) || RouteFilter.Excludes(
            deployment, properties.RequiredTags, properties.ExcludedTags, properties.AllowedProviders, properties.DeniedProviders, byRequest: true, out exclusion)
            || RouteFilter.ExceedsLimit(deployment, properties.MaxPrice, byRequest: true, out exclusion, _request)
            || RouteFilter.OutsideRegions(deployment, properties.AllowedRegions, byRequest: true, out exclusion)
            || DataProtectionOutcome.KeepsFrom(deployment, properties.DataProtection, out exclusion)))
        {
            _skipped.Add(new SkipEntry(deployment, null, exclusion));
            return true;
        }

        if (_needs != 0 && deployment.Capabilities is { } capabilities && (capabilities & _needs) != _needs)
        {
            _skipped.Add(new SkipEntry(deployment, null, new Exclusion(deployment, ExclusionKind.MissingCapability, Missing: _needs & ~capabilities)));
            return true;
        }

        if (deployment.ContextWindow is { } window && _current.ChecksContext)
        {
            int output = ExpectedOutputLimit();
            if (UpperBoundFits(ReferenceEquals(deployment.Estimator, TokenEstimators.Default), window, output))
            {
                return false;
            }

            int input = _request.EstimatedInputTokensFor(deployment);
            if ((long)input + output > window)
            {
                _skipped.Add(new SkipEntry(deployment, null, new Exclusion(deployment, ExclusionKind.ContextWindow, Tokens: input, Output: output)));
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether the default estimator's proven bound settles that the request fits <paramref name="window"/>; only for a count by
    /// the default estimator (<paramref name="byDefault"/>), and not once it was estimated anyway.
    /// </summary>
    private bool UpperBoundFits(bool byDefault, int window, int output)
    {
        if (!byDefault || (_request.Model.Cost.DefaultEstimator && _request.HasEstimate))
        {
            return false;
        }

        long bound = CharacterTokenEstimator.UpperBound(_request.Messages, _request.Options);
        return bound != long.MaxValue && bound + output <= window;
    }

    /// <summary>Admits an untried candidate, or notes (and, when it will come back, defers) why not; a saturated one that queues is handed over to wait for its slot.</summary>
    private bool TryAdmit(Deployment deployment, Route route, long now, out Candidate candidate)
    {
        LeaseRefusal refusal = DeploymentLease.TryTake(deployment, now, out DeploymentLease lease);
        if (refusal == LeaseRefusal.None)
        {
            candidate = new Candidate(deployment, route, lease, NeedsSlot: false);
            return true;
        }

        if (refusal == LeaseRefusal.Saturated && deployment.QueueTimeout > TimeSpan.Zero)
        {
            candidate = new Candidate(deployment, route, default, NeedsSlot: true);
            return true;
        }

        candidate = default;
        Refused(deployment, route, refusal, now, @try: 1);
        return false;
    }

    /// <summary>
    /// Notes why a deployment could not be called, and defers it until it can: the end of its cooldown, or when its circuit
    /// lets a probe through (when the router waits for circuits). A deployment whose slots are all busy is not deferred: when
    /// one frees cannot be known, and a deployment that should be waited for has a queue timeout.
    /// </summary>
    private void Refused(Deployment deployment, Route route, LeaseRefusal refusal, long now, int @try)
    {
        long frequency = _request.Model.Time.TimestampFrequency;
        switch (refusal)
        {
            case LeaseRefusal.CoolingDown:
                long until = deployment.State.CooldownUntil;
                Skip(deployment, $"{deployment.Name} (cooling down after a rate limit for another {Format(Timestamps.ToTimeSpan(until - now, frequency))})");
                _deferred.Add(new Deferral(deployment, route, @try, until, First: false));
                return;

            case LeaseRefusal.Saturated when @try == 1:
                NoteBusy(deployment);
                return;

            case LeaseRefusal.Saturated:
                Skip(deployment, $"{deployment.Name} (all {deployment.MaxConcurrentRequests} concurrent slots busy at its retry)");
                return;

            default:
                NoteOpenCircuit(deployment, now);
                if (_request.Model.Failures.Breaker.WhenAllOpen == AllCircuitsOpenBehavior.WaitForEarliest)
                {
                    _deferred.Add(new Deferral(deployment, route, @try, ProbeTime(deployment.State.Breaker!, now), First: false));
                }

                return;
        }
    }

    /// <summary>
    /// Gets when an open circuit lets a probe through; for a half-open one whose probe is in flight, when to look again: the
    /// retry backoff's base delay, at least <see cref="MinimumProbeRecheck"/>.
    /// </summary>
    private long ProbeTime(CircuitBreaker breaker, long now)
    {
        long openUntil = breaker.OpenUntil;
        if (breaker.State == CircuitState.Open && openUntil > now)
        {
            return openUntil;
        }

        TimeSpan recheck = _request.Model.Failures.Retry.BaseDelay;
        recheck = recheck > MinimumProbeRecheck ? recheck : MinimumProbeRecheck;
        return now + Timestamps.FromTimeSpan(recheck, _request.Model.Time.TimestampFrequency);
    }

    private void NoteOpenCircuit(Deployment deployment, long now)
    {
        (_openCircuits ??= []).Add(deployment);
        CircuitBreaker breaker = deployment.State.Breaker!;
        long openUntil = breaker.OpenUntil;
        string state = breaker.State == CircuitState.HalfOpen
            ? "circuit half-open, a probe call is in flight"
            : openUntil > now
                ? $"circuit open for another {Format(Timestamps.ToTimeSpan(openUntil - now, _request.Model.Time.TimestampFrequency))}"
                : breaker.IsShared
                    ? "circuit open until a probe succeeds, the probe another instance's or not yet granted (shared circuit)"
                    : "circuit open, its break just ended";
        Skip(deployment, $"{deployment.Name} ({state})");
    }

    private Route RouteOf(Deployment deployment)
    {
        if (Array.IndexOf(_serving.Deployments, deployment) >= 0)
        {
            return _serving;
        }

        foreach (Route fallback in _serving.FallbackChain)
        {
            if (Array.IndexOf(fallback.Deployments, deployment) >= 0)
            {
                return fallback;
            }
        }

        return _serving;
    }

    private void Order(Route route)
    {
        _rented ??= ArrayPool<Deployment>.Shared.Rent(_request.Model.Deployments.Length);
        Array.Copy(route.Deployments, _rented, route.Deployments.Length);
        route.Strategy.Order(new SelectionContext(route.Name, _request.Messages, _request.Options, _request, route), _rented.AsSpan(0, route.Deployments.Length));
        _candidates = _rented;
    }

    private bool IsTried(int index) =>
        index < 64 ? (_triedLow & (1UL << index)) != 0 : _triedHigh?[index] == true;

    private void MarkTried(int index)
    {
        if (index < 64)
        {
            _triedLow |= 1UL << index;
            return;
        }

        _triedHigh ??= new bool[_request.Model.Deployments.Length];
        _triedHigh[index] = true;
    }

    private bool IsSkippedForContext(Deployment candidate)
    {
        if (_overflowedModels is null && _overflowedWindow is null)
        {
            return false;
        }

        bool sameModel = candidate.Model is not null && _overflowedModels is not null && _overflowedModels.Contains(candidate.Model);
        bool notLarger = candidate.ContextWindow is { } window && _overflowedWindow is { } overflowed && window <= overflowed;
        if (!sameModel && !notLarger)
        {
            return false;
        }

        Skip(candidate, sameModel
            ? $"{candidate.Name} (same model as one whose context window the request exceeded)"
            : $"{candidate.Name} (context window {candidate.ContextWindow} is not larger than the {_overflowedWindow} the request exceeded)");
        return true;
    }

    /// <summary>Puts a duration in words for errors: seconds to one decimal from one second up, else whole milliseconds.</summary>
    public static string Format(TimeSpan duration) =>
        duration.TotalSeconds >= 1
            ? duration.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s"
            : Math.Ceiling(duration.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + " ms";

    private bool WasCalled(Deployment deployment)
    {
        foreach (RouterAttempt failure in _request.Failures)
        {
            if (string.Equals(failure.Deployment, deployment.Name, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether the deployment of the <paramref name="index"/>th note was noted again later: only its latest reason is told.</summary>
    private bool NotedAgainLater(int index)
    {
        Deployment deployment = _skipped[index].Deployment;
        for (int i = index + 1; i < _skipped.Count; i++)
        {
            if (ReferenceEquals(_skipped[i].Deployment, deployment))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Gets the index of the soonest deferral (<paramref name="firstOnly"/>: among the retries that come first) that may be
    /// called by <paramref name="dueBy"/>, or <see langword="null"/>.
    /// </summary>
    private int? Soonest(bool firstOnly, long dueBy)
    {
        int? soonest = null;
        for (int i = 0; i < _deferred.Count; i++)
        {
            Deferral deferral = _deferred[i];
            if (deferral.NotBefore <= dueBy && (!firstOnly || deferral.First) && (soonest is null || deferral.NotBefore < _deferred[soonest.Value].NotBefore))
            {
                soonest = i;
            }
        }

        return soonest;
    }

    /// <summary>A candidate passed over: a reason already put in words, or a filter's exclusion put in words only if the request fails.</summary>
    private readonly record struct SkipEntry(Deployment Deployment, string? Text, Exclusion Exclusion);

    /// <summary>A deployment to come back to: one that failed and may be retried, or one passed over until it can be called.</summary>
    /// <param name="Deployment">The deployment.</param>
    /// <param name="Route">The route it was a candidate of.</param>
    /// <param name="Try">The attempt's number on the deployment when it is called: 1 for one never called, more for a retry.</param>
    /// <param name="NotBefore">When it may be called: after its Retry-After or backoff, cooldown, or open circuit.</param>
    /// <param name="First">Whether it comes before the request's untried candidates (a retry, with <see cref="RetryOrder.SameDeploymentFirst"/>).</param>
    private readonly record struct Deferral(Deployment Deployment, Route Route, int Try, long NotBefore, bool First);
}
