using System.Collections.Frozen;
using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>Everything a request needs to be routed, immutable; a configuration reload swaps it whole.</summary>
internal sealed class RouterModel
{
    /// <summary>The provider name the router reports for itself in its <see cref="ChatClientMetadata"/>.</summary>
    public const string RouterProviderName = "llmrouter";

    private readonly FrozenDictionary<string, Route> _routes;
    private readonly string _knownRoutes;

    // Requests holding the model, plus one for the router while the model is current; at zero the model is drained.
    private int _users = 1;

    // The last name resolved and its route, replaced as one object so that readers on other threads see a matching pair.
    private ResolvedName? _lastResolved;

    public RouterModel(
        Deployment[] deployments,
        IReadOnlyList<Route> routes,
        Route? defaultRoute,
        FailurePolicy failures,
        AttemptTimeouts timeouts,
        CostSettings cost,
        TimeProvider time,
        Func<double> random)
    {
        Time = time;
        Random = random;
        Failures = failures;
        Timeouts = timeouts;
        Cost = cost;
        Routes = [.. routes];
        Deployments = deployments;
        DefaultRoute = defaultRoute;
        _routes = routes.ToFrozenDictionary(r => r.Name, StringComparer.OrdinalIgnoreCase);
        _knownRoutes = string.Join(", ", routes.Select(r => r.Name));
        Metadata = new ChatClientMetadata(RouterProviderName, providerUri: null, defaultModelId: defaultRoute?.Name);
    }

    /// <summary>Gets the router's rate limits, or <see langword="null"/> when no deployment or caller is rate-limited.</summary>
    public RateLimitSettings? RateLimits { get; init; }

    /// <summary>
    /// Gets the policy of every kind, for a request that sets its own data protection action on a route without one; <see langword="null"/>
    /// when no route protects data, so requests are not inspected and deployments have no redaction step.
    /// </summary>
    public DataProtectionPolicy? DefaultDataProtection { get; init; }

    /// <summary>Gets whether any route evaluates a share of its responses (<see cref="RouteOptions.Evaluation"/>).</summary>
    public bool Evaluates { get; init; }

    /// <summary>Gets the evaluator of sampled responses.</summary>
    public Microsoft.Extensions.AI.Evaluation.IEvaluator Evaluator { get; init; } = new JudgeEvaluator();

    /// <summary>Gets every quality estimate the router keeps, shared with the models it replaced and will replace.</summary>
    public QualityRegistry Quality { get; init; } = new();

    /// <summary>Gets what the router reports about itself: its provider name and its default route as the default model.</summary>
    public ChatClientMetadata Metadata { get; }

    public Deployment[] Deployments { get; }

    /// <summary>Gets the router's clock.</summary>
    public TimeProvider Time { get; }

    /// <summary>Gets the router's source of uniform random numbers in [0, 1), for jitter, variants and random strategies.</summary>
    public Func<double> Random { get; }

    /// <summary>Gets the number of routes.</summary>
    public int RouteCount => _routes.Count;

    public Route? DefaultRoute { get; }

    /// <summary>Gets how a failed attempt is classified and what it leads to: retry, breaker, cooldown.</summary>
    public FailurePolicy Failures { get; }

    /// <summary>Gets the request's and attempts' timeouts.</summary>
    public AttemptTimeouts Timeouts { get; }

    /// <summary>Gets what cost tracking, budgets and the learning strategies use: spend counters, ledger, estimator, selection options.</summary>
    public CostSettings Cost { get; }

    /// <summary>Gets the selection options of the strategies that learn from traffic.</summary>
    public SelectionOptions Selection => Cost.Selection;

    /// <summary>Gets every route, in the order added.</summary>
    public Route[] Routes { get; }

    /// <summary>Takes a lease unless the model is already drained (no request and no longer current).</summary>
    public bool TryAddUser()
    {
        int users = Volatile.Read(ref _users);
        while (users > 0)
        {
            int seen = Interlocked.CompareExchange(ref _users, users + 1, users);
            if (seen == users)
            {
                return true;
            }

            users = seen;
        }

        return false;
    }

    /// <summary>Takes one more lease on a model the caller already holds.</summary>
    public void AddUser() => Interlocked.Increment(ref _users);

    /// <summary>Gives a lease back; returns <see langword="true"/> when that drained the model.</summary>
    public bool RemoveUser() => Interlocked.Decrement(ref _users) == 0;

    /// <summary>Finds a deployment by name, or returns <see langword="null"/>.</summary>
    public Deployment? FindDeployment(string name)
    {
        foreach (Deployment deployment in Deployments)
        {
            if (string.Equals(deployment.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return deployment;
            }
        }

        return null;
    }

    /// <summary>Finds a route by name, or returns <see langword="null"/>.</summary>
    public Route? FindRoute(string name) => _routes.GetValueOrDefault(name);

    /// <summary>Finds the route a request asked for in <c>ChatOptions.ModelId</c>.</summary>
    /// <exception cref="ArgumentException">The name is not a route, or none was given and there is no default route.</exception>
    public Route ResolveRoute(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return DefaultRoute ?? throw new ArgumentException(
                $"ChatOptions.ModelId is not set and the router has no default route. Set ModelId to one of the routes ({_knownRoutes}) or configure a default route.",
                "options");
        }

        // Callers usually pass the same string instance every time (a constant): that one is found without hashing.
        ResolvedName? last = _lastResolved;
        if (last is not null && ReferenceEquals(last.Name, name))
        {
            return last.Route;
        }

        if (_routes.TryGetValue(name, out Route? route))
        {
            // Remembered only when the name changes: callers that build the name per request (a gateway reading it from JSON)
            // pass a new instance each time, and replacing an equal name would allocate and write shared state per request.
            if (last is null || !string.Equals(last.Name, name, StringComparison.Ordinal))
            {
                _lastResolved = new ResolvedName(name, route);
            }

            return route;
        }

        throw new ArgumentException($"ChatOptions.ModelId names unknown route '{name}'. Known routes: {_knownRoutes}.", "options");
    }

    private sealed record ResolvedName(string Name, Route Route);
}
