using System.Buffers;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// Per-request bookkeeping of the fallback loop: which route serves the request (after tiers and variants), which candidate
/// comes next, which deployments were tried, filtered out or passed over and why, what failed, and what it cost. Pooled by
/// the router (<see cref="Begin"/> … <see cref="End"/>), so the common case (the first candidate answers) allocates
/// nothing; one request owns it from begin to end.
/// </summary>
internal sealed class RouterRequest
{
    private static readonly object[] BoxedScores = CreateBoxedScores();
    private static readonly string[] TierNames = ["simple", "medium", "complex", "reasoning"];

    private readonly List<Route> _path = [];
    private readonly List<SkipEntry> _skipped = [];

    private IEnumerable<ChatMessage> _messages = null!;
    private ChatOptions? _options;
    private TimeProvider _time = null!;
    private Func<double> _random = null!;
    private RequestProperties _properties;

    private Route _current = null!;
    private int _nextFallback;
    private Deployment[] _candidates = [];
    private int _candidateCount;
    private int _nextCandidate;
    private Deployment[]? _rented;
    private bool _filtering;

    private ulong _triedLow;
    private bool[]? _triedHigh;

    private List<RouterAttempt>? _failures;
    private List<Deployment>? _openCircuits;
    private int? _overflowedWindow;
    private List<string>? _overflowedModels;

    private int _estimate = -1;
    private ModelCapabilities _needs;
    private ModelCapabilities _needsFound;
    private List<Budget>? _exempt;

    /// <summary>Starts the bookkeeping of a request to <paramref name="route"/>.</summary>
    /// <exception cref="ArgumentException">The request's <c>llmrouter.*</c> properties are invalid: a list that is not strings, an unknown tier or variant.</exception>
    public void Begin(RouterModel model, Route route, IEnumerable<ChatMessage> messages, ChatOptions? options, TimeProvider time, long now, bool streaming, Func<double> random)
    {
        Model = model;
        Asked = route;
        _messages = messages;
        _options = options;
        _time = time;
        _random = random;
        Streaming = streaming;
        _properties = RequestProperties.Read(options?.AdditionalProperties);
        Deadline = Timestamps.Deadline(now, model.Settings.Timeouts.Total, time.TimestampFrequency);
        Budgeted = model.Cost.Budgets.Length > 0;
        Serve(Resolve(route));
    }

    public RouterModel Model { get; private set; } = null!;

    /// <summary>
    /// The attempt in flight on the non-streaming path. It lives here, in the pooled request, rather than in the async
    /// method's state machine, which is allocated on every call that does not complete synchronously.
    /// </summary>
    public Attempt Attempt;

    /// <summary>
    /// A candidate already chosen but not yet started, because it first needs a concurrency slot or a budget reservation
    /// (kept here for the same reason as <see cref="Attempt"/>); <see langword="default"/> when there is none.
    /// </summary>
    public Candidate Chosen;

    /// <summary>What telemetry keeps about the request; default when nothing listens.</summary>
    public RequestTelemetry Telemetry;

    /// <summary>Gets the route the caller asked for (a tiered or A/B route, or the serving route itself).</summary>
    public Route Asked { get; private set; } = null!;

    /// <summary>Gets the route whose candidates serve the request: the one asked for, or the one its tiers, variants or a budget downgrade chose.</summary>
    public Route Requested { get; private set; } = null!;

    /// <summary>Gets the routes the request went through: the one asked for, those it dispatched through, the serving one.</summary>
    public IReadOnlyList<Route> Path => _path;

    /// <summary>Gets whether the request is streamed.</summary>
    public bool Streaming { get; private set; }

    /// <summary>Gets whether the router has budgets, so each attempt must reserve its estimated cost first.</summary>
    public bool Budgeted { get; private set; }

    /// <summary>Gets the tier name that chose the route, or <see langword="null"/>.</summary>
    public string? Tier { get; private set; }

    /// <summary>Gets the boxed complexity score the tier came from, or <see langword="null"/>.</summary>
    public object? Complexity { get; private set; }

    /// <summary>Gets the variant chosen for the request, or <see langword="null"/>.</summary>
    public string? Variant { get; private set; }

    /// <summary>Gets the budget that moved the request to a cheaper route, or <see langword="null"/>.</summary>
    public string? DowngradedBy { get; private set; }

    /// <summary>Gets when the whole request must end (<see cref="TimeoutOptions.Total"/>), or <see cref="Timestamps.Never"/>.</summary>
    public long Deadline { get; private set; }

    /// <summary>Gets the number of attempts started so far, retries included.</summary>
    public int Attempts { get; private set; }

    /// <summary>Gets the cost of the request's costed attempts so far, in USD.</summary>
    public decimal Cost { get; private set; }

    public IReadOnlyList<RouterAttempt> Failures => _failures is null ? [] : _failures;

    /// <summary>Gets the request's estimated input tokens, computed on first use by the router's estimator.</summary>
    public int EstimatedInputTokens
    {
        get
        {
            if (_estimate < 0)
            {
                _estimate = Math.Max(0, Model.Cost.Estimator.EstimateInputTokens(_messages, _options));
            }

            return _estimate;
        }
    }

    /// <summary>Gets the caller's options.</summary>
    public ChatOptions? Options => _options;

    public void CountAttempt() => Attempts++;

    public void AddCost(decimal usd) => Cost += usd;

    public double NextRandom() => _random();

    /// <summary>Reads a caller key (for a caller budget) from the request's properties.</summary>
    public string? CallerKey(string property) => RequestProperties.Text(_options?.AdditionalProperties, property);

    /// <summary>Whether a budget that once moved this request to a cheaper route no longer limits it (it still counts its spend).</summary>
    public bool IsExempt(Budget budget) => _exempt?.Contains(budget) == true;

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

    /// <summary>
    /// Moves the request to <paramref name="budget"/>'s cheaper route: its candidates (and fallbacks) replace the current ones,
    /// and the budget no longer limits the request. Deployments already tried are not tried again.
    /// </summary>
    public void Downgrade(Budget budget)
    {
        (_exempt ??= []).Add(budget);
        DowngradedBy = budget.Name;
        _nextFallback = 0;
        Serve(Resolve(budget.DowngradeTo!));
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

                if (_filtering && _current.Filter is { } filter && filter.Excludes(deployment, out Exclusion byRoute))
                {
                    // A route's own filter: another route may still call the deployment.
                    _skipped.Add(new SkipEntry(null, byRoute));
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

            Route[] chain = Requested.FallbackChain;
            if (_nextFallback >= chain.Length)
            {
                candidate = default;
                return false;
            }

            Enter(chain[_nextFallback++]);
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

    /// <summary>Gives back what admitting a candidate took (its slot, and its probe when it was one), for a candidate not called after all.</summary>
    public static void Unadmit(in Candidate candidate)
    {
        DeploymentState state = candidate.Deployment.State;
        state.Gate.Exit();
        state.Breaker?.OnIgnored(candidate.Probe);
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

    /// <summary>Describes the candidates that were passed over, for the final error; empty when none were.</summary>
    public string SkippedSummary()
    {
        if (_skipped.Count == 0)
        {
            return string.Empty;
        }

        var text = new StringBuilder(Environment.NewLine).Append("  Not tried: ");
        for (int i = 0; i < _skipped.Count; i++)
        {
            if (i > 0)
            {
                text.Append("; ");
            }

            SkipEntry entry = _skipped[i];
            text.Append(entry.Text ?? entry.Exclusion.Describe());
        }

        return text.Append('.').ToString();
    }

    /// <summary>Notes a candidate passed over, with its reason.</summary>
    public void Skip(string reason) => _skipped.Add(new SkipEntry(reason, default));

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

        Attempt = default;
        Chosen = default;
        _messages = null!;
        _options = null;
        _random = null!;
        _properties = default;
        _current = null!;
        _candidates = [];
        _candidateCount = 0;
        _nextCandidate = 0;
        _nextFallback = 0;
        _filtering = false;
        _triedLow = 0;
        _triedHigh = null;
        _failures = null;
        _skipped.Clear();
        _path.Clear();
        _openCircuits = null;
        _overflowedWindow = null;
        _overflowedModels = null;
        _estimate = -1;
        _needs = ModelCapabilities.None;
        _needsFound = ModelCapabilities.None;
        _exempt = null;
        Attempts = 0;
        Cost = 0;
        Tier = null;
        Complexity = null;
        Variant = null;
        DowngradedBy = null;
        Budgeted = false;
        Telemetry = default;
        Model = null!;
        Asked = null!;
        Requested = null!;
    }

    /// <summary>Follows tiers and variants from <paramref name="route"/> to the route that serves, noting each on the path.</summary>
    private Route Resolve(Route route)
    {
        // Dispatch cycles are rejected when the router is built, so this ends.
        while (route.Dispatches)
        {
            _path.Add(route);
            route = route.Variants is { } variants ? PickVariant(route, variants) : PickTier(route);
        }

        _path.Add(route);
        return route;
    }

    private Route PickVariant(Route route, RouteVariant[] variants)
    {
        if (_properties.Variant is { } named)
        {
            foreach (RouteVariant variant in variants)
            {
                if (string.Equals(variant.Route.Name, named, StringComparison.OrdinalIgnoreCase))
                {
                    Variant = variant.Route.Name;
                    return variant.Route;
                }
            }

            throw new ArgumentException(
                $"ChatOptions.AdditionalProperties['{LlmRouterRequestProperties.Variant}'] names '{named}', which is not a variant of route '{route.Name}'. Variants: {string.Join(", ", variants.Select(v => v.Route.Name))}.",
                "options");
        }

        RouteVariant chosen = RequestProperties.Text(_options?.AdditionalProperties, route.VariantKey) is { } key
            ? Sticky(variants, key)
            : Random(variants);
        Variant = chosen.Route.Name;
        return chosen.Route;
    }

    /// <summary>
    /// Weighted rendezvous hashing: each variant draws a stable number from a hash of its name and the key, scaled by its
    /// weight, and the best draw wins. A key keeps its variant while the variants and weights stay the same, and changing one
    /// variant's weight only moves keys to or from that variant.
    /// </summary>
    private static RouteVariant Sticky(RouteVariant[] variants, string key)
    {
        RouteVariant best = variants[0];
        double bestScore = double.PositiveInfinity;
        foreach (RouteVariant variant in variants)
        {
            if (variant.Weight <= 0)
            {
                continue;
            }

            double score = -Math.Log(StableHash.ToUnitInterval(StableHash.Hash(variant.Route.Name, key))) / variant.Weight;
            if (score < bestScore)
            {
                bestScore = score;
                best = variant;
            }
        }

        return best;
    }

    private RouteVariant Random(RouteVariant[] variants)
    {
        double total = 0;
        foreach (RouteVariant variant in variants)
        {
            total += Math.Max(0, variant.Weight);
        }

        double target = _random() * total;
        RouteVariant last = variants[0];
        foreach (RouteVariant variant in variants)
        {
            if (variant.Weight <= 0)
            {
                continue;
            }

            last = variant;
            target -= variant.Weight;
            if (target < 0)
            {
                return variant;
            }
        }

        return last;
    }

    private Route PickTier(Route route)
    {
        ComplexityTier tier;
        if (_properties.Tier is { } named)
        {
            if (char.IsDigit(named[0]) || !Enum.TryParse(named, ignoreCase: true, out tier) || !Enum.IsDefined(tier))
            {
                throw new ArgumentException(
                    $"ChatOptions.AdditionalProperties['{LlmRouterRequestProperties.Tier}'] is '{named}', which is not a tier. Valid tiers: {string.Join(", ", TierNames)}.",
                    "options");
            }
        }
        else
        {
            ComplexityScore score = route.Scorer!.Score(_messages, _options);
            tier = Enum.IsDefined(score.Tier) ? score.Tier : ComplexityTier.Complex;
            int clamped = Math.Clamp(score.Score, 0, 100);
            Complexity = BoxedScores[clamped];
        }

        Tier = TierNames[(int)tier];
        return route.Tiers![(int)tier];
    }

    /// <summary>Makes <paramref name="route"/> the serving route: its candidates come first, its fallback chain after.</summary>
    private void Serve(Route route)
    {
        Requested = route;
        Enter(route);
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
        if (route.Filter is not null || _properties.Filters)
        {
            return true;
        }

        ModelCapabilities checks = route.CapabilityChecks;
        ModelCapabilities unknown = checks & ~_needsFound;
        if (unknown != 0)
        {
            _needs |= RequestNeeds.Find(_messages, _options, unknown);
            _needsFound |= unknown;
        }

        return (_needs & checks) != 0 || (route.ChecksContext && MayOverflow(route.SmallestContextWindow));
    }

    /// <summary>
    /// Whether the request might not fit a context window as small as <paramref name="window"/>. With the default estimator, a
    /// bound from text lengths alone settles most requests without estimating them.
    /// </summary>
    private bool MayOverflow(int window)
    {
        int output = _options?.MaxOutputTokens is > 0 and { } max ? max : 0;
        return !UpperBoundFits(window, output);
    }

    /// <summary>Checks the request-wide filters: the request's tags and providers, its capabilities, and its size.</summary>
    private bool ExcludedByRequest(Deployment deployment)
    {
        if (_properties.Filters && (RouteFilter.Excludes(
            deployment, _properties.RequiredTags, _properties.ExcludedTags, _properties.AllowedProviders, _properties.DeniedProviders, byRequest: true, out Exclusion exclusion)
            || RouteFilter.ExceedsLimit(deployment, _properties.MaxPrice, byRequest: true, out exclusion)))
        {
            _skipped.Add(new SkipEntry(null, exclusion));
            return true;
        }

        if (_needs != 0 && deployment.Capabilities is { } capabilities && (capabilities & _needs) != _needs)
        {
            _skipped.Add(new SkipEntry(null, new Exclusion(deployment, ExclusionKind.MissingCapability, Missing: _needs & ~capabilities)));
            return true;
        }

        if (deployment.ContextWindow is { } window && _current.ChecksContext)
        {
            int output = _options?.MaxOutputTokens is > 0 and { } max ? max : 0;
            if (UpperBoundFits(window, output))
            {
                return false;
            }

            int input = EstimatedInputTokens;
            if ((long)input + output > window)
            {
                _skipped.Add(new SkipEntry(null, new Exclusion(deployment, ExclusionKind.ContextWindow, Tokens: input, Output: output)));
                return true;
            }
        }

        return false;
    }

    private bool UpperBoundFits(int window, int output)
    {
        if (!Model.Cost.DefaultEstimator || _estimate >= 0)
        {
            return false;
        }

        long bound = CharacterTokenEstimator.UpperBound(_messages, _options);
        return bound != long.MaxValue && bound + output <= window;
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

    private void Order(Route route)
    {
        _rented ??= ArrayPool<Deployment>.Shared.Rent(Model.Deployments.Length);
        Array.Copy(route.Deployments, _rented, route.Deployments.Length);
        route.Strategy.Order(new SelectionContext(route.Name, _messages, _options, this, route), _rented.AsSpan(0, route.Deployments.Length));
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

        _triedHigh ??= new bool[Model.Deployments.Length];
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

        Skip(sameModel
            ? $"{candidate.Name} (same model as one whose context window the request exceeded)"
            : $"{candidate.Name} (context window {candidate.ContextWindow} is not larger than the {_overflowedWindow} the request exceeded)");
        return true;
    }

    private static string Format(TimeSpan duration) =>
        duration.TotalSeconds >= 1
            ? duration.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s"
            : Math.Ceiling(duration.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + " ms";

    private static object[] CreateBoxedScores()
    {
        var boxed = new object[101];
        for (int i = 0; i < boxed.Length; i++)
        {
            boxed[i] = i;
        }

        return boxed;
    }

    /// <summary>A candidate passed over: a reason already put in words, or a filter's exclusion put in words only if the request fails.</summary>
    private readonly record struct SkipEntry(string? Text, Exclusion Exclusion);
}
