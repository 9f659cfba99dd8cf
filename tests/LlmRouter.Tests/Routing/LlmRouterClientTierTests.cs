using System.Diagnostics;
using LlmRouter.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace LlmRouter.Tests.Routing;

/// <summary>Routes that dispatch by request complexity: the scorer picks the tier, the tier picks the route.</summary>
public class LlmRouterClientTierTests
{
    private static readonly ChatMessage[] Easy = [new(ChatRole.User, "What is the capital of France?")];
    private static readonly ChatMessage[] Proof = [new(ChatRole.User, "Prove that there are infinitely many primes.")];
    private static readonly ChatMessage[] Derivation = [new(ChatRole.User, "Derive the closed form step by step and prove it.")];
    private static readonly ChatMessage[] Coding = [new(ChatRole.User, "Write a Python function that parses a CSV file and returns the average of each numeric column.")];

    private static LlmRouterBuilder Builder() => new LlmRouterBuilder()
        .AddDeployment("mini", new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Text("mini") })
        .AddDeployment("large", new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Text("large") })
        .AddDeployment("thinker", new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Text("thinker") })
        .AddRoute("fast", r => r.Deployments = ["mini"])
        .AddRoute("smart", r => r.Deployments = ["large"])
        .AddRoute("deep", r => r.Deployments = ["thinker"]);

    private static IChatClient Router() => Builder()
        .AddRoute("auto", r => r.Tiers = new Dictionary<ComplexityTier, string>
        {
            [ComplexityTier.Simple] = "fast",
            [ComplexityTier.Complex] = "smart",
            [ComplexityTier.Reasoning] = "deep",
        })
        .UseDefaultRoute("auto")
        .Build();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_ScoredRequests_GoToTheirTiersRouteWithTierAndScoreOnTheResponse(bool streaming)
    {
        IChatClient router = Router();

        ChatResponse easy = await router.CallAsync(streaming, messages: Easy);
        ChatResponse coding = await router.CallAsync(streaming, messages: Coding);
        ChatResponse proof = await router.CallAsync(streaming, messages: Proof);
        ChatResponse derivation = await router.CallAsync(streaming, messages: Derivation);

        Assert.Equal(("mini", "fast", "simple", 0), Served(easy));

        // Medium has no route of its own: it goes up to the next tier that has one.
        Assert.Equal(("large", "smart", "medium", 21), Served(coding));
        Assert.Equal(("large", "smart", "complex", 20), Served(proof));
        Assert.Equal(("thinker", "deep", "reasoning", 40), Served(derivation));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_RequestNamesItsTier_ScorerSkipped(bool streaming)
    {
        IChatClient router = Router();
        var options = new ChatOptions { AdditionalProperties = new() { [LlmRouterRequestProperties.Tier] = "Reasoning" } };

        ChatResponse response = await router.CallAsync(streaming, options, messages: Easy);

        Assert.Equal("thinker", response.Property(LlmRouterProperties.Deployment));
        Assert.Equal("reasoning", response.Property(LlmRouterProperties.Tier));
        Assert.Null(response.Property(LlmRouterProperties.Complexity));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_RequestNamesAnUnknownTier_ArgumentException(bool streaming)
    {
        var options = new ChatOptions { AdditionalProperties = new() { [LlmRouterRequestProperties.Tier] = "expert" } };

        ArgumentException exception = await Assert.ThrowsAsync<ArgumentException>(() => Router().CallAsync(streaming, options));

        Assert.StartsWith(
            "ChatOptions.AdditionalProperties['llmrouter.tier'] is 'expert', which is not a tier. Valid tiers: simple, medium, complex, reasoning.",
            exception.Message,
            StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_CustomScorer_DecidesTheTier(bool streaming)
    {
        IChatClient router = Builder()
            .AddComplexityScorer(new LengthScorer())
            .AddRoute("auto", r =>
            {
                r.Tiers = new Dictionary<ComplexityTier, string> { [ComplexityTier.Simple] = "fast", [ComplexityTier.Complex] = "smart" };
                r.ComplexityScorer = "length";
            })
            .UseDefaultRoute("auto")
            .Build();

        ChatResponse response = await router.CallAsync(streaming, messages: Easy);

        Assert.Equal(("large", "smart", "complex", 30), Served(response));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_TieredRequest_TelemetryRecordsTierAndScore(bool streaming)
    {
        IChatClient router = Router();
        using var capture = new TelemetryCapture(router);

        await router.CallAsync(streaming, messages: Proof);

        Activity request = capture.Span("chat auto");
        Assert.Equal("auto", request.GetTagItem("llmrouter.route"));
        Assert.Equal("complex", request.GetTagItem("llmrouter.tier"));
        Assert.Equal(20, request.GetTagItem("llmrouter.complexity"));
        CollectedMeasurement<double> duration = Assert.Single(capture.Metric<double>("llmrouter.request.duration"));
        Assert.Equal(("auto", "complex"), (duration.Tags["llmrouter.route"], duration.Tags["llmrouter.tier"]));
    }

    [Fact]
    public void Build_InvalidTiers_RejectedNamingEachProblem()
    {
        LlmRouterConfigurationException exception = Assert.Throws<LlmRouterConfigurationException>(() => Builder()
            .AddRoute("auto", r =>
            {
                r.Deployments = ["mini"];
                r.Fallbacks = ["smart"];
                r.Tiers = new Dictionary<ComplexityTier, string> { [ComplexityTier.Simple] = "fsat", [ComplexityTier.Complex] = "auto" };
                r.ComplexityScorer = "Clever";
            })
            .Build());

        Assert.Equal(
            [
                "Route 'auto' dispatches by Tiers, so it takes no Deployments, Fallbacks; set them on the routes it dispatches to.",
                "Route 'auto' sends tier Simple to unknown route 'fsat'. Known routes: fast, smart, deep, auto.",
                "Route 'auto' sends tier Complex to itself.",
                "Route 'auto' uses unknown complexity scorer 'Clever'. Known scorers: Heuristic.",
            ],
            exception.Errors);
    }

    [Fact]
    public void Build_DispatchCycleAndFallbackToDispatchingRoute_Rejected()
    {
        LlmRouterConfigurationException exception = Assert.Throws<LlmRouterConfigurationException>(() => Builder()
            .AddRoute("a", r => r.Tiers = new Dictionary<ComplexityTier, string> { [ComplexityTier.Simple] = "b" })
            .AddRoute("b", r => r.Variants = new Dictionary<string, double> { ["a"] = 1 })
            .AddRoute("c", r => { r.Deployments = ["mini"]; r.Fallbacks = ["a"]; })
            .Build());

        Assert.Equal(
            [
                "Route 'c' falls back to route 'a', which dispatches to other routes (by Tiers); fall back to one of those routes instead.",
                "Dispatch cycle: a → b → a. A route must not dispatch (by Tiers or Variants), directly or through others, to itself.",
            ],
            exception.Errors);
    }

    private static (object? Deployment, object? Route, object? Tier, object? Complexity) Served(ChatResponse response) =>
        (response.Property(LlmRouterProperties.Deployment), response.Property(LlmRouterProperties.Route),
         response.Property(LlmRouterProperties.Tier), response.Property(LlmRouterProperties.Complexity));

    /// <summary>Complex for anything over 20 characters.</summary>
    private sealed class LengthScorer : IComplexityScorer
    {
        public string Name => "length";

        public ComplexityScore Score(IEnumerable<ChatMessage> messages, ChatOptions? options)
        {
            int length = messages.Sum(m => m.Text.Length);
            return new ComplexityScore(length, length > 20 ? ComplexityTier.Complex : ComplexityTier.Simple);
        }
    }
}
