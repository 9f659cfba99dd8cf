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
    private DispatchChoice _dispatch;
    private List<RouterAttempt>? _failures;
    private List<Budget>? _exempt;
    private int _estimate = -1;

    public RouterRequest() => Cursor = new CandidateCursor(this);

    /// <summary>
    /// The attempt in flight on the non-streaming path. It lives here, in the pooled request, rather than in the async
    /// method's state machine, which is allocated on every call that does not complete synchronously.
    /// </summary>
    public Attempt Attempt;

    /// <summary>An admission the synchronous path started but could not finish without waiting, for the asynchronous path to await.</summary>
    public ValueTask<Admission>? Admitting;

    /// <summary>What telemetry keeps about the request; default when nothing listens.</summary>
    public RequestTelemetry Telemetry;

    /// <summary>Gets the request's candidates, in the order they are tried.</summary>
    public CandidateCursor Cursor { get; }

    public RouterModel Model { get; private set; } = null!;

    public TimeProvider Time { get; private set; } = null!;

    public IEnumerable<ChatMessage> Messages { get; private set; } = null!;

    /// <summary>Gets the caller's options.</summary>
    public ChatOptions? Options { get; private set; }

    /// <summary>Gets the router's own <c>llmrouter.*</c> properties of the request, read once.</summary>
    public ref readonly RequestProperties Properties => ref _properties;

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
    public string? Tier => _dispatch.Tier;

    /// <summary>Gets the boxed complexity score the tier came from, or <see langword="null"/>.</summary>
    public object? Complexity => _dispatch.Complexity;

    /// <summary>Gets the variant chosen for the request, or <see langword="null"/>.</summary>
    public string? Variant => _dispatch.Variant;

    /// <summary>Gets the budget that moved the request to a cheaper route, or <see langword="null"/>.</summary>
    public string? DowngradedBy { get; private set; }

    /// <summary>Gets when the whole request must end (<see cref="TimeoutOptions.Total"/>), or <see cref="Timestamps.Never"/>.</summary>
    public long Deadline { get; private set; }

    /// <summary>Gets the number of attempts started so far, retries included.</summary>
    public int Attempts { get; private set; }

    /// <summary>Gets the cost of the request's costed attempts so far, in USD.</summary>
    public decimal Cost { get; private set; }

    public IReadOnlyList<RouterAttempt> Failures => _failures is null ? [] : _failures;

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

    private Func<double> Random { get; set; } = null!;

    /// <summary>Starts the bookkeeping of a request to <paramref name="route"/>: reads its properties and dispatches it to its serving route.</summary>
    /// <exception cref="ArgumentException">The request's <c>llmrouter.*</c> properties are invalid: a list that is not strings, an unknown tier or variant.</exception>
    public void Begin(RouterModel model, Route route, IEnumerable<ChatMessage> messages, ChatOptions? options, TimeProvider time, long now, bool streaming, Func<double> random)
    {
        Model = model;
        Asked = route;
        Messages = messages;
        Options = options;
        Time = time;
        Random = random;
        Streaming = streaming;
        _properties = RequestProperties.Read(options?.AdditionalProperties);
        Deadline = model.Timeouts.RequestDeadline(now);
        Budgeted = model.Cost.Budgets.Length > 0;
        Serve(route);
    }

    public void CountAttempt() => Attempts++;

    public void AddCost(decimal usd) => Cost += usd;

    public double NextRandom() => Random();

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
        Attempt = default;
        Admitting = null;
        Telemetry = default;
        Messages = null!;
        Options = null;
        Random = null!;
        _properties = default;
        _dispatch = default;
        _path.Clear();
        _failures = null;
        _exempt = null;
        _estimate = -1;
        Attempts = 0;
        Cost = 0;
        DowngradedBy = null;
        Budgeted = false;
        Model = null!;
        Asked = null!;
        Requested = null!;
    }

    /// <summary>Dispatches <paramref name="route"/> (tiers, variants) and makes the route that serves the source of candidates.</summary>
    private void Serve(Route route)
    {
        Requested = RouteDispatch.Resolve(route, Messages, Options, _properties.Tier, _properties.Variant, Random, _path, ref _dispatch);
        Cursor.Serve(Requested);
    }
}
