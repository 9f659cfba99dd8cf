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

        Assert.Equal(["Route 'fast' uses unknown strategy 'Fastest'. Known strategies: Ordered, Weighted, RoundRobin, LeastBusy, LowestLatency, PowerOfTwoChoices, Cheapest."], errors);
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
}
