using System.Text;
using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// What one request keeps while it is routed: the routes it asked for and is served by (after tiers, variants and budget
/// downgrades), its deadline, its candidates (<see cref="Cursor"/>), the attempts started and the failures recorded, and what
/// it cost. Pooled by the attempt engine (<see cref="Begin"/> … <see cref="End"/>), so the common case (the first candidate
/// answers) allocates nothing for it; one request owns it from begin to end.
/// </summary>
internal sealed class RouterRequest
{
    private readonly List<Route> _path = [];
    private RequestProperties _properties;
    private bool _hasProperties;
    private DispatchChoice _dispatch;
    private List<RouterAttempt>? _failures;
    private List<Budget>? _exempt;
    private int _estimate = -1;

    /// <summary>The estimates of deployments whose estimator is not the router's own (<see cref="ITokenEstimator.ForModel"/>), by estimator.</summary>
    private readonly List<(ITokenEstimator Estimator, int Tokens)> _otherEstimates = [];

    public RouterRequest() => Cursor = new CandidateCursor(this);

    /// <summary>
    /// The attempt in flight on the non-streaming path. It lives here, in the pooled request, rather than in the async
    /// method's state machine, which is allocated on every call that does not complete synchronously.
    /// </summary>
    public Attempt Attempt;

    /// <summary>
    /// A candidate selected by <see cref="AttemptEngine.TryAdmitNow(RouterRequest, long, out Candidate, out RateLimitHold)"/> that must wait for a slot before it is admitted, for
    /// <see cref="AttemptEngine.AdmitAsync"/> to go on with; <see langword="default"/> when there is none.
    /// </summary>
    public Candidate Selected;

    /// <summary>What telemetry keeps about the request; default when nothing listens.</summary>
    public RequestTelemetry Telemetry;

    /// <summary>Gets the request's candidates, in the order they are tried.</summary>
    public CandidateCursor Cursor { get; }

    public RouterModel Model { get; private set; } = null!;

    public TimeProvider Time => Model.Time;

    public IEnumerable<ChatMessage> Messages { get; private set; } = null!;

    /// <summary>Gets the caller's options.</summary>
    public ChatOptions? Options { get; private set; }

    /// <summary>Gets the router's own <c>llmrouter.*</c> properties of the request, read once; <see cref="RequestProperties.None"/> when it has none.</summary>
    public ref readonly RequestProperties Properties => ref _hasProperties ? ref _properties : ref RequestProperties.None;

    /// <summary>Gets whether the request set any of the router's <c>llmrouter.*</c> properties (else <see cref="Properties"/> is <see cref="RequestProperties.None"/>).</summary>
    public bool HasProperties => _hasProperties;

    /// <summary>Gets what data protection found in the request, or <see langword="null"/>.</summary>
    public DataProtectionOutcome? DataProtection => _hasProperties ? _properties.DataProtection : null;

    /// <summary>Gets the route the caller asked for (a tiered or A/B route, or the serving route itself).</summary>
    public Route Asked { get; private set; } = null!;

    /// <summary>Gets the route whose candidates serve the request: the one asked for, or the one its tiers, variants or a budget downgrade chose.</summary>
    public Route Requested { get; private set; } = null!;

    /// <summary>Gets the routes the request went through: the one asked for, those it dispatched through, the serving one.</summary>
    public IReadOnlyList<Route> Path => _path.Count > 0 ? _path : Requested.AsPath;

    /// <summary>Whether <paramref name="route"/> is on the request's <see cref="Path"/> (a route-scoped budget or rate limit applies).</summary>
    public bool WentThrough(Route route)
    {
        IReadOnlyList<Route> path = Path;
        for (int i = 0; i < path.Count; i++)
        {
            if (ReferenceEquals(path[i], route))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Gets whether the request is streamed.</summary>
    public bool Streaming { get; private set; }

    /// <summary>Gets whether the router has budgets, so each attempt must reserve its estimated cost first.</summary>
    public bool Budgeted { get; private set; }

    /// <summary>Gets whether the router has rate limits (on callers or deployments), so admission goes through them.</summary>
    public bool RateLimited { get; private set; }

    /// <summary>Gets what the request took from its caller limits, and the tokens its attempts used.</summary>
    public CallerHolds CallerHolds { get; } = new();

    /// <summary>Gets the tier name that chose the route, or <see langword="null"/>.</summary>
    public string? Tier => _dispatch.Tier;

    /// <summary>Gets the boxed complexity score the tier came from, or <see langword="null"/>.</summary>
    public object? Complexity => _dispatch.Complexity;

    /// <summary>Gets the variant chosen for the request, or <see langword="null"/>.</summary>
    public string? Variant => _dispatch.Variant;

    /// <summary>Gets the stage of the request: as the route that served it by stage spells it, else as the request named it; or <see langword="null"/>.</summary>
    public string? Stage => _dispatch.Stage ?? Properties.Stage;

    /// <summary>
    /// Gets whether the request has nothing of its own to say on its response: no attempt failed, no tier, variant or stage
    /// chose its route, no budget downgraded it, and it set none of the router's request properties.
    /// </summary>
    public bool Plain => _failures is null && !_hasProperties && DowngradedBy is null && _dispatch.IsEmpty;

    /// <summary>Gets the budget that moved the request to a cheaper route, or <see langword="null"/>.</summary>
    public string? DowngradedBy { get; private set; }

    /// <summary>Gets when the whole request must end (<see cref="TimeoutOptions.Total"/>), or <see cref="Timestamps.Never"/>.</summary>
    public long Deadline { get; private set; }

    /// <summary>Gets when the request began (a timestamp), for what orders its candidates without reading the clock again.</summary>
    public long Began { get; private set; }

    /// <summary>Gets the number of attempts started so far, retries included.</summary>
    public int Attempts { get; private set; }

    /// <summary>Gets the cost of the request's costed attempts so far, in USD.</summary>
    public decimal Cost { get; private set; }

    /// <summary>Gets the failed attempts so far, in order.</summary>
    public IReadOnlyList<RouterAttempt> Failures => _failures is null ? Array.Empty<RouterAttempt>() : _failures;

    /// <summary>Gets the last failed attempt, or <see langword="null"/> when none failed.</summary>
    public RouterAttempt? LastFailure => _failures is { Count: > 0 } failures ? failures[^1] : null;

    /// <summary>Gets whether the input tokens were estimated already.</summary>
    public bool HasEstimate => _estimate >= 0;

    /// <summary>Gets the request's estimated input tokens, computed on first use by the router's estimator.</summary>
    public int EstimatedInputTokens
    {
        get
        {
            if (_estimate < 0)
            {
                _estimate = Math.Max(0, Model.Cost.Estimator.EstimateInputTokens(Messages, Options));
            }

            return _estimate;
        }
    }

    /// <summary>
    /// Gets the request's estimated input tokens for <paramref name="deployment"/>, by its estimator: the router's (then this is
    /// <see cref="EstimatedInputTokens"/>), or one made for its model; each estimator counts the request once.
    /// </summary>
    public int EstimatedInputTokensFor(Deployment deployment)
    {
        ITokenEstimator estimator = deployment.Estimator;
        if (ReferenceEquals(estimator, Model.Cost.Estimator))
        {
            return EstimatedInputTokens;
        }

        foreach ((ITokenEstimator known, int tokens) in _otherEstimates)
        {
            if (ReferenceEquals(known, estimator))
            {
                return tokens;
            }
        }

        int estimate = Math.Max(0, estimator.EstimateInputTokens(Messages, Options));
        _otherEstimates.Add((estimator, estimate));
        return estimate;
    }

    /// <summary>Starts the bookkeeping of a request to <paramref name="route"/>: reads its properties and dispatches it to its serving route.</summary>
    /// <exception cref="ArgumentException">The request's <c>llmrouter.*</c> properties are invalid: a list that is not strings, an unknown tier or variant.</exception>
    public void Begin(RouterModel model, Route route, IEnumerable<ChatMessage> messages, ChatOptions? options, long now, bool streaming)
    {
        Model = model;
        Asked = route;
        Messages = messages;
        Options = options;
        Streaming = streaming;
        if (options?.AdditionalProperties is { } properties)
        {
            _properties = RequestProperties.Read(properties);
            _hasProperties = true;
        }

        Deadline = model.Timeouts.RequestDeadline(now);
        Began = now;
        Budgeted = model.Cost.Budgets.Length > 0;
        RateLimited = model.RateLimits is not null;
        Serve(route);
    }

    public void CountAttempt() => Attempts++;

    public void AddCost(decimal usd) => Cost += usd;

    public double NextRandom() => Model.Random();

    /// <summary>Reads a caller key (for a caller budget) from the request's properties.</summary>
    public string? CallerKey(string property) => RequestProperties.Text(Options?.AdditionalProperties, property);

    /// <summary>Whether a budget that once moved this request to a cheaper route no longer limits it (it still counts its spend).</summary>
    public bool IsExempt(Budget budget) => _exempt?.Contains(budget) == true;

    /// <summary>
    /// Moves the request to <paramref name="budget"/>'s cheaper route: its candidates (and fallbacks) replace the current ones,
    /// and the budget no longer limits the request. Deployments already tried are not tried again.
    /// </summary>
    public void Downgrade(Budget budget)
    {
        (_exempt ??= []).Add(budget);
        DowngradedBy = budget.Name;
        Serve(budget.DowngradeTo!);
    }

    public void AddFailure(RouterAttempt attempt) => (_failures ??= []).Add(attempt);

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

    /// <summary>
    /// Ends the request: forgets everything, so the object can serve another request. Lists handed out (the failures an
    /// exception carries) are dropped, not reused.
    /// </summary>
    public void End()
    {
        Cursor.Clear();
        if (Attempt.Deployment is not null)
        {
            Attempt = default;
        }

        if (Selected.Deployment is not null)
        {
            Selected = default;
        }

        // Telemetry fills the rest only when it listens.
        if (Telemetry.Enabled || Telemetry.Failure is not null)
        {
            Telemetry = default;
        }

        Messages = null!;
        Options = null;
        if (_hasProperties)
        {
            _properties = default;
            _hasProperties = false;
        }

        _dispatch = default;
        if (_path.Count > 0)
        {
            _path.Clear();
        }

        _failures = null;
        _exempt = null;
        _estimate = -1;
        if (_otherEstimates.Count > 0)
        {
            _otherEstimates.Clear();
        }

        Attempts = 0;
        Cost = 0;
        DowngradedBy = null;
        Budgeted = false;
        if (RateLimited)
        {
            CallerHolds.Clear();
            RateLimited = false;
        }

        Model = null!;
        Asked = null!;
        Requested = null!;
    }

    /// <summary>Dispatches <paramref name="route"/> (tiers, variants) and makes the route that serves the source of candidates.</summary>
    private void Serve(Route route)
    {
        if (!route.Dispatches && Requested is null)
        {
            // The common case: the route asked for serves, and the path is that route alone (Route.AsPath).
            Requested = route;
        }
        else
        {
            if (_path.Count == 0 && Requested is { } previous)
            {
                _path.Add(previous);
            }

            ref readonly RequestProperties properties = ref Properties;
            Requested = RouteDispatch.Resolve(route, Messages, Options, properties.Tier, properties.Variant, Model.Random, _path, ref _dispatch, properties.Stage);
        }

        Cursor.Serve(Requested);
    }
}
