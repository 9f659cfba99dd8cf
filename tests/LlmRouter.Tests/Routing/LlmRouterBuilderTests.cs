using LlmRouter.Testing;
using Microsoft.Extensions.AI;

namespace LlmRouter.Tests.Routing;

public class LlmRouterBuilderTests
{
    private static LlmRouterBuilder WithDeployments(params string[] names)
    {
        var builder = new LlmRouterBuilder();
        foreach (string name in names)
        {
            builder.AddDeployment(name, new ScriptedChatClient());
        }

        return builder;
    }

    private static IReadOnlyList<string> BuildErrors(LlmRouterBuilder builder) =>
        Assert.Throws<LlmRouterConfigurationException>(() => builder.Build()).Errors;

    [Fact]
    public void Build_ValidConfiguration_ReturnsRouter()
    {
        IChatClient router = WithDeployments("primary", "backup")
            .AddRoute("default", r => r.Deployments = ["primary", "backup"])
            .Build();

        Assert.NotNull(router.GetService<ChatClientMetadata>());
    }

    [Fact]
    public void Build_NoDeployments_Rejected()
    {
        IReadOnlyList<string> errors = BuildErrors(new LlmRouterBuilder());

        Assert.Equal(["No deployments were added; call AddDeployment at least once."], errors);
    }

    [Fact]
    public void Build_DuplicateDeploymentNames_RejectedCaseInsensitively()
    {
        IReadOnlyList<string> errors = BuildErrors(WithDeployments("primary", "Primary"));

        Assert.Equal(["Deployment name 'Primary' is used more than once; deployment names are case-insensitive and must be unique."], errors);
    }

    [Fact]
    public void Build_RouteWithoutDeployments_RejectedNamingTheChoices()
    {
        IReadOnlyList<string> errors = BuildErrors(WithDeployments("a", "b").AddRoute("empty", r => r.Deployments = []));

        Assert.Equal(["Route 'empty' has no deployments; list at least one of: a, b, or dispatch by Tiers or Variants to other routes."], errors);
    }

    [Fact]
    public void Build_RouteNamesUnknownDeployment_RejectedNamingKnownOnes()
    {
        IReadOnlyList<string> errors = BuildErrors(WithDeployments("a", "b").AddRoute("fast", r => r.Deployments = ["a", "gpt-4o"]));

        Assert.Equal(["Route 'fast' names unknown deployment 'gpt-4o'. Known deployments: a, b."], errors);
    }

    [Fact]
    public void Build_RouteListsDeploymentTwice_Rejected()
    {
        IReadOnlyList<string> errors = BuildErrors(WithDeployments("a").AddRoute("fast", r => r.Deployments = ["a", "A"]));

        Assert.Equal(["Route 'fast' lists deployment 'A' more than once."], errors);
    }

    [Fact]
    public void Build_UnknownStrategy_RejectedNamingKnownOnes()
    {
        IReadOnlyList<string> errors = BuildErrors(WithDeployments("a").AddRoute("fast", r => { r.Deployments = ["a"]; r.Strategy = "Fastest"; }));

        Assert.Equal(["Route 'fast' uses unknown strategy 'Fastest'. Known strategies: Ordered, Weighted, RoundRobin, LeastBusy, LowestLatency, PowerOfTwoChoices, Cheapest, BestValue."], errors);
    }

    [Fact]
    public void Build_StrategyNameInOtherCase_Accepted()
    {
        IChatClient router = WithDeployments("a").AddRoute("fast", r => { r.Deployments = ["a"]; r.Strategy = "ordered"; }).Build();

        Assert.NotNull(router);
    }

    [Fact]
    public void Build_DuplicateRouteNames_Rejected()
    {
        IReadOnlyList<string> errors = BuildErrors(WithDeployments("a")
            .AddRoute("fast", r => r.Deployments = ["a"])
            .AddRoute("FAST", r => r.Deployments = ["a"]));

        Assert.Equal(["Route name 'FAST' is used more than once; route names are case-insensitive and must be unique."], errors);
    }

    [Fact]
    public void Build_UnknownOrSelfFallback_Rejected()
    {
        IReadOnlyList<string> errors = BuildErrors(WithDeployments("a")
            .AddRoute("fast", r => { r.Deployments = ["a"]; r.Fallbacks = ["smart", "fast"]; }));

        Assert.Equal(
            [
                "Route 'fast' falls back to unknown route 'smart'. Known routes: fast.",
                "Route 'fast' falls back to itself.",
            ],
            errors);
    }

    [Fact]
    public void Build_FallbackCycles_RejectedNamingEachCycleOnce()
    {
        IReadOnlyList<string> errors = BuildErrors(WithDeployments("a")
            .AddRoute("fast", r => { r.Deployments = ["a"]; r.Fallbacks = ["smart"]; })
            .AddRoute("smart", r => { r.Deployments = ["a"]; r.Fallbacks = ["fast"]; })
            .AddRoute("x", r => { r.Deployments = ["a"]; r.Fallbacks = ["y"]; })
            .AddRoute("y", r => { r.Deployments = ["a"]; r.Fallbacks = ["z"]; })
            .AddRoute("z", r => { r.Deployments = ["a"]; r.Fallbacks = ["x"]; }));

        Assert.Equal(
            [
                "Fallback cycle: fast → smart → fast. A route must not fall back, directly or through others, to itself.",
                "Fallback cycle: x → y → z → x. A route must not fall back, directly or through others, to itself.",
            ],
            errors);
    }

    [Fact]
    public void Build_DiamondFallbacks_AreNotACycle()
    {
        IChatClient router = WithDeployments("a")
            .AddRoute("top", r => { r.Deployments = ["a"]; r.Fallbacks = ["left", "right"]; })
            .AddRoute("left", r => { r.Deployments = ["a"]; r.Fallbacks = ["bottom"]; })
            .AddRoute("right", r => { r.Deployments = ["a"]; r.Fallbacks = ["bottom"]; })
            .AddRoute("bottom", r => r.Deployments = ["a"])
            .Build();

        Assert.NotNull(router);
    }

    [Fact]
    public void Build_UnknownDefaultRoute_Rejected()
    {
        IReadOnlyList<string> errors = BuildErrors(WithDeployments("a").AddRoute("fast", r => r.Deployments = ["a"]).UseDefaultRoute("smart"));

        Assert.Equal(["The default route 'smart' is not a route. Known routes: fast."], errors);
    }

    [Fact]
    public void Build_InvalidDeploymentSettings_RejectedNamingTheSettingAndValidValues()
    {
        IReadOnlyList<string> errors = BuildErrors(new LlmRouterBuilder()
            .AddDeployment("cheap", new ScriptedChatClient(), d =>
            {
                d.Price = new ModelPrice(-0.15m, 0.6m) { CachedInput = -1m };
                d.Weight = -2;
                d.ContextWindow = 0;
                d.Tags = ["eu", " "];
            })
            .AddDeployment("odd", new ScriptedChatClient(), d => d.Weight = double.NaN));

        Assert.Equal(
            [
                "Deployment 'cheap': Weight must be a finite number of at least 0 (was -2).",
                "Deployment 'cheap': ContextWindow must be a positive number of tokens (was 0).",
                "Deployment 'cheap': Tags must be a list of non-empty strings.",
                "Deployment 'cheap': Price.Input must be at least 0 USD per million tokens (was -0.15).",
                "Deployment 'cheap': Price.CachedInput must be at least 0 USD per million tokens (was -1).",
                "Deployment 'odd': Weight must be a finite number of at least 0 (was NaN).",
            ],
            errors);
    }

    [Fact]
    public void Build_SeveralProblems_OneExceptionListsThemAll()
    {
        LlmRouterConfigurationException exception = Assert.Throws<LlmRouterConfigurationException>(() => WithDeployments("a", "a")
            .AddRoute("fast", r => r.Deployments = ["b"])
            .AddRoute("smart", r => r.Deployments = [])
            .Build());

        Assert.Equal(3, exception.Errors.Count);
        Assert.All(exception.Errors, e => Assert.Contains(e, exception.Message, StringComparison.Ordinal));
        Assert.StartsWith("The LlmRouter configuration is invalid:", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_Twice_Throws()
    {
        LlmRouterBuilder builder = WithDeployments("a");
        builder.Build();

        InvalidOperationException exception = Assert.Throws<InvalidOperationException>(() => builder.Build());
        Assert.Contains("already built", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddDeployment_InvalidArguments_Throw()
    {
        var builder = new LlmRouterBuilder();

        Assert.Throws<ArgumentException>(() => builder.AddDeployment(" ", new ScriptedChatClient()));
        Assert.Throws<ArgumentNullException>(() => builder.AddDeployment(null!, new ScriptedChatClient()));
        Assert.Throws<ArgumentNullException>(() => builder.AddDeployment("a", null!));
        Assert.Throws<ArgumentNullException>(() => builder.AddRoute("r", null!));
        Assert.Throws<ArgumentException>(() => builder.AddRoute("", _ => { }));
    }

    [Fact]
    public async Task Build_NoRoutes_CreatesDefaultRouteOverAllDeploymentsInOrder()
    {
        var first = new ScriptedChatClient().Enqueue(ScriptedOutcome.Failure(System.Net.HttpStatusCode.ServiceUnavailable));
        var second = new ScriptedChatClient().Enqueue(ScriptedOutcome.Text("second"));
        IChatClient router = new LlmRouterBuilder().AddDeployment("first", first).AddDeployment("second", second).Build();

        ChatResponse response = await router.GetResponseAsync(RouterCalls.Hello, RouterCalls.Route(LlmRouterBuilder.ImplicitRouteName));

        Assert.Equal("second", response.Text);
    }

    [Fact]
    public async Task Build_DeploymentFieldsComeFromOptionsThenClientMetadata()
    {
        Deployment? seen = null;
        var strategy = new CapturingStrategy(d => seen = d);
        await new LlmRouterBuilder()
            .AddSelectionStrategy(strategy)
            .AddDeployment("a", new ScriptedChatClient("anthropic", "claude-haiku-4-5").Enqueue(ScriptedOutcome.Text("ok")), d =>
            {
                d.Tags = ["EU", "zero-retention"];
                d.Weight = 3;
                d.Price = new ModelPrice(1m, 5m);
                d.Capabilities = ModelCapabilities.Tools | ModelCapabilities.Vision;
                d.ContextWindow = 200_000;
            })
            .AddRoute("r", r => { r.Deployments = ["a"]; r.Strategy = "capture"; })
            .Build()
            .GetResponseAsync(RouterCalls.Hello, new ChatOptions { ModelId = "r" });

        Assert.NotNull(seen);
        Assert.Equal(("a", "claude-haiku-4-5", "anthropic", 3d, 200_000), (seen.Name, seen.Model, seen.Provider, seen.Weight, seen.ContextWindow!.Value));
        Assert.True(seen.Tags.Contains("eu"));
        Assert.Equal(new ModelPrice(1m, 5m), seen.Price);
        Assert.Equal(ModelCapabilities.Tools | ModelCapabilities.Vision, seen.Capabilities);
        Assert.Equal("a (anthropic, claude-haiku-4-5)", seen.ToString());
    }

    [Fact]
    public void Build_InvalidResilienceOptions_RejectedNamingEachSettingAndItsRange()
    {
        IReadOnlyList<string> errors = BuildErrors(WithDeployments("a")
            .ConfigureRetry(r => { r.MaxAttempts = 0; r.BaseDelay = TimeSpan.FromSeconds(20); r.MaxDelay = TimeSpan.FromSeconds(5); })
            .ConfigureCircuitBreaker(b => { b.FailureRatio = 0; b.MinimumThroughput = 0; b.BreakDuration = TimeSpan.Zero; })
            .ConfigureTimeouts(t => t.BetweenChunks = TimeSpan.FromSeconds(-1))
            .ConfigureCooldown(c => c.DefaultDuration = TimeSpan.FromHours(2))
            .AddRoute("r", r => { r.Deployments = ["a"]; r.Hedging = new HedgingOptions { MaxParallelAttempts = 1 }; }));

        Assert.Equal(
            [
                "The field Retry.MaxAttempts must be between 1 and 10.",
                "The field CircuitBreaker.FailureRatio must be between 0 exclusive and 1.",
                "The field CircuitBreaker.MinimumThroughput must be between 1 and 2147483647.",
                "The field CircuitBreaker.BreakDuration must be between 00:00:00.1000000 and 1.00:00:00.",
                "The field Timeouts.BetweenChunks must be between 00:00:00.0010000 and 1.00:00:00.",
                "The field Cooldown.DefaultDuration must be between 00:00:00 and 01:00:00.",
                "Retry.BaseDelay (00:00:20) must not be longer than Retry.MaxDelay (00:00:05).",
                "The field Routes:r:Hedging.MaxParallelAttempts must be between 2 and 10.",
            ],
            errors);
    }

    [Fact]
    public void Build_InvalidConcurrencySettings_Rejected()
    {
        IReadOnlyList<string> errors = BuildErrors(new LlmRouterBuilder()
            .AddDeployment("a", new ScriptedChatClient(), d => { d.MaxConcurrentRequests = 0; d.QueueTimeout = TimeSpan.FromSeconds(-1); }));

        Assert.Equal(
            [
                "Deployment 'a': MaxConcurrentRequests must be at least 1, or null for no limit (was 0).",
                "Deployment 'a': QueueTimeout must not be negative (was -00:00:01).",
            ],
            errors);
    }

    private sealed class CapturingStrategy(Action<Deployment> capture) : ISelectionStrategy
    {
        public string Name => "capture";

        public void Order(in SelectionContext context, Span<Deployment> candidates) => capture(candidates[0]);
    }

    [Fact]
    public void Build_ModelInCatalog_PriceContextWindowAndCapabilitiesFromTheCatalog()
    {
        IChatClient router = new LlmRouterBuilder()
            .AddDeployment("mini", new ScriptedChatClient("openai", "gpt-4o-mini"))
            .Build();
        Assert.True(PriceCatalog.Default.TryFind("gpt-4o-mini", "openai", out ModelCatalogEntry? entry));

        Deployment mini = ((LlmRouterClient)router).Model.FindDeployment("mini")!;

        Assert.Same(entry.Price, mini.Price);
        Assert.Equal(entry.ContextWindow, mini.ContextWindow);
        Assert.Equal(entry.Capabilities, mini.Capabilities);
        Assert.Equal((128_000, ModelCapabilities.Tools | ModelCapabilities.Vision | ModelCapabilities.JsonSchema | ModelCapabilities.Streaming), (mini.ContextWindow, mini.Capabilities));
    }

    [Fact]
    public void Build_ProviderTheCatalogDoesNotSellThrough_PriceFoundByTheModelAlone()
    {
        // Azure OpenAI and OpenRouter serve OpenAI's models under their own provider names.
        IChatClient router = new LlmRouterBuilder()
            .AddDeployment("azure", new ScriptedChatClient("azure.ai.openai", "gpt-4o-mini"))
            .AddDeployment("openrouter", new ScriptedChatClient("openrouter"), d => d.Model = "openai/gpt-4o-mini")
            .Build();
        Assert.True(PriceCatalog.Default.TryFind("gpt-4o-mini", "openai", out ModelCatalogEntry? entry));

        RouterModel model = ((LlmRouterClient)router).Model;

        Assert.Same(entry.Price, model.FindDeployment("azure")!.Price);
        Assert.Same(entry.Price, model.FindDeployment("openrouter")!.Price);
    }

    [Fact]
    public void Build_ModelSoldBySeveralHosts_PricedOnlyForAHostThatSellsIt()
    {
        IChatClient router = new LlmRouterBuilder()
            .AddDeployment("groq", new ScriptedChatClient("groq", "llama-3.3-70b-instruct"))
            .AddDeployment("self-hosted", new ScriptedChatClient("vllm", "llama-3.3-70b-instruct"))
            .Build();

        RouterModel model = ((LlmRouterClient)router).Model;

        Assert.Equal(new ModelPrice(0.59m, 0.79m), model.FindDeployment("groq")!.Price);
        Assert.Null(model.FindDeployment("self-hosted")!.Price);
    }

    [Fact]
    public void Build_OwnSettings_TakePrecedenceOverTheCatalog()
    {
        IChatClient router = new LlmRouterBuilder()
            .AddDeployment("mini", new ScriptedChatClient("openai", "gpt-4o-mini"), d =>
            {
                d.Price = new ModelPrice(0.1m, 0.2m);
                d.ContextWindow = 64_000;
                d.Capabilities = ModelCapabilities.None;
            })
            .Build();

        Deployment mini = ((LlmRouterClient)router).Model.FindDeployment("mini")!;

        Assert.Equal((new ModelPrice(0.1m, 0.2m), 64_000, ModelCapabilities.None), (mini.Price, mini.ContextWindow, mini.Capabilities));
    }

    [Fact]
    public void Build_UnpricedDeploymentWhereCostIsNeeded_RejectedSayingWhyAndHowToFix()
    {
        IReadOnlyList<string> errors = BuildErrors(new LlmRouterBuilder()
            .AddDeployment("local", new ScriptedChatClient("ollama", "llama3.2"))
            .AddDeployment("own", new ScriptedChatClient("custom", defaultModelId: null))
            .AddDeployment("free", new ScriptedChatClient("ollama", "llama3.2"), d => d.Price = new ModelPrice(0, 0))
            .AddRoute("cheap", r => { r.Deployments = ["local", "free"]; r.Strategy = SelectionStrategies.Cheapest; })
            .AddRoute("capped", r => { r.Deployments = ["local", "own"]; r.MaxPrice = new PriceLimit { Output = 1m }; })
            .AddRoute("plain", r => r.Deployments = ["own", "local"])
            .AddBudget("own-monthly", b => { b.Scope = BudgetScope.Deployment; b.Target = "own"; b.LimitUsd = 10; }));

        Assert.Equal(
            [
                "Deployment 'local' has no known price (model 'llama3.2' of provider 'ollama' is not in the price catalog), but route 'cheap' ranks by cost (Strategy Cheapest) and route 'capped' has a MaxPrice. " +
                "Set its price in USD per million tokens: DeploymentOptions.Price = new ModelPrice(input, output), or in configuration Deployments:local:Price with Input and Output (0 and 0 for a free local model).",
                "Deployment 'own' has no known price (it has no model id to look up in the price catalog), but route 'capped' has a MaxPrice and budget 'own-monthly' counts its spend. " +
                "Set its price in USD per million tokens: DeploymentOptions.Price = new ModelPrice(input, output), or in configuration Deployments:own:Price with Input and Output (0 and 0 for a free local model).",
            ],
            errors);
    }

    [Fact]
    public void Build_UnpricedDeploymentOnlyWhereCostIsNotNeeded_Accepted()
    {
        IChatClient router = new LlmRouterBuilder()
            .AddDeployment("local", new ScriptedChatClient("ollama", "llama3.2"))
            .AddDeployment("free", new ScriptedChatClient("ollama", "llama3.2"), d => d.Price = new ModelPrice(0, 0))
            .AddRoute("plain", r => r.Deployments = ["local"])
            .AddRoute("budgeted", r => r.Deployments = ["free"])
            .AddBudget("budgeted-daily", b => { b.Scope = BudgetScope.Route; b.Target = "budgeted"; b.LimitUsd = 1; })
            .Build();

        Assert.NotNull(router);
    }

    [Fact]
    public void Build_InvalidBudgets_RejectedNamingEachSettingAndWhatIsValid()
    {
        IReadOnlyList<string> errors = BuildErrors(WithPricedDeployment()
            .AddRoute("fast", r => r.Deployments = ["a"])
            .AddBudget("zero", b => b.LimitUsd = 0)
            .AddBudget("Zero", b => b.LimitUsd = 1)
            .AddBudget("targeted", b => { b.Target = "fast"; b.LimitUsd = 1; })
            .AddBudget("route", b => { b.Scope = BudgetScope.Route; b.LimitUsd = 1; })
            .AddBudget("deployment", b => { b.Scope = BudgetScope.Deployment; b.Target = "b"; b.LimitUsd = 1; })
            .AddBudget("downgrade", b => { b.LimitUsd = 1; b.OnExceeded = BudgetExceededAction.Downgrade; b.DowngradeTo = "slow"; })
            .AddBudget("self", b => { b.Scope = BudgetScope.Route; b.Target = "fast"; b.LimitUsd = 1; b.OnExceeded = BudgetExceededAction.Downgrade; b.DowngradeTo = "fast"; })
            .AddBudget("stray", b => { b.LimitUsd = 1; b.DowngradeTo = "fast"; })
            .AddBudget("caller", b => { b.Scope = BudgetScope.Caller; b.CallerProperty = ""; b.LimitUsd = 1; })
            .AddBudget("window", b => { b.Window = (BudgetWindow)9; b.LimitUsd = 1; }));

        Assert.Equal(
            [
                "Budget 'zero': LimitUsd must be more than 0 and at most 100,000,000 US dollars per window (was 0).",
                "Budget name 'Zero' is used more than once; budget names are case-insensitive and must be unique.",
                "Budget 'targeted': Target is for Route, Deployment and Caller budgets; a Router budget limits every call, so remove Target or change Scope.",
                "Budget 'route': Scope Route needs Target, the name of a route (was ''). Known routes: fast.",
                "Budget 'deployment': Scope Deployment needs Target, the name of a deployment (was 'b'). Known deployments: a.",
                "Budget 'downgrade': OnExceeded Downgrade needs DowngradeTo, the name of the route that serves what the budget cannot cover (was 'slow'). Known routes: fast.",
                "Budget 'self': DowngradeTo must be another route than the one the budget limits ('fast').",
                "Budget 'stray': DowngradeTo is only used with OnExceeded Downgrade; set OnExceeded to Downgrade or remove DowngradeTo.",
                "Budget 'caller': CallerProperty must name the ChatOptions.AdditionalProperties key that identifies the caller (default llmrouter.caller).",
                "Budget 'window': Window '9' is not valid. Valid windows: Minute, Hour, Day, Month.",
            ],
            errors);
    }

    [Fact]
    public void Build_InvalidSelectionOptionsAndFilters_RejectedNamingEachSetting()
    {
        IReadOnlyList<string> errors = BuildErrors(WithPricedDeployment()
            .ConfigureSelection(s => { s.LatencyBuffer = -1; s.SampleWeight = 0; })
            .AddRoute("fast", r =>
            {
                r.Deployments = ["a"];
                r.RequiredTags = [" "];
                r.MaxPrice = new PriceLimit { Input = -1m };
            }));

        Assert.Equal(
            [
                "Route 'fast': RequiredTags must be a list of non-empty strings.",
                "Route 'fast': MaxPrice.Input and MaxPrice.Output must be at least 0 USD per million tokens.",
                "The field Selection.LatencyBuffer must be between 0 and 10.",
                "The field Selection.SampleWeight must be between 0.001 and 1.",
            ],
            errors);
    }

    [Fact]
    public void AddBudgetAndOthers_InvalidArguments_Throw()
    {
        var builder = new LlmRouterBuilder();

        Assert.Throws<ArgumentException>(() => builder.AddBudget(" ", _ => { }));
        Assert.Throws<ArgumentNullException>(() => builder.AddBudget("b", null!));
        Assert.Throws<ArgumentNullException>(() => builder.UseBudgetLedger(null!));
        Assert.Throws<ArgumentNullException>(() => builder.UseTokenEstimator(null!));
        Assert.Throws<ArgumentNullException>(() => builder.AddComplexityScorer(null!));
        Assert.Throws<ArgumentNullException>(() => builder.ConfigureSelection(null!));
    }

    private static LlmRouterBuilder WithPricedDeployment() =>
        new LlmRouterBuilder().AddDeployment("a", new ScriptedChatClient(), d => d.Price = new ModelPrice(1, 1));
}
