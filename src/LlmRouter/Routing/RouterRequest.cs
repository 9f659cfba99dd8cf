using System.Buffers;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// Per-request bookkeeping of the fallback loop: which candidate comes next, which deployments were tried or passed
/// over and why, and what failed. Pooled by the router (<see cref="Begin"/> … <see cref="End"/>), so the common case
/// (the first candidate answers) allocates nothing; one request owns it from begin to end.
/// </summary>
internal sealed class RouterRequest
{
    private IEnumerable<ChatMessage> _messages = null!;
    private ChatOptions? _options;
    private TimeProvider _time = null!;

    private Route _current = null!;
    private int _nextFallback;
    private Deployment[] _candidates = [];
    private int _candidateCount;
    private int _nextCandidate;
    private Deployment[]? _rented;

    private ulong _triedLow;
    private bool[]? _triedHigh;

    private List<RouterAttempt>? _failures;
    private List<string>? _skipped;
    private List<Deployment>? _openCircuits;
    private int? _overflowedWindow;
    private List<string>? _overflowedModels;

    /// <summary>Starts the bookkeeping of a request to <paramref name="route"/>.</summary>
    public void Begin(RouterModel model, Route route, IEnumerable<ChatMessage> messages, ChatOptions? options, TimeProvider time, long now)
    {
        Model = model;
        Requested = route;
        _messages = messages;
        _options = options;
        _time = time;
        _current = route;
        _candidates = route.Deployments;
        _candidateCount = route.Deployments.Length;
        Deadline = Timestamps.Deadline(now, model.Settings.Timeouts.Total, time.TimestampFrequency);
        if (!route.KeepsOrder)
        {
            Order(route);
        }
    }

    public RouterModel Model { get; private set; } = null!;

    /// <summary>What telemetry keeps about the request; default when nothing listens.</summary>
    public RequestTelemetry Telemetry;

    /// <summary>Gets the route the caller asked for.</summary>
    public Route Requested { get; private set; } = null!;

    /// <summary>Gets when the whole request must end (<see cref="TimeoutOptions.Total"/>), or <see cref="Timestamps.Never"/>.</summary>
    public long Deadline { get; private set; }

    /// <summary>Gets the number of attempts started so far, retries included.</summary>
    public int Attempts { get; private set; }

    public IReadOnlyList<RouterAttempt> Failures => _failures is null ? [] : _failures;

    public void CountAttempt() => Attempts++;

    /// <summary>
    /// Moves to the next candidate that is not cooling down, not saturated (unless it queues) and whose circuit lets the call
    /// through: the route's own candidates first, then its fallback routes'. Every candidate passed over is noted with its reason.
    /// </summary>
    public bool TryNext(long now, out Candidate candidate)
    {
        while (true)
        {
            while (_nextCandidate < _candidateCount)
            {
                Deployment deployment = _candidates[_nextCandidate++];
                if (deployment is null || !MarkTried(deployment.Index) || IsSkippedForContext(deployment))
                {
                    continue;
                }

                if (TryAdmit(deployment, _current, now, out candidate))
                {
                    return true;
                }
            }

            Route[] chain = Requested.FallbackChain;
            if (_nextFallback >= chain.Length)
            {
                candidate = default;
                return false;
            }

            _current = chain[_nextFallback++];
            _candidates = _current.Deployments;
            _candidateCount = _candidates.Length;
            _nextCandidate = 0;
            if (!_current.KeepsOrder)
            {
                Order(_current);
            }
        }
    }

    /// <summary>Admits <paramref name="deployment"/> again for a retry after a failure; notes why not when it cannot be.</summary>
    public bool TryReadmit(Deployment deployment, Route route, long now, out Candidate candidate)
    {
        if (!TryAdmit(deployment, route, now, out candidate))
        {
            return false;
        }

        if (!candidate.NeedsSlot)
        {
            return true;
        }

        // A retry does not queue: a deployment that filled up meanwhile is left for the next candidate.
        Skip($"{deployment.Name} (all {deployment.MaxConcurrentRequests} concurrent slots busy at its retry)");
        candidate = default;
        return false;
    }

    /// <summary>Finishes admitting a candidate that waited for, and got, a concurrency slot.</summary>
    public bool CompleteAdmission(ref Candidate candidate, long now)
    {
        DeploymentState state = candidate.Deployment.State;
        bool probe = false;
        if (state.Breaker is { } breaker && !breaker.TryAcquire(now, out probe))
        {
            state.Gate.Exit();
            NoteOpenCircuit(candidate.Deployment, breaker, now);
            return false;
        }

        candidate = candidate with { NeedsSlot = false, Probe = probe };
        return true;
    }

    /// <summary>Notes a candidate that waited for a concurrency slot in vain.</summary>
    public void NoteSaturated(Deployment deployment) =>
        Skip($"{deployment.Name} (all {deployment.MaxConcurrentRequests} concurrent slots stayed busy for the {Format(deployment.QueueTimeout)} queue timeout)");

    /// <summary>
    /// When every candidate was passed over for an open circuit and the router is set to try anyway, admits the one whose
    /// circuit opened earliest, as a probe: its outcome closes or reopens the circuit.
    /// </summary>
    public bool TryEarliestOpened(out Candidate candidate)
    {
        candidate = default;
        if (Attempts > 0 || _openCircuits is null || Model.Settings.Breaker.WhenAllOpen != AllCircuitsOpenBehavior.TryEarliestOpened)
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
        if (earliest is null || !earliest.State.Gate.TryEnter())
        {
            return false;
        }

        candidate = new Candidate(earliest, RouteOf(earliest), Probe: true, NeedsSlot: false);
        return true;
    }

    public void AddFailure(RouterAttempt attempt) => (_failures ??= []).Add(attempt);

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

    /// <summary>Gets the short reasons of the failed attempts, or <see langword="null"/> when none failed.</summary>
    public string? FallbackReasons()
    {
        if (_failures is null)
        {
            return null;
        }

        var text = new StringBuilder();
        foreach (RouterAttempt failure in _failures)
        {
            if (text.Length > 0)
            {
                text.Append("; ");
            }

            text.Append(failure.ToShortString());
        }

        return text.ToString();
    }

    /// <summary>Describes the candidates that were passed over, for the final error; empty when none were.</summary>
    public string SkippedSummary() =>
        _skipped is null ? string.Empty : Environment.NewLine + "  Not tried: " + string.Join("; ", _skipped) + ".";

    /// <summary>
    /// Ends the request: returns the rented ordering array and forgets everything, so the object can serve another request.
    /// Lists handed out (the failures an exception carries) are dropped, not reused.
    /// </summary>
    public void End()
    {
        if (_rented is not null)
        {
            ArrayPool<Deployment>.Shared.Return(_rented, clearArray: true);
            _rented = null;
        }

        _messages = null!;
        _options = null;
        _current = null!;
        _candidates = [];
        _candidateCount = 0;
        _nextCandidate = 0;
        _nextFallback = 0;
        _triedLow = 0;
        _triedHigh = null;
        _failures = null;
        _skipped = null;
        _openCircuits = null;
        _overflowedWindow = null;
        _overflowedModels = null;
        Attempts = 0;
        Telemetry = default;
        Model = null!;
        Requested = null!;
    }

    private bool TryAdmit(Deployment deployment, Route route, long now, out Candidate candidate)
    {
        candidate = default;
        DeploymentState state = deployment.State;
        long cooldownUntil = state.CooldownUntil;
        if (now < cooldownUntil)
        {
            Skip($"{deployment.Name} (cooling down after a rate limit for another {Format(Timestamps.ToTimeSpan(cooldownUntil - now, _time.TimestampFrequency))})");
            return false;
        }

        if (!state.Gate.TryEnter())
        {
            if (deployment.QueueTimeout > TimeSpan.Zero)
            {
                candidate = new Candidate(deployment, route, Probe: false, NeedsSlot: true);
                return true;
            }

            Skip($"{deployment.Name} (all {deployment.MaxConcurrentRequests} concurrent slots busy)");
            return false;
        }

        bool probe = false;
        if (state.Breaker is { } breaker && !breaker.TryAcquire(now, out probe))
        {
            state.Gate.Exit();
            NoteOpenCircuit(deployment, breaker, now);
            return false;
        }

        candidate = new Candidate(deployment, route, probe, NeedsSlot: false);
        return true;
    }

    private void NoteOpenCircuit(Deployment deployment, CircuitBreaker breaker, long now)
    {
        (_openCircuits ??= []).Add(deployment);
        string state = breaker.State == CircuitState.HalfOpen
            ? "circuit half-open, a probe call is in flight"
            : $"circuit open for another {Format(Timestamps.ToTimeSpan(Math.Max(0, breaker.OpenUntil - now), _time.TimestampFrequency))}";
        Skip($"{deployment.Name} ({state})");
    }

    private Route RouteOf(Deployment deployment)
    {
        if (Array.IndexOf(Requested.Deployments, deployment) >= 0)
        {
            return Requested;
        }

        foreach (Route fallback in Requested.FallbackChain)
        {
            if (Array.IndexOf(fallback.Deployments, deployment) >= 0)
            {
                return fallback;
            }
        }

        return Requested;
    }

    private void Skip(string reason) => (_skipped ??= []).Add(reason);

    private void Order(Route route)
    {
        _rented ??= ArrayPool<Deployment>.Shared.Rent(Model.Deployments.Length);
        Array.Copy(route.Deployments, _rented, route.Deployments.Length);
        route.Strategy.Order(new SelectionContext(route.Name, _messages, _options), _rented.AsSpan(0, route.Deployments.Length));
        _candidates = _rented;
    }

    private bool MarkTried(int index)
    {
        if (index < 64)
        {
            ulong bit = 1UL << index;
            bool fresh = (_triedLow & bit) == 0;
            _triedLow |= bit;
            return fresh;
        }

        _triedHigh ??= new bool[Model.Deployments.Length];
        bool first = !_triedHigh[index];
        _triedHigh[index] = true;
        return first;
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

        Skip(sameModel
            ? $"{candidate.Name} (same model as one whose context window the request exceeded)"
            : $"{candidate.Name} (context window {candidate.ContextWindow} is not larger than the {_overflowedWindow} the request exceeded)");
        return true;
    }

    private static string Format(TimeSpan duration) =>
        duration.TotalSeconds >= 1
            ? duration.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s"
            : Math.Ceiling(duration.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + " ms";
}
