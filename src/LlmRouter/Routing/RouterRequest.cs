using System.Buffers;
using System.Text;
using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// Per-request bookkeeping of the fallback loop: which candidate comes next, which deployments were tried,
/// and what failed. A mutable struct so the common case (the first candidate answers) allocates nothing;
/// it lives in one local of the calling method and is never copied after use begins.
/// </summary>
internal struct RouterRequest
{
    private readonly IEnumerable<ChatMessage> _messages;
    private readonly ChatOptions? _options;

    private Route _current;
    private int _nextFallback;
    private Deployment[] _candidates;
    private int _candidateCount;
    private int _nextCandidate;
    private Deployment[]? _rented;

    private ulong _triedLow;
    private bool[]? _triedHigh;

    private List<RouterAttempt>? _failures;
    private List<string>? _skipped;
    private int? _overflowedWindow;
    private List<string>? _overflowedModels;

    public RouterRequest(RouterModel model, Route route, IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        Model = model;
        Requested = route;
        _messages = messages;
        _options = options;
        _current = route;
        _candidates = route.Deployments;
        _candidateCount = route.Deployments.Length;
        if (!route.KeepsOrder)
        {
            Order(route);
        }
    }

    public RouterModel Model { get; }

    /// <summary>Gets the route the caller asked for.</summary>
    public Route Requested { get; }

    /// <summary>Gets the number of attempts started so far.</summary>
    public int Attempts { get; private set; }

    public readonly IReadOnlyList<RouterAttempt> Failures => _failures is null ? [] : _failures;

    /// <summary>Moves to the next untried candidate: the route's own, then its fallback routes'.</summary>
    public bool TryNext(out Deployment deployment, out Route route)
    {
        while (true)
        {
            while (_nextCandidate < _candidateCount)
            {
                Deployment candidate = _candidates[_nextCandidate++];
                if (candidate is null || !MarkTried(candidate.Index) || IsSkipped(candidate))
                {
                    continue;
                }

                Attempts++;
                deployment = candidate;
                route = _current;
                return true;
            }

            Route[] chain = Requested.FallbackChain;
            if (_nextFallback >= chain.Length)
            {
                deployment = null!;
                route = null!;
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
    public readonly string? FallbackReasons()
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
    public readonly string SkippedSummary() =>
        _skipped is null ? string.Empty : Environment.NewLine + "  Not tried: " + string.Join("; ", _skipped) + ".";

    public void Dispose()
    {
        if (_rented is not null)
        {
            ArrayPool<Deployment>.Shared.Return(_rented, clearArray: true);
            _rented = null;
        }
    }

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

    private bool IsSkipped(Deployment candidate)
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

        (_skipped ??= []).Add(sameModel
            ? $"{candidate.Name} (same model as one whose context window the request exceeded)"
            : $"{candidate.Name} (context window {candidate.ContextWindow} is not larger than the {_overflowedWindow} the request exceeded)");
        return true;
    }
}
