using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace LlmRouter;

/// <summary>
/// Turns what an <see cref="LlmRouterBuilder"/> collected (<see cref="RouterDefinition"/>) into a <see cref="RouterModel"/>:
/// validates it (<see cref="RouterValidation"/>), builds the deployments (keeping the runtime state of a previous model's
/// deployment that serves the same provider and model), their pipelines, the routes with their fallback chains, tiers and
/// variants, and the budgets. One factory builds one model.
/// </summary>
internal sealed class RouterModelFactory
{
    private readonly RouterDefinition _definition;
    private readonly RouterValidation _validation;

    public RouterModelFactory(RouterDefinition definition)
    {
        _definition = definition;
        _validation = new RouterValidation(definition);
    }

    /// <summary>Gets how many deployments of the model built kept the runtime state of the previous model's.</summary>
    public int KeptStates { get; private set; }

    /// <summary>
    /// Validates the definition and builds the routing model. A deployment keeps the runtime state (circuit breaker, cooldown,
    /// calls in flight) of <paramref name="previous"/>'s deployment of the same name when it serves the same provider and
    /// model; see <see cref="CreateState"/>.
    /// </summary>
    /// <exception cref="LlmRouterConfigurationException">The definition is invalid; every problem is listed.</exception>
    public RouterModel Build(RouterModel? previous)
    {
        var errors = new List<string>();
        SpendRegistry spend = previous?.Cost.Spend ?? new SpendRegistry();
        Dictionary<string, Deployment> deployments = BuildDeployments(errors, previous, spend);
        List<(string Name, RouteOptions Options)> routeOptions = _definition.Routes.Count > 0 || deployments.Count == 0
            ? _definition.Routes
            : [(LlmRouterBuilder.ImplicitRouteName, new RouteOptions { Deployments = [.. _definition.Deployments.Select(d => d.Name).Distinct(StringComparer.OrdinalIgnoreCase)] })];

        _validation.ValidateRoutes(routeOptions, deployments, errors);
        _validation.ValidateResilience(routeOptions, errors);
        _validation.ValidateBudgets(routeOptions, deployments, errors);
        RateLimitValidation.ValidateCallers(_definition.RateLimits, routeOptions, errors);
        if (_definition.DefaultRoute is not null && !routeOptions.Exists(r => string.Equals(r.Name, _definition.DefaultRoute, StringComparison.OrdinalIgnoreCase)))
        {
            errors.Add($"The default route '{_definition.DefaultRoute}' is not a route. Known routes: {RouterValidation.JoinNames(routeOptions.Select(r => r.Name))}.");
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
                RouterValidation.Dispatches(options) ? [] : [.. options.Deployments.Select(d => deployments[d])],
                RouterValidation.Dispatches(options) ? OrderedSelectionStrategy.Instance : _definition.Strategies[options.Strategy],
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
        RouterValidation.ValidateCosts(routeOptions, routes, deployments, budgets, errors);
        if (errors.Count > 0)
        {
            throw new LlmRouterConfigurationException(errors);
        }

        QualityRegistry quality = previous?.Quality ?? new QualityRegistry();
        AttachAdaptiveRouting(routeOptions, routes, deployments.Count, quality);
        Route? defaultRoute = _definition.DefaultRoute is not null ? routes[_definition.DefaultRoute]
            : routeOptions.Count == 1 ? routes[routeOptions[0].Name]
            : null;

        DataProtectionPolicy? defaultProtection = null;
        foreach ((string name, RouteOptions options) in routeOptions)
        {
            if (options.DataProtection is { } protection)
            {
                routes[name].DataProtection = new DataProtectionPolicy(name, protection, _definition.Detectors);
                defaultProtection ??= new DataProtectionPolicy(name, new DataProtectionOptions(), _definition.Detectors);
            }
        }

        Deployment[] ordered = [.. deployments.Values.OrderBy(d => d.Index)];
        BuildPipelines(ordered, redact: defaultProtection is not null);
        var model = new RouterModel(
            ordered,
            [.. routeOptions.Select(r => routes[r.Name])],
            defaultRoute,
            new FailurePolicy(_definition.Retry, _definition.CircuitBreaker, _definition.Cooldown, [.. _definition.Classifiers], _definition.LoggerFactory.CreateLogger("LlmRouter"), _definition.Random, _definition.TimeProvider.TimestampFrequency)
            {
                SharedCooldowns = _definition.SharedCooldowns,
            },
            new AttemptTimeouts(_definition.Timeouts, _definition.TimeProvider.TimestampFrequency),
            new CostSettings(spend, _definition.Ledger ?? previous?.Cost.Ledger ?? new InMemoryBudgetLedger(_definition.TimeProvider), budgets, _definition.Estimator, _definition.Selection),
            _definition.TimeProvider,
            _definition.Random)
        {
            DefaultDataProtection = defaultProtection,
            Quality = quality,
            Evaluates = routeOptions.Exists(r => r.Options.Evaluation is { SampleRate: > 0 }),
            Evaluator = _definition.Evaluator ?? new JudgeEvaluator(),
            RateLimits = BuildRateLimits(routes, ordered),
        };
        return model;
    }

    /// <summary>
    /// Gives each route that judges or ranks by quality its <see cref="QualityGate"/> (and, when it sets deployments aside by
    /// quality, a filter that does), and each deployment of a route with a latency target a window of recent calls.
    /// </summary>
    public void AttachAdaptiveRouting(List<(string Name, RouteOptions Options)> routeOptions, Dictionary<string, Route> routes, int deploymentCount, QualityRegistry quality)
    {
        long frequency = _definition.TimeProvider.TimestampFrequency;
        foreach ((string name, RouteOptions options) in routeOptions)
        {
            Route route = routes[name];
            if (route.Strategy is LatencyTargetSelectionStrategy)
            {
                foreach (Deployment deployment in route.Deployments)
                {
                    deployment.State.Statistics.EnsureWindow(frequency);
                }
            }

            var policy = new QualityPolicy(options, frequency);
            if (route.Deployments.Length > 0 && (policy.Judges || route.NamedStrategy is BestValueSelectionStrategy))
            {
                route.Quality = new QualityGate(route, policy, quality, deploymentCount);
                if (policy.Judges)
                {
                    route.Filter = RouteFilter.WithQuality(route.Filter, route.Quality);
                }
            }
        }
    }

    /// <summary>The caller limits and the shared store; <see langword="null"/> when nothing is rate-limited, so requests skip the step.</summary>
    public RateLimitSettings? BuildRateLimits(Dictionary<string, Route> routes, Deployment[] deployments)
    {
        bool any = _definition.RateLimits.Count > 0;
        foreach (Deployment deployment in deployments)
        {
            any |= deployment.State.RateLimit is not null;
        }

        if (!any)
        {
            return null;
        }

        var callers = new CallerRateLimit[_definition.RateLimits.Count];
        for (int i = 0; i < callers.Length; i++)
        {
            (string name, RateLimitOptions options) = _definition.RateLimits[i];
            callers[i] = new CallerRateLimit(name, options, options.Route is { } route ? routes[route] : null, _definition.TimeProvider.TimestampFrequency);
        }

        return new RateLimitSettings(callers, _definition.RateLimitStore);
    }

    public Dictionary<string, Deployment> BuildDeployments(List<string> errors, RouterModel? previous, SpendRegistry spend)
    {
        KeptStates = 0;
        var built = new Dictionary<string, Deployment>(StringComparer.OrdinalIgnoreCase);
        if (_definition.Deployments.Count == 0)
        {
            errors.Add("No deployments were added; call AddDeployment at least once.");
        }

        foreach ((string name, IChatClient client, DeploymentOptions options) in _definition.Deployments)
        {
            if (built.ContainsKey(name))
            {
                errors.Add($"Deployment name '{name}' is used more than once; deployment names are case-insensitive and must be unique.");
                continue;
            }

            RouterValidation.ValidateDeployment(name, options, errors);
            var metadata = client.GetService(typeof(ChatClientMetadata)) as ChatClientMetadata;
            string? model = string.IsNullOrEmpty(options.Model) ? metadata?.DefaultModelId : options.Model;
            string provider = options.Provider ?? metadata?.ProviderName ?? "unknown";
            built[name] = new Deployment(
                built.Count, name, client, model, provider, options, FindCatalogEntry(model, provider),
                CreateState(name, model, provider, options, previous), spend.Deployment(name))
            {
                Estimator = model is null ? _definition.Estimator : _definition.Estimator.ForModel(model),
            };
        }

        return built;
    }

    /// <summary>
    /// Puts each deployment's client behind its pipeline (<see cref="LlmRouterBuilder.ConfigureDeploymentClients"/>), once the model is valid;
    /// with <paramref name="redact"/>, an untrusted deployment's pipeline starts with the redaction step. When a callback throws, the
    /// pipelines built so far are disposed and the exception propagates.
    /// </summary>
    public void BuildPipelines(IEnumerable<Deployment> deployments, bool redact)
    {
        if (_definition.DeploymentPipelines.Count == 0 && !redact)
        {
            return;
        }

        var done = new List<Deployment>();
        try
        {
            foreach (Deployment deployment in deployments)
            {
                var info = new DeploymentInfo(deployment.Name, deployment.Provider, deployment.Model, deployment.Tags, deployment.Region, deployment.Trusted);
                deployment.UsePipeline(DeploymentPipeline.Build(deployment.Source, info, _definition.DeploymentPipelines, _definition.Services, redact && !deployment.Trusted));
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
    public static ModelCatalogEntry? FindCatalogEntry(string? model, string provider)
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
    public DeploymentState CreateState(string name, string? model, string provider, DeploymentOptions options, RouterModel? previous)
    {
        bool queues = options.QueueTimeout > TimeSpan.Zero;
        if (previous?.FindDeployment(name) is { } old &&
            string.Equals(old.Model, model, StringComparison.Ordinal) &&
            string.Equals(old.Provider, provider, StringComparison.OrdinalIgnoreCase))
        {
            bool sameGate = old.State.Gate.Limit == options.MaxConcurrentRequests && (old.QueueTimeout > TimeSpan.Zero) == queues;
            bool sameBreaker = SameBreaker(previous.Failures.Breaker, _definition.CircuitBreaker) &&
                (old.State.Breaker?.IsShared ?? false) == (_definition.SharedCircuits is not null);
            KeptStates++;
            DeploymentRateLimit? rateLimit = DeploymentRateLimit.Create(name, options, old.State.RateLimit, _definition.TimeProvider.TimestampFrequency);
            if (sameGate && sameBreaker)
            {
                old.State.RateLimit = rateLimit;
                return old.State;
            }

            var state = new DeploymentState(
                sameGate ? old.State.Gate : new ConcurrencyGate(options.MaxConcurrentRequests, queues),
                sameBreaker ? old.State.Breaker : CreateBreaker(name),
                old.State.Statistics)
            {
                RateLimit = rateLimit,
            };
            state.ExtendCooldown(old.State.CooldownUntil);
            return state;
        }

        return new DeploymentState(new ConcurrencyGate(options.MaxConcurrentRequests, queues), CreateBreaker(name))
        {
            RateLimit = DeploymentRateLimit.Create(name, options, previous: null, _definition.TimeProvider.TimestampFrequency),
        };
    }

    /// <summary>
    /// Creates a deployment's breaker, linked to the shared circuits when there are: the probe's lease lasts as long as an attempt
    /// may (the attempt timeout, else the total one, else the break duration).
    /// </summary>
    public CircuitBreaker? CreateBreaker(string name)
    {
        if (!_definition.CircuitBreaker.Enabled)
        {
            return null;
        }

        SharedCircuit? shared = _definition.SharedCircuits is { } circuits
            ? new SharedCircuit(
                circuits,
                name,
                _definition.Timeouts.Attempt ?? _definition.Timeouts.Total ?? _definition.CircuitBreaker.BreakDuration,
                _definition.CircuitBreaker.BreakDuration,
                _definition.TimeProvider)
            : null;
        return new CircuitBreaker(_definition.CircuitBreaker, _definition.TimeProvider.TimestampFrequency, shared);
    }

    public static bool SameBreaker(CircuitBreakerOptions previous, CircuitBreakerOptions next) =>
        previous.Enabled == next.Enabled &&
        previous.FailureRatio.Equals(next.FailureRatio) &&
        previous.MinimumThroughput == next.MinimumThroughput &&
        previous.SamplingDuration == next.SamplingDuration &&
        previous.BreakDuration == next.BreakDuration;

    /// <summary>The routes to try after <paramref name="route"/>: its fallbacks, then theirs, breadth first, each once.</summary>
    public static Route[] FallbackChain(Route route, List<(string Name, RouteOptions Options)> options, Dictionary<string, Route> routes)
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

    /// <summary>Points tiered and A/B routes at their targets.</summary>
    public void WireDispatch(List<(string Name, RouteOptions Options)> routeOptions, Dictionary<string, Route> routes)
    {
        foreach ((string name, RouteOptions options) in routeOptions)
        {
            Route route = routes[name];
            if (options.Stages is { Count: > 0 } stages)
            {
                route.Stages = new Dictionary<string, Route>(StringComparer.OrdinalIgnoreCase);
                foreach ((string stage, string target) in stages)
                {
                    route.Stages[stage.Trim()] = routes[target];
                }
            }
            else if (options.Variants is { Count: > 0 } variants)
            {
                route.Variants = [.. variants.Select(v => new RouteVariant(routes[v.Key], v.Value))];
                route.VariantKey = options.VariantKey;
            }
            else if (options.Tiers is { Count: > 0 } tiers)
            {
                var byTier = new Route[4];
                for (int tier = 0; tier < byTier.Length; tier++)
                {
                    // A tier without a route of its own goes up to the next tier that has one, else down.
                    string? target = null;
                    for (int up = tier; up < byTier.Length && target is null; up++)
                    {
                        tiers.TryGetValue((ComplexityTier)up, out target);
                    }

                    for (int down = tier - 1; down >= 0 && target is null; down--)
                    {
                        tiers.TryGetValue((ComplexityTier)down, out target);
                    }

                    byTier[tier] = routes[target!];
                }

                route.Tiers = byTier;
                route.Scorer = _definition.Scorers[options.ComplexityScorer];
            }
        }
    }

    public Budget[] BuildBudgets(Dictionary<string, Route> routes, Dictionary<string, Deployment> deployments)
    {
        var budgets = new List<Budget>();
        var byRoute = new Dictionary<Route, List<Budget>>();
        var byDeployment = new Dictionary<Deployment, List<Budget>>();
        foreach ((string name, BudgetOptions options) in _definition.Budgets)
        {
            var budget = new Budget(name, options);
            if (options.OnExceeded == BudgetExceededAction.Downgrade && options.DowngradeTo is { } downgrade)
            {
                budget.DowngradeTo = routes[downgrade];
            }

            switch (options.Scope)
            {
                case BudgetScope.Route:
                    budget.TargetRoute = routes[options.Target!];
                    Add(byRoute, budget.TargetRoute, budget);
                    break;
                case BudgetScope.Deployment:
                    Add(byDeployment, deployments[options.Target!], budget);
                    break;
                case BudgetScope.Caller when options.Target is not null:
                    budget.TargetRoute = routes[options.Target];
                    break;
            }

            budgets.Add(budget);
        }

        foreach ((Route route, List<Budget> list) in byRoute)
        {
            route.Budgets = [.. list];
        }

        foreach ((Deployment deployment, List<Budget> list) in byDeployment)
        {
            deployment.Budgets = [.. list];
        }

        return [.. budgets];

        static void Add<TKey>(Dictionary<TKey, List<Budget>> map, TKey key, Budget budget)
            where TKey : notnull
        {
            if (!map.TryGetValue(key, out List<Budget>? list))
            {
                map[key] = list = [];
            }

            list.Add(budget);
        }
    }
}
