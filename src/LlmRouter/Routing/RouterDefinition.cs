using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmRouter;

/// <summary>
/// What an <see cref="LlmRouterBuilder"/> has collected: deployments, routes, budgets, options, extension points and the
/// services the router uses. <see cref="RouterValidation"/> checks it and <see cref="RouterModelFactory"/> builds a
/// <see cref="RouterModel"/> from it; the builder's fluent methods are the only writers.
/// </summary>
internal sealed class RouterDefinition
{
    public List<(string Name, IChatClient Client, DeploymentOptions Options)> Deployments { get; } = [];

    public List<(string Name, RouteOptions Options)> Routes { get; } = [];

    public List<IProviderErrorClassifier> Classifiers { get; } = [];

    /// <summary>Gets the strategies routes can name, the built-in ones first.</summary>
    public Dictionary<string, ISelectionStrategy> Strategies { get; } = new(StringComparer.OrdinalIgnoreCase)
    {
        [SelectionStrategies.Ordered] = OrderedSelectionStrategy.Instance,
        [SelectionStrategies.Weighted] = WeightedSelectionStrategy.Instance,
        [SelectionStrategies.RoundRobin] = RoundRobinSelectionStrategy.Instance,
        [SelectionStrategies.LeastBusy] = LeastBusySelectionStrategy.Instance,
        [SelectionStrategies.LowestLatency] = LowestLatencySelectionStrategy.Instance,
        [SelectionStrategies.PowerOfTwoChoices] = PowerOfTwoChoicesSelectionStrategy.Instance,
        [SelectionStrategies.Cheapest] = CheapestSelectionStrategy.Instance,
        [SelectionStrategies.BestValue] = BestValueSelectionStrategy.Instance,
    };

    /// <summary>Gets the complexity scorers tiered routes can name, the built-in one first.</summary>
    public Dictionary<string, IComplexityScorer> Scorers { get; } = new(StringComparer.OrdinalIgnoreCase)
    {
        [ComplexityScorers.Heuristic] = ComplexityScorers.Default,
    };

    public List<(string Name, BudgetOptions Options)> Budgets { get; } = [];

    /// <summary>Gets the users' detectors of sensitive data, in the order added.</summary>
    public List<ISensitiveDataDetector> Detectors { get; } = [];

    public List<(string Name, RateLimitOptions Options)> RateLimits { get; } = [];

    public IRateLimitStore? RateLimitStore { get; set; }

    public ISharedCooldowns? SharedCooldowns { get; set; }

    public ISharedCircuits? SharedCircuits { get; set; }

    /// <summary>Gets the callbacks that add steps to each deployment's pipeline, in the order registered.</summary>
    public List<Action<DeploymentInfo, ChatClientBuilder>> DeploymentPipelines { get; } = [];

    public SelectionOptions Selection { get; } = new();

    public RetryOptions Retry { get; } = new();

    public CircuitBreakerOptions CircuitBreaker { get; } = new();

    public TimeoutOptions Timeouts { get; } = new();

    public CooldownOptions Cooldown { get; } = new();

    public TelemetryOptions Telemetry { get; } = new();

    public string? DefaultRoute { get; set; }

    public Func<double> Random { get; set; } = System.Random.Shared.NextDouble;

    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    public ILoggerFactory LoggerFactory { get; set; } = NullLoggerFactory.Instance;

    public ITokenEstimator Estimator { get; set; } = TokenEstimators.Default;

    /// <summary>Gets or sets the evaluator of sampled responses, or <see langword="null"/> for a <see cref="JudgeEvaluator"/>.</summary>
    public Microsoft.Extensions.AI.Evaluation.IEvaluator? Evaluator { get; set; }

    /// <summary>Gets or sets the ledger budgets use, or <see langword="null"/> for the previous model's, else a new in-memory one.</summary>
    public IBudgetLedger? Ledger { get; set; }

    /// <summary>Gets or sets the services pipeline steps resolve from, or <see langword="null"/> outside dependency injection.</summary>
    public IServiceProvider? Services { get; set; }
}
