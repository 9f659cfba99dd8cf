using System.Globalization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

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
public sealed partial class LlmRouterBuilder
{
    /// <summary>The name of the route created when no route is added: every deployment, in the order added.</summary>
    public const string ImplicitRouteName = "default";

    private readonly List<(string Name, IChatClient Client, DeploymentOptions Options)> _deployments = [];
    private readonly List<(string Name, RouteOptions Options)> _routes = [];
    private readonly List<IProviderErrorClassifier> _classifiers = [];
    private readonly Dictionary<string, ISelectionStrategy> _strategies = new(StringComparer.OrdinalIgnoreCase)
    {
        [SelectionStrategies.Ordered] = OrderedSelectionStrategy.Instance,
        [SelectionStrategies.Weighted] = WeightedSelectionStrategy.Instance,
        [SelectionStrategies.RoundRobin] = RoundRobinSelectionStrategy.Instance,
        [SelectionStrategies.LeastBusy] = LeastBusySelectionStrategy.Instance,
        [SelectionStrategies.LowestLatency] = LowestLatencySelectionStrategy.Instance,
        [SelectionStrategies.PowerOfTwoChoices] = PowerOfTwoChoicesSelectionStrategy.Instance,
        [SelectionStrategies.Cheapest] = CheapestSelectionStrategy.Instance,
    };

    private readonly Dictionary<string, IComplexityScorer> _scorers = new(StringComparer.OrdinalIgnoreCase)
    {
        [ComplexityScorers.Heuristic] = ComplexityScorers.Default,
    };

    private readonly List<(string Name, BudgetOptions Options)> _budgets = [];
    private readonly List<Action<DeploymentInfo, ChatClientBuilder>> _deploymentPipelines = [];
    private readonly SelectionOptions _selection = new();

    private readonly RetryOptions _retry = new();
    private readonly CircuitBreakerOptions _circuitBreaker = new();
    private readonly TimeoutOptions _timeouts = new();
    private readonly CooldownOptions _cooldown = new();
    private readonly TelemetryOptions _telemetry = new();

    private string? _defaultRoute;
    private Func<double> _random = Random.Shared.NextDouble;
    private TimeProvider _timeProvider = TimeProvider.System;
    private ILoggerFactory _loggerFactory = NullLoggerFactory.Instance;
    private ITokenEstimator _estimator = TokenEstimators.Default;
    private IBudgetLedger? _ledger;
    private IServiceProvider? _services;
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
        _deployments.Add((name, client, options));
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
        _deploymentPipelines.Add(configure);
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
        _routes.Add((name, options));
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
        _defaultRoute = name;
        return this;
    }

    /// <summary>Sets the clock used for durations, delays and timeouts.</summary>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>This builder.</returns>
    /// <value>The default is <see cref="TimeProvider.System"/>.</value>
    public LlmRouterBuilder UseTimeProvider(TimeProvider timeProvider)
    {
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        return this;
    }

    /// <summary>Sets how the router retries a deployment before moving on (<see cref="RetryOptions"/>); validated when the router is built.</summary>
    /// <param name="configure">Changes the retry options; defaults: 3 attempts, 200 ms base delay, 10 s cap on waits.</param>
    /// <returns>This builder.</returns>
    public LlmRouterBuilder ConfigureRetry(Action<RetryOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(_retry);
        return this;
    }

    /// <summary>Sets when deployments' circuits open and close (<see cref="CircuitBreakerOptions"/>); validated when the router is built.</summary>
    /// <param name="configure">Changes the circuit-breaker options.</param>
    /// <returns>This builder.</returns>
    public LlmRouterBuilder ConfigureCircuitBreaker(Action<CircuitBreakerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(_circuitBreaker);
        return this;
    }

    /// <summary>Sets the total, attempt, first-chunk and between-chunks timeouts (<see cref="TimeoutOptions"/>); validated when the router is built.</summary>
    /// <param name="configure">Changes the timeout options.</param>
    /// <returns>This builder.</returns>
    public LlmRouterBuilder ConfigureTimeouts(Action<TimeoutOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(_timeouts);
        return this;
    }

    /// <summary>Sets how long rate-limited deployments are skipped (<see cref="CooldownOptions"/>); validated when the router is built.</summary>
    /// <param name="configure">Changes the cooldown options.</param>
    /// <returns>This builder.</returns>
    public LlmRouterBuilder ConfigureCooldown(Action<CooldownOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(_cooldown);
        return this;
    }

    /// <summary>Sets what the router's traces and logs record beyond names, timings and outcomes (<see cref="TelemetryOptions"/>).</summary>
    /// <param name="configure">Changes the telemetry options; by default prompts and completions are not recorded.</param>
    /// <returns>This builder.</returns>
    public LlmRouterBuilder ConfigureTelemetry(Action<TelemetryOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(_telemetry);
        return this;
    }

    /// <summary>Sets the source of randomness for jitter and random selection, so tests can be repeatable.</summary>
    /// <param name="nextDouble">Returns uniform numbers in [0, 1); called from many threads at once, so it must be thread-safe.</param>
    /// <returns>This builder.</returns>
    /// <value>The default is <see cref="Random.Shared"/>.</value>
    public LlmRouterBuilder UseRandomSource(Func<double> nextDouble)
    {
        _random = nextDouble ?? throw new ArgumentNullException(nameof(nextDouble));
        return this;
    }

    /// <summary>Sets where the router logs fallbacks, misconfigured deployments and failed requests.</summary>
    /// <param name="loggerFactory">The logger factory.</param>
    /// <returns>This builder.</returns>
    public LlmRouterBuilder UseLoggerFactory(ILoggerFactory loggerFactory)
    {
        _loggerFactory = loggerFactory ?? throw new ArgumentNullException(nameof(loggerFactory));
        return this;
    }

    /// <summary>Adds a classifier for exception types the built-in rules do not know; asked before them, in the order added.</summary>
    /// <param name="classifier">The classifier.</param>
    /// <returns>This builder.</returns>
    public LlmRouterBuilder AddErrorClassifier(IProviderErrorClassifier classifier)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        _classifiers.Add(classifier);
        return this;
    }

    /// <summary>Adds a selection strategy that routes can name in <see cref="RouteOptions.Strategy"/>; replaces one of the same name.</summary>
    /// <param name="strategy">The strategy.</param>
    /// <returns>This builder.</returns>
    public LlmRouterBuilder AddSelectionStrategy(ISelectionStrategy strategy)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        ArgumentException.ThrowIfNullOrWhiteSpace(strategy.Name, nameof(strategy));
        _strategies[strategy.Name] = strategy;
        return this;
    }

    /// <summary>Adds a complexity scorer that tiered routes can name in <see cref="RouteOptions.ComplexityScorer"/>; replaces one of the same name.</summary>
    /// <param name="scorer">The scorer.</param>
    /// <returns>This builder.</returns>
    public LlmRouterBuilder AddComplexityScorer(IComplexityScorer scorer)
    {
        ArgumentNullException.ThrowIfNull(scorer);
        ArgumentException.ThrowIfNullOrWhiteSpace(scorer.Name, nameof(scorer));
        _scorers[scorer.Name] = scorer;
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
        _estimator = estimator ?? throw new ArgumentNullException(nameof(estimator));
        return this;
    }

    /// <summary>Sets how the strategies that learn from traffic weigh what they observe (<see cref="SelectionOptions"/>); validated when the router is built.</summary>
    /// <param name="configure">Changes the selection options; defaults: a 10 % latency buffer, newest sample weighs 0.2.</param>
    /// <returns>This builder.</returns>
    public LlmRouterBuilder ConfigureSelection(Action<SelectionOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(_selection);
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
        _budgets.Add((name, options));
        return this;
    }

    /// <summary>Sets where budget spend is kept, for budgets shared between processes.</summary>
    /// <param name="ledger">The ledger; the router does not dispose it.</param>
    /// <returns>This builder.</returns>
    /// <value>The default is an in-memory ledger per router, kept across configuration reloads.</value>
    public LlmRouterBuilder UseBudgetLedger(IBudgetLedger ledger)
    {
        _ledger = ledger ?? throw new ArgumentNullException(nameof(ledger));
        return this;
    }

    /// <summary>
    /// Takes from <paramref name="services"/> what the router uses when the container has it: its <see cref="TimeProvider"/>,
    /// <see cref="ILoggerFactory"/> and <see cref="IBudgetLedger"/>, and the services the deployment pipelines' steps resolve.
    /// The one place dependency injection wires a builder.
    /// </summary>
    internal LlmRouterBuilder UseServices(IServiceProvider services)
    {
        _services = services;
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
    internal TelemetryOptions Telemetry => _telemetry;

    /// <summary>Gets the clients added so far, in the order added.</summary>
    internal IEnumerable<IChatClient> Clients => _deployments.Select(d => d.Client);

    /// <summary>Gets how many deployments of the last model built kept the runtime state of the previous model's.</summary>
    internal int KeptStates { get; private set; }

    /// <summary>Validates the configuration and builds a router; a reloadable one accepts new models (<see cref="LlmRouterClient.Swap"/>).</summary>
    internal LlmRouterClient BuildClient(bool reloadable)
    {
        RouterModel model = BuildModel(previous: null);
        return new LlmRouterClient(model, _timeProvider, _loggerFactory.CreateLogger("LlmRouter"), _telemetry, reloadable);
    }

    /// <summary>
    /// Validates the configuration and builds the routing model. A deployment keeps the runtime state (circuit breaker,
    /// cooldown, calls in flight) of <paramref name="previous"/>'s deployment of the same name when it serves the same
    /// provider and model; see <see cref="CreateState"/>.
    /// </summary>
    internal RouterModel BuildModel(RouterModel? previous)
    {
        if (_built)
        {
            throw new InvalidOperationException("This LlmRouterBuilder already built a router; the router owns the deployments' clients, so create a new builder for another router.");
        }

        var errors = new List<string>();
        SpendRegistry spend = previous?.Cost.Spend ?? new SpendRegistry();
        Dictionary<string, Deployment> deployments = BuildDeployments(errors, previous, spend);
        List<(string Name, RouteOptions Options)> routeOptions = _routes.Count > 0 || deployments.Count == 0
            ? _routes
            : [(ImplicitRouteName, new RouteOptions { Deployments = [.. _deployments.Select(d => d.Name).Distinct(StringComparer.OrdinalIgnoreCase)] })];

        ValidateRoutes(routeOptions, deployments, errors);
        ValidateResilience(routeOptions, errors);
        ValidateBudgets(routeOptions, deployments, errors);
        if (_defaultRoute is not null && !routeOptions.Exists(r => string.Equals(r.Name, _defaultRoute, StringComparison.OrdinalIgnoreCase)))
        {
            errors.Add($"The default route '{_defaultRoute}' is not a route. Known routes: {JoinNames(routeOptions.Select(r => r.Name))}.");
        }

        if (errors.Count > 0)
        {
            throw new LlmRouterConfigurationException(errors);
        }

        var routes = new Dictionary<string, Route>(StringComparer.OrdinalIgnoreCase);
        foreach ((string name, RouteOptions options) in routeOptions)
        {
            routes[name] = new Route(
                name,
                Dispatches(options) ? [] : [.. options.Deployments.Select(d => deployments[d])],
                Dispatches(options) ? OrderedSelectionStrategy.Instance : _strategies[options.Strategy],
                options,
                spend.Route(name),
                deployments.Count);
        }

        foreach ((string name, RouteOptions _) in routeOptions)
        {
            routes[name].FallbackChain = FallbackChain(routes[name], routeOptions, routes);
        }

        WireDispatch(routeOptions, routes);
        Budget[] budgets = BuildBudgets(routes, deployments);
        ValidateCosts(routeOptions, routes, deployments, budgets, errors);
        if (errors.Count > 0)
        {
            throw new LlmRouterConfigurationException(errors);
        }

        Route? defaultRoute = _defaultRoute is not null ? routes[_defaultRoute]
            : routeOptions.Count == 1 ? routes[routeOptions[0].Name]
            : null;

        Deployment[] ordered = [.. deployments.Values.OrderBy(d => d.Index)];
        BuildPipelines(ordered);
        var model = new RouterModel(
            ordered,
            [.. routeOptions.Select(r => routes[r.Name])],
            defaultRoute,
            new FailurePolicy(_retry, _circuitBreaker, _cooldown, [.. _classifiers], _loggerFactory.CreateLogger("LlmRouter"), _random, _timeProvider.TimestampFrequency),
            new AttemptTimeouts(_timeouts, _timeProvider.TimestampFrequency),
            new CostSettings(spend, _ledger ?? previous?.Cost.Ledger ?? new InMemoryBudgetLedger(_timeProvider), budgets, _estimator, _selection),
            _timeProvider,
            _random);
        _built = true;
        return model;
    }

    private Dictionary<string, Deployment> BuildDeployments(List<string> errors, RouterModel? previous, SpendRegistry spend)
    {
        KeptStates = 0;
        var built = new Dictionary<string, Deployment>(StringComparer.OrdinalIgnoreCase);
        if (_deployments.Count == 0)
        {
            errors.Add("No deployments were added; call AddDeployment at least once.");
        }

        foreach ((string name, IChatClient client, DeploymentOptions options) in _deployments)
        {
            if (built.ContainsKey(name))
            {
                errors.Add($"Deployment name '{name}' is used more than once; deployment names are case-insensitive and must be unique.");
                continue;
            }

            ValidateDeployment(name, options, errors);
            var metadata = client.GetService(typeof(ChatClientMetadata)) as ChatClientMetadata;
            string? model = string.IsNullOrEmpty(options.Model) ? metadata?.DefaultModelId : options.Model;
            string provider = options.Provider ?? metadata?.ProviderName ?? "unknown";
            built[name] = new Deployment(
                built.Count, name, client, model, provider, options, FindCatalogEntry(model, provider),
                CreateState(name, model, provider, options, previous), spend.Deployment(name));
        }

        return built;
    }

    /// <summary>
    /// Puts each deployment's client behind its pipeline (<see cref="ConfigureDeploymentClients"/>), once the model is valid.
    /// When a callback throws, the pipelines built so far are disposed and the exception propagates.
    /// </summary>
    private void BuildPipelines(IEnumerable<Deployment> deployments)
    {
        if (_deploymentPipelines.Count == 0)
        {
            return;
        }

        var done = new List<Deployment>();
        try
        {
            foreach (Deployment deployment in deployments)
            {
                var info = new DeploymentInfo(deployment.Name, deployment.Provider, deployment.Model, deployment.Tags, deployment.Region, deployment.Trusted);
                deployment.UsePipeline(DeploymentPipeline.Build(deployment.Source, info, _deploymentPipelines, _services));
                done.Add(deployment);
            }
        }
        catch
        {
            foreach (Deployment deployment in done)
            {
                deployment.DisposePipeline();
            }

            throw;
        }
    }

    /// <summary>
    /// The catalog entry of a deployment's model: by model and provider; else by model alone, when only one provider's entry
    /// has that name (a model served through Azure OpenAI, OpenRouter or an OpenAI-compatible endpoint is sold under another
    /// provider name than the catalog's).
    /// </summary>
    private static ModelCatalogEntry? FindCatalogEntry(string? model, string provider)
    {
        if (string.IsNullOrWhiteSpace(model))
        {
            return null;
        }

        PriceCatalog catalog = PriceCatalog.Default;
        return catalog.TryFind(model, provider, out ModelCatalogEntry? entry) || catalog.TryFind(model, provider: null, out entry) ? entry : null;
    }

    /// <summary>
    /// The runtime state of a deployment. On a reload, a deployment of the same name that still serves the same provider and
    /// model keeps its state: the whole of it when its concurrency limit and the circuit-breaker options are unchanged;
    /// otherwise its cooldown and statistics, plus whichever of the calls-in-flight gate and circuit breaker is unchanged. A
    /// deployment whose provider or model changed starts afresh, since the old health says nothing about the new backend.
    /// </summary>
    private DeploymentState CreateState(string name, string? model, string provider, DeploymentOptions options, RouterModel? previous)
    {
        bool queues = options.QueueTimeout > TimeSpan.Zero;
        if (previous?.FindDeployment(name) is { } old &&
            string.Equals(old.Model, model, StringComparison.Ordinal) &&
            string.Equals(old.Provider, provider, StringComparison.OrdinalIgnoreCase))
        {
            bool sameGate = old.State.Gate.Limit == options.MaxConcurrentRequests && (old.QueueTimeout > TimeSpan.Zero) == queues;
            bool sameBreaker = SameBreaker(previous.Failures.Breaker, _circuitBreaker);
            KeptStates++;
            if (sameGate && sameBreaker)
            {
                return old.State;
            }

            var state = new DeploymentState(
                sameGate ? old.State.Gate : new ConcurrencyGate(options.MaxConcurrentRequests, queues),
                sameBreaker ? old.State.Breaker : CreateBreaker(),
                old.State.Statistics);
            state.ExtendCooldown(old.State.CooldownUntil);
            return state;
        }

        return new DeploymentState(new ConcurrencyGate(options.MaxConcurrentRequests, queues), CreateBreaker());
    }

    private CircuitBreaker? CreateBreaker() =>
        _circuitBreaker.Enabled ? new CircuitBreaker(_circuitBreaker, _timeProvider.TimestampFrequency) : null;

    private static bool SameBreaker(CircuitBreakerOptions previous, CircuitBreakerOptions next) =>
        previous.Enabled == next.Enabled &&
        previous.FailureRatio.Equals(next.FailureRatio) &&
        previous.MinimumThroughput == next.MinimumThroughput &&
        previous.SamplingDuration == next.SamplingDuration &&
        previous.BreakDuration == next.BreakDuration;

    private static void ValidateDeployment(string name, DeploymentOptions options, List<string> errors)
    {
        if (!double.IsFinite(options.Weight) || options.Weight < 0)
        {
            errors.Add($"Deployment '{name}': Weight must be a finite number of at least 0 (was {options.Weight.ToString(CultureInfo.InvariantCulture)}).");
        }

        if (options.ContextWindow is <= 0)
        {
            errors.Add($"Deployment '{name}': ContextWindow must be a positive number of tokens (was {options.ContextWindow.Value.ToString(CultureInfo.InvariantCulture)}).");
        }

        if (options.MaxConcurrentRequests is <= 0)
        {
            errors.Add($"Deployment '{name}': MaxConcurrentRequests must be at least 1, or null for no limit (was {options.MaxConcurrentRequests.Value.ToString(CultureInfo.InvariantCulture)}).");
        }

        if (options.QueueTimeout < TimeSpan.Zero)
        {
            errors.Add($"Deployment '{name}': QueueTimeout must not be negative (was {options.QueueTimeout}).");
        }

        if (options.Region is not null && string.IsNullOrWhiteSpace(options.Region))
        {
            errors.Add($"Deployment '{name}': Region must be null (unknown) or a non-empty name such as 'eu' or 'us-east-1'.");
        }

        if (options.Tags is null || options.Tags.Any(string.IsNullOrWhiteSpace))
        {
            errors.Add($"Deployment '{name}': Tags must be a list of non-empty strings.");
        }

        if (options.Price is { } price)
        {
            CheckPrice(name, "Input", price.Input, errors);
            CheckPrice(name, "Output", price.Output, errors);
            CheckPrice(name, "CachedInput", price.CachedInput, errors);
            CheckPrice(name, "CacheWrite", price.CacheWrite, errors);
            CheckPrice(name, "ReasoningOutput", price.ReasoningOutput, errors);
        }
    }

    private static void CheckPrice(string deployment, string field, decimal? value, List<string> errors)
    {
        if (value < 0)
        {
            errors.Add($"Deployment '{deployment}': Price.{field} must be at least 0 USD per million tokens (was {value.Value.ToString(CultureInfo.InvariantCulture)}).");
        }
    }

    private void ValidateRoutes(List<(string Name, RouteOptions Options)> routes, Dictionary<string, Deployment> deployments, List<string> errors)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var routeNames = new HashSet<string>(routes.Select(r => r.Name), StringComparer.OrdinalIgnoreCase);
        string knownDeployments = JoinNames(_deployments.Select(d => d.Name).Distinct(StringComparer.OrdinalIgnoreCase));
        string knownRoutes = JoinNames(routeNames);

        foreach ((string name, RouteOptions options) in routes)
        {
            if (!seen.Add(name))
            {
                errors.Add($"Route name '{name}' is used more than once; route names are case-insensitive and must be unique.");
                continue;
            }

            if (Dispatches(options))
            {
                ValidateDispatch(name, options, routeNames, knownRoutes, errors);
                continue;
            }

            ValidateFilters(name, options, errors);
            if (options.Deployments is not { Count: > 0 })
            {
                errors.Add($"Route '{name}' has no deployments; list at least one of: {knownDeployments}, or dispatch by Tiers or Variants to other routes.");
            }
            else
            {
                var listed = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                foreach (string deployment in options.Deployments)
                {
                    if (deployment is null || !deployments.ContainsKey(deployment))
                    {
                        errors.Add($"Route '{name}' names unknown deployment '{deployment}'. Known deployments: {knownDeployments}.");
                    }
                    else if (!listed.Add(deployment))
                    {
                        errors.Add($"Route '{name}' lists deployment '{deployment}' more than once.");
                    }
                }
            }

            if (options.Strategy is null || !_strategies.ContainsKey(options.Strategy))
            {
                errors.Add($"Route '{name}' uses unknown strategy '{options.Strategy}'. Known strategies: {JoinNames(_strategies.Keys)}.");
            }

            foreach (string fallback in options.Fallbacks ?? [])
            {
                if (fallback is null || !routeNames.Contains(fallback))
                {
                    errors.Add($"Route '{name}' falls back to unknown route '{fallback}'. Known routes: {knownRoutes}.");
                }
                else if (string.Equals(fallback, name, StringComparison.OrdinalIgnoreCase))
                {
                    errors.Add($"Route '{name}' falls back to itself.");
                }
                else if (routes.Find(r => string.Equals(r.Name, fallback, StringComparison.OrdinalIgnoreCase)).Options is { } target && Dispatches(target))
                {
                    errors.Add($"Route '{name}' falls back to route '{fallback}', which dispatches to other routes (by {(target.Tiers.Count > 0 ? "Tiers" : "Variants")}); fall back to one of those routes instead.");
                }
            }
        }

        foreach (string cycle in FindFallbackCycles(routes))
        {
            errors.Add($"Fallback cycle: {cycle}. A route must not fall back, directly or through others, to itself.");
        }

        foreach (string cycle in FindDispatchCycles(routes))
        {
            errors.Add($"Dispatch cycle: {cycle}. A route must not dispatch (by Tiers or Variants), directly or through others, to itself.");
        }
    }

    private void ValidateResilience(List<(string Name, RouteOptions Options)> routes, List<string> errors)
    {
        AddFailures(new RetryOptionsValidator().Validate("Retry", _retry), errors);
        AddFailures(new CircuitBreakerOptionsValidator().Validate("CircuitBreaker", _circuitBreaker), errors);
        AddFailures(new TimeoutOptionsValidator().Validate("Timeouts", _timeouts), errors);
        AddFailures(new CooldownOptionsValidator().Validate("Cooldown", _cooldown), errors);
        AddFailures(new SelectionOptionsValidator().Validate("Selection", _selection), errors);
        if (_retry.BaseDelay > _retry.MaxDelay)
        {
            errors.Add($"Retry.BaseDelay ({_retry.BaseDelay}) must not be longer than Retry.MaxDelay ({_retry.MaxDelay}).");
        }

        var hedgingValidator = new HedgingOptionsValidator();
        foreach ((string name, RouteOptions options) in routes)
        {
            if (options.Hedging is { } hedging)
            {
                AddFailures(hedgingValidator.Validate($"Routes:{name}:Hedging", hedging), errors);
            }
        }
    }

    private static void AddFailures(Microsoft.Extensions.Options.ValidateOptionsResult result, List<string> errors)
    {
        if (!result.Failed || result.Failures is null)
        {
            return;
        }

        foreach (string failure in result.Failures)
        {
            // The generated validator prefixes each message with the member name, which the message repeats.
            int separator = failure.IndexOf(": ", StringComparison.Ordinal);
            errors.Add(separator > 0 && !failure.AsSpan(0, separator).Contains(' ') ? failure[(separator + 2)..] : failure);
        }
    }

    /// <summary>Finds fallback cycles of two or more routes (self-references are reported separately).</summary>
    private static List<string> FindFallbackCycles(List<(string Name, RouteOptions Options)> routes)
    {
        var fallbacks = new Dictionary<string, IList<string>>(StringComparer.OrdinalIgnoreCase);
        foreach ((string name, RouteOptions options) in routes)
        {
            fallbacks.TryAdd(name, options.Fallbacks ?? []);
        }

        return FindCycles(fallbacks);
    }

    /// <summary>
    /// Finds the cycles of two or more routes in <paramref name="edges"/> (each route to the routes it leads to), each once
    /// whichever route it is entered from, as "a → b → a". Self-references and names that are not routes are left to the
    /// callers' own checks.
    /// </summary>
    private static List<string> FindCycles(Dictionary<string, IList<string>> edges)
    {
        var cycles = new List<string>();
        var reported = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var state = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var path = new List<string>();

        void Visit(string route)
        {
            state[route] = 1;
            path.Add(route);
            foreach (string next in edges[route])
            {
                if (next is null || !edges.ContainsKey(next) || string.Equals(next, route, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                if (state.GetValueOrDefault(next) == 1)
                {
                    int start = path.FindIndex(p => string.Equals(p, next, StringComparison.OrdinalIgnoreCase));
                    List<string> cycle = path.GetRange(start, path.Count - start);
                    if (reported.Add(string.Join("|", cycle.Order(StringComparer.OrdinalIgnoreCase))))
                    {
                        cycles.Add(string.Join(" → ", cycle.Append(next)));
                    }
                }
                else if (state.GetValueOrDefault(next) == 0)
                {
                    Visit(next);
                }
            }

            path.RemoveAt(path.Count - 1);
            state[route] = 2;
        }

        foreach (string route in edges.Keys)
        {
            if (state.GetValueOrDefault(route) == 0)
            {
                Visit(route);
            }
        }

        return cycles;
    }

    /// <summary>The routes to try after <paramref name="route"/>: its fallbacks, then theirs, breadth first, each once.</summary>
    private static Route[] FallbackChain(Route route, List<(string Name, RouteOptions Options)> options, Dictionary<string, Route> routes)
    {
        var fallbacksByName = new Dictionary<string, IList<string>>(StringComparer.OrdinalIgnoreCase);
        foreach ((string name, RouteOptions routeOptions) in options)
        {
            fallbacksByName[name] = routeOptions.Fallbacks ?? [];
        }

        var chain = new List<Route>();
        var visited = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { route.Name };
        var queue = new Queue<string>(fallbacksByName[route.Name]);
        while (queue.TryDequeue(out string? next))
        {
            if (!visited.Add(next))
            {
                continue;
            }

            chain.Add(routes[next]);
            foreach (string further in fallbacksByName[next])
            {
                queue.Enqueue(further);
            }
        }

        return [.. chain];
    }

    private static string JoinNames(IEnumerable<string> names)
    {
        string joined = string.Join(", ", names);
        return joined.Length == 0 ? "(none)" : joined;
    }
}
