using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace LlmRouter;

/// <summary>
/// Builds a router: an <see cref="IChatClient"/> that sends each request to a route's deployments in order,
/// falls back on failure and reports who served the request.
/// </summary>
/// <example>
/// <code>
/// IChatClient router = new LlmRouterBuilder()
///     .AddDeployment("primary", primaryClient, d => { d.Model = "gpt-4o-mini"; d.Price = new ModelPrice(0.15m, 0.60m); })
///     .AddDeployment("backup", backupClient)
///     .AddRoute("default", r => r.Deployments = ["primary", "backup"])
///     .Build();
/// </code>
/// </example>
/// <remarks>
/// A builder is not thread-safe and builds one router. The router takes ownership of the deployments' clients:
/// disposing the router disposes each distinct client once.
/// </remarks>
public sealed class LlmRouterBuilder
{
    /// <summary>The name of the route created when no route is added: every deployment, in the order added.</summary>
    public const string ImplicitRouteName = "default";

    private readonly RouterDefinition _definition = new();
    private bool _built;

    /// <summary>Adds a deployment: one callable model served by <paramref name="client"/>.</summary>
    /// <param name="name">A unique name (case-insensitive) that routes refer to.</param>
    /// <param name="client">The client that serves the deployment's calls. The router takes ownership and disposes it.</param>
    /// <param name="configure">Sets the model id, price, capabilities, tags and weight; optional.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or white space.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> or <paramref name="client"/> is <see langword="null"/>.</exception>
    public LlmRouterBuilder AddDeployment(string name, IChatClient client, Action<DeploymentOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(client);
        var options = new DeploymentOptions();
        configure?.Invoke(options);
        _definition.Deployments.Add((name, client, options));
        return this;
    }

    /// <summary>
    /// Adds steps in front of every deployment's client, code-added or built from configuration, the way a
    /// <see cref="ChatClientBuilder"/> composes a chat client: logging, redaction, a custom <see cref="DelegatingChatClient"/>.
    /// </summary>
    /// <param name="configure">
    /// Called once per deployment each time the router is built (and again on every configuration reload) with what the
    /// deployment is and a builder whose inner client is the deployment's client; add steps with <c>pipeline.Use…()</c>.
    /// Callbacks run in the order registered; the first step added is the outermost, the one the router calls.
    /// </param>
    /// <returns>This builder.</returns>
    /// <remarks>
    /// <para>
    /// The router's retries, fallbacks, timeouts and circuit breakers stay in the router, around the pipeline: a step that
    /// retries on its own would multiply the router's attempts, and a step that swallows errors would hide them from its
    /// failover. A step sees one attempt at a time, with the options the deployment receives (its model id, without the
    /// router's <c>llmrouter.*</c> request properties).
    /// </para>
    /// <para>
    /// The router owns the pipelines: disposing the router (or retiring a model after a reload) disposes each pipeline's steps,
    /// and each deployment's own client once. Under dependency injection, the steps' factories resolve services from the
    /// container.
    /// </para>
    /// </remarks>
    /// <example>
    /// <code>
    /// builder.ConfigureDeploymentClients((deployment, pipeline) =>
    /// {
    ///     pipeline.UseLogging();
    ///     if (!deployment.Trusted) { pipeline.Use(inner => new MyRedactingChatClient(inner)); }
    /// });
    /// </code>
    /// </example>
    public LlmRouterBuilder ConfigureDeploymentClients(Action<DeploymentInfo, ChatClientBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        _definition.DeploymentPipelines.Add(configure);
        return this;
    }

    /// <summary>Adds a route: a name callers put in <c>ChatOptions.ModelId</c>, with its candidate deployments and fallbacks.</summary>
    /// <param name="name">A unique name (case-insensitive).</param>
    /// <param name="configure">Sets the deployments, strategy and fallback routes.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or white space.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> or <paramref name="configure"/> is <see langword="null"/>.</exception>
    public LlmRouterBuilder AddRoute(string name, Action<RouteOptions> configure)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new RouteOptions();
        configure(options);
        _definition.Routes.Add((name, options));
        return this;
    }

    /// <summary>
    /// Sets the route used when a request does not set <c>ChatOptions.ModelId</c>. Without it, the only route is the
    /// default; with several routes and no default, such a request fails with an <see cref="ArgumentException"/>.
    /// </summary>
    /// <param name="name">The name of an added route.</param>
    /// <returns>This builder.</returns>
    public LlmRouterBuilder UseDefaultRoute(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _definition.DefaultRoute = name;
        return this;
    }

    /// <summary>Sets the clock used for durations, delays and timeouts.</summary>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>This builder.</returns>
    /// <value>The default is <see cref="TimeProvider.System"/>.</value>
    public LlmRouterBuilder UseTimeProvider(TimeProvider timeProvider)
    {
        _definition.TimeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        return this;
    }

    /// <summary>Sets how the router retries a deployment before moving on (<see cref="RetryOptions"/>); validated when the router is built.</summary>
    /// <param name="configure">Changes the retry options; defaults: 3 attempts, 200 ms base delay, 10 s cap on waits.</param>
    /// <returns>This builder.</returns>
    public LlmRouterBuilder ConfigureRetry(Action<RetryOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(_definition.Retry);
        return this;
    }

    /// <summary>Sets when deployments' circuits open and close (<see cref="CircuitBreakerOptions"/>); validated when the router is built.</summary>
    /// <param name="configure">Changes the circuit-breaker options.</param>
    /// <returns>This builder.</returns>
    public LlmRouterBuilder ConfigureCircuitBreaker(Action<CircuitBreakerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(_definition.CircuitBreaker);
        return this;
    }

    /// <summary>Sets the total, attempt, first-chunk and between-chunks timeouts (<see cref="TimeoutOptions"/>); validated when the router is built.</summary>
    /// <param name="configure">Changes the timeout options.</param>
    /// <returns>This builder.</returns>
    public LlmRouterBuilder ConfigureTimeouts(Action<TimeoutOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(_definition.Timeouts);
        return this;
    }

    /// <summary>Sets how long rate-limited deployments are skipped (<see cref="CooldownOptions"/>); validated when the router is built.</summary>
    /// <param name="configure">Changes the cooldown options.</param>
    /// <returns>This builder.</returns>
    public LlmRouterBuilder ConfigureCooldown(Action<CooldownOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(_definition.Cooldown);
        return this;
    }

    /// <summary>Sets what the router's traces and logs record beyond names, timings and outcomes (<see cref="TelemetryOptions"/>).</summary>
    /// <param name="configure">Changes the telemetry options; by default prompts and completions are not recorded.</param>
    /// <returns>This builder.</returns>
    public LlmRouterBuilder ConfigureTelemetry(Action<TelemetryOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(_definition.Telemetry);
        return this;
    }

    /// <summary>Sets the source of randomness for jitter and random selection, so tests can be repeatable.</summary>
    /// <param name="nextDouble">Returns uniform numbers in [0, 1); called from many threads at once, so it must be thread-safe.</param>
    /// <returns>This builder.</returns>
    /// <value>The default is <see cref="Random.Shared"/>.</value>
    public LlmRouterBuilder UseRandomSource(Func<double> nextDouble)
    {
        _definition.Random = nextDouble ?? throw new ArgumentNullException(nameof(nextDouble));
        return this;
    }

    /// <summary>Sets where the router logs fallbacks, misconfigured deployments and failed requests.</summary>
    /// <param name="loggerFactory">The logger factory.</param>
    /// <returns>This builder.</returns>
    public LlmRouterBuilder UseLoggerFactory(ILoggerFactory loggerFactory)
    {
        _definition.LoggerFactory = loggerFactory ?? throw new ArgumentNullException(nameof(loggerFactory));
        return this;
    }

    /// <summary>Adds a classifier for exception types the built-in rules do not know; asked before them, in the order added.</summary>
    /// <param name="classifier">The classifier.</param>
    /// <returns>This builder.</returns>
    public LlmRouterBuilder AddErrorClassifier(IProviderErrorClassifier classifier)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        _definition.Classifiers.Add(classifier);
        return this;
    }

    /// <summary>Adds a selection strategy that routes can name in <see cref="RouteOptions.Strategy"/>; replaces one of the same name.</summary>
    /// <param name="strategy">The strategy.</param>
    /// <returns>This builder.</returns>
    public LlmRouterBuilder AddSelectionStrategy(ISelectionStrategy strategy)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        ArgumentException.ThrowIfNullOrWhiteSpace(strategy.Name, nameof(strategy));
        _definition.Strategies[strategy.Name] = strategy;
        return this;
    }

    /// <summary>Adds a complexity scorer that tiered routes can name in <see cref="RouteOptions.ComplexityScorer"/>; replaces one of the same name.</summary>
    /// <param name="scorer">The scorer.</param>
    /// <returns>This builder.</returns>
    public LlmRouterBuilder AddComplexityScorer(IComplexityScorer scorer)
    {
        ArgumentNullException.ThrowIfNull(scorer);
        ArgumentException.ThrowIfNullOrWhiteSpace(scorer.Name, nameof(scorer));
        _definition.Scorers[scorer.Name] = scorer;
        return this;
    }

    /// <summary>
    /// Sets the evaluator of sampled responses (<see cref="RouteOptions.Evaluation"/>): any
    /// <see cref="Microsoft.Extensions.AI.Evaluation.IEvaluator"/>, given a chat configuration whose client calls the route's
    /// <see cref="EvaluationOptions.JudgeRoute"/>. Its numeric metric (<see cref="EvaluationOptions.Metric"/>) is the score.
    /// </summary>
    /// <param name="evaluator">The evaluator; must be thread-safe.</param>
    /// <returns>This builder.</returns>
    /// <value>The default is a <see cref="JudgeEvaluator"/>.</value>
    /// <exception cref="ArgumentNullException"><paramref name="evaluator"/> is <see langword="null"/>.</exception>
    public LlmRouterBuilder UseEvaluator(Microsoft.Extensions.AI.Evaluation.IEvaluator evaluator)
    {
        ArgumentNullException.ThrowIfNull(evaluator);
        _definition.Evaluator = evaluator;
        return this;
    }

    /// <summary>
    /// Sets the estimator of a request's input tokens, used for the context-window filter, <see cref="SelectionStrategies.Cheapest"/>
    /// and budget reservations; it runs at most once per request, and only when one of them needs it.
    /// </summary>
    /// <param name="estimator">The estimator; must be thread-safe.</param>
    /// <returns>This builder.</returns>
    /// <value>The default is <see cref="TokenEstimators.Default"/>.</value>
    public LlmRouterBuilder UseTokenEstimator(ITokenEstimator estimator)
    {
        _definition.Estimator = estimator ?? throw new ArgumentNullException(nameof(estimator));
        return this;
    }

    /// <summary>Sets how the strategies that learn from traffic weigh what they observe (<see cref="SelectionOptions"/>); validated when the router is built.</summary>
    /// <param name="configure">Changes the selection options; defaults: a 10 % latency buffer, newest sample weighs 0.2.</param>
    /// <returns>This builder.</returns>
    public LlmRouterBuilder ConfigureSelection(Action<SelectionOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(_definition.Selection);
        return this;
    }

    /// <summary>Adds a spend limit in US dollars per window for the router, a route, a deployment or each caller (see <see cref="BudgetOptions"/>).</summary>
    /// <param name="name">A unique name (case-insensitive), reported by <see cref="BudgetExceededException"/> and <see cref="IRouterSpend"/>.</param>
    /// <param name="configure">Sets the scope, window, limit and what happens beyond it.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or white space.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> or <paramref name="configure"/> is <see langword="null"/>.</exception>
    public LlmRouterBuilder AddBudget(string name, Action<BudgetOptions> configure)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new BudgetOptions();
        configure(options);
        _definition.Budgets.Add((name, options));
        return this;
    }

    /// <summary>
    /// Adds a rate limit on each caller: requests and tokens per minute and per hour, optionally on one route (see
    /// <see cref="RateLimitOptions"/>). A caller over it gets <see cref="RateLimitExceededException"/>.
    /// </summary>
    /// <param name="name">A unique name (case-insensitive), used in logs and in the counters' keys.</param>
    /// <param name="configure">Sets the caller property, the route and the limits.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or white space.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> or <paramref name="configure"/> is <see langword="null"/>.</exception>
    public LlmRouterBuilder AddRateLimit(string name, Action<RateLimitOptions> configure)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new RateLimitOptions();
        configure(options);
        _definition.RateLimits.Add((name, options));
        return this;
    }

    /// <summary>Sets where rate-limit counters are kept, for deployment and caller limits shared between processes.</summary>
    /// <param name="store">The store; the router does not dispose it.</param>
    /// <returns>This builder.</returns>
    /// <value>The default is none: counters are kept in memory, in this process, across configuration reloads.</value>
    /// <exception cref="ArgumentNullException"><paramref name="store"/> is <see langword="null"/>.</exception>
    public LlmRouterBuilder UseRateLimitStore(IRateLimitStore store)
    {
        _definition.RateLimitStore = store ?? throw new ArgumentNullException(nameof(store));
        return this;
    }

    /// <summary>Shares cooldowns with other processes: a rate limit one of them sees makes every one skip the deployment until its deadline.</summary>
    /// <param name="cooldowns">Where cooldowns are published and heard; the router does not dispose it, but ends its subscription when disposed.</param>
    /// <returns>This builder.</returns>
    /// <value>The default is none: each router cools its deployments down on its own.</value>
    /// <exception cref="ArgumentNullException"><paramref name="cooldowns"/> is <see langword="null"/>.</exception>
    public LlmRouterBuilder UseSharedCooldowns(ISharedCooldowns cooldowns)
    {
        _definition.SharedCooldowns = cooldowns ?? throw new ArgumentNullException(nameof(cooldowns));
        return this;
    }

    /// <summary>
    /// Shares circuit-breaker state with other processes: a circuit opened in one opens in all, and when its break ends exactly
    /// one process probes the deployment; the probe's outcome closes or reopens the circuit everywhere.
    /// </summary>
    /// <param name="circuits">Where circuits are published, claimed and heard; the router does not dispose it, but ends its subscription when disposed.</param>
    /// <returns>This builder.</returns>
    /// <value>The default is none: each router's circuits are its own.</value>
    /// <exception cref="ArgumentNullException"><paramref name="circuits"/> is <see langword="null"/>.</exception>
    public LlmRouterBuilder UseSharedCircuits(ISharedCircuits circuits)
    {
        _definition.SharedCircuits = circuits ?? throw new ArgumentNullException(nameof(circuits));
        return this;
    }

    /// <summary>
    /// Adds a detector of a kind of sensitive data the built-in ones do not know; routes whose <see cref="RouteOptions.DataProtection"/>
    /// lists its <see cref="ISensitiveDataDetector.Kind"/> (or lists no kinds) use it.
    /// </summary>
    /// <param name="detector">The detector; thread-safe. The router does not dispose it.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="detector"/> is <see langword="null"/>.</exception>
    public LlmRouterBuilder AddSensitiveDataDetector(ISensitiveDataDetector detector)
    {
        ArgumentNullException.ThrowIfNull(detector);
        _definition.Detectors.Add(detector);
        return this;
    }

    /// <summary>Gets the logger factory the router will log with, for packages that add shared stores to the builder.</summary>
    internal Microsoft.Extensions.Logging.ILoggerFactory LoggerFactory => _definition.LoggerFactory;

    /// <summary>Sets where budget spend is kept, for budgets shared between processes.</summary>
    /// <param name="ledger">The ledger; the router does not dispose it.</param>
    /// <returns>This builder.</returns>
    /// <value>The default is an in-memory ledger per router, kept across configuration reloads.</value>
    public LlmRouterBuilder UseBudgetLedger(IBudgetLedger ledger)
    {
        _definition.Ledger = ledger ?? throw new ArgumentNullException(nameof(ledger));
        return this;
    }

    /// <summary>
    /// Takes from <paramref name="services"/> what the router uses when the container has it: its <see cref="TimeProvider"/>,
    /// <see cref="ILoggerFactory"/>, <see cref="IBudgetLedger"/>, <see cref="IRateLimitStore"/>, <see cref="ISharedCooldowns"/> and <see cref="ISharedCircuits"/>, and the services the deployment pipelines' steps resolve.
    /// The one place dependency injection wires a builder.
    /// </summary>
    internal LlmRouterBuilder UseServices(IServiceProvider services)
    {
        _definition.Services = services;
        if (services.GetService(typeof(TimeProvider)) is TimeProvider timeProvider)
        {
            UseTimeProvider(timeProvider);
        }

        if (services.GetService(typeof(ILoggerFactory)) is ILoggerFactory loggerFactory)
        {
            UseLoggerFactory(loggerFactory);
        }

        if (services.GetService(typeof(IBudgetLedger)) is IBudgetLedger ledger)
        {
            UseBudgetLedger(ledger);
        }

        if (services.GetService(typeof(IRateLimitStore)) is IRateLimitStore store)
        {
            UseRateLimitStore(store);
        }

        if (services.GetService(typeof(ISharedCooldowns)) is ISharedCooldowns cooldowns)
        {
            UseSharedCooldowns(cooldowns);
        }

        if (services.GetService(typeof(ISharedCircuits)) is ISharedCircuits circuits)
        {
            UseSharedCircuits(circuits);
        }

        return this;
    }

    /// <summary>Validates the configuration and builds the router.</summary>
    /// <returns>The router, an <see cref="IChatClient"/> that is safe to use from any number of threads.</returns>
    /// <exception cref="LlmRouterConfigurationException">
    /// The configuration is invalid; the exception lists every problem (duplicate names, empty routes, unknown
    /// deployments, strategies or fallback routes, fallback cycles, invalid prices or weights, deployments without a price
    /// where a route or budget needs one, invalid tiers, variants or budgets).
    /// </exception>
    /// <exception cref="InvalidOperationException">The builder already built a router.</exception>
    public IChatClient Build() => BuildClient(reloadable: false);

    /// <summary>Gets the telemetry options set so far.</summary>
    internal TelemetryOptions Telemetry => _definition.Telemetry;

    /// <summary>Gets the clients added so far, in the order added.</summary>
    internal IEnumerable<IChatClient> Clients => _definition.Deployments.Select(d => d.Client);

    /// <summary>Gets how many deployments of the last model built kept the runtime state of the previous model's.</summary>
    internal int KeptStates { get; private set; }

    /// <summary>Validates the configuration and builds a router; a reloadable one accepts new models (<see cref="LlmRouterClient.Swap"/>).</summary>
    internal LlmRouterClient BuildClient(bool reloadable)
    {
        RouterModel model = BuildModel(previous: null);
        var client = new LlmRouterClient(model, _definition.TimeProvider, _definition.LoggerFactory.CreateLogger("LlmRouter"), _definition.Telemetry, reloadable);
        IDisposable? cooldowns = _definition.SharedCooldowns is { } sharedCooldowns
            ? SharedCooldownListener.Listen(sharedCooldowns, () => client.Model, _definition.TimeProvider)
            : null;
        IDisposable? circuits = _definition.SharedCircuits is { } sharedCircuits
            ? SharedCircuitListener.Listen(sharedCircuits, () => client.Model, _definition.TimeProvider)
            : null;
        if (cooldowns is not null || circuits is not null)
        {
            client.OwnSubscription(new Subscriptions(cooldowns, circuits));
        }

        return client;
    }

    /// <summary>
    /// Validates the configuration and builds the routing model (<see cref="RouterModelFactory"/>). A deployment keeps the
    /// runtime state (circuit breaker, cooldown, calls in flight) of <paramref name="previous"/>'s deployment of the same name
    /// when it serves the same provider and model.
    /// </summary>
    internal RouterModel BuildModel(RouterModel? previous)
    {
        if (_built)
        {
            throw new InvalidOperationException("This LlmRouterBuilder already built a router; the router owns the deployments' clients, so create a new builder for another router.");
        }

        var factory = new RouterModelFactory(_definition);
        RouterModel model = factory.Build(previous);
        KeptStates = factory.KeptStates;
        _built = true;
        return model;
    }

    private sealed class Subscriptions(IDisposable? cooldowns, IDisposable? circuits) : IDisposable
    {
        public void Dispose()
        {
            cooldowns?.Dispose();
            circuits?.Dispose();
        }
    }
}
