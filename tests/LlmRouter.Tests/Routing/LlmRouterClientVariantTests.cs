using System.Diagnostics;
using LlmRouter.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace LlmRouter.Tests.Routing;

/// <summary>A/B routes: weighted variants, sticky by a caller key hash that is the same in every process.</summary>
public class LlmRouterClientVariantTests
{
    private static IChatClient Router(double control = 90, double canary = 10, int seed = SelectionRouters.Seed) => new LlmRouterBuilder()
        .UseRandomSource(new Random(seed).NextDouble)
        .AddDeployment("v1", new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Text("v1") })
        .AddDeployment("v2", new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Text("v2") })
        .AddRoute("control", r => r.Deployments = ["v1"])
        .AddRoute("canary", r => r.Deployments = ["v2"])
        .AddRoute("chat", r => r.Variants = new Dictionary<string, double> { ["control"] = control, ["canary"] = canary })
        .UseDefaultRoute("chat")
        .Build();

    private static ChatOptions Caller(string key) => new() { AdditionalProperties = new() { [LlmRouterRequestProperties.Caller] = key } };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_SameCaller_AlwaysTheSameVariantInEveryRouter(bool streaming)
    {
        // Separate routers stand in for separate processes: the assignment depends on the key alone.
        var variants = new HashSet<string>();
        for (int i = 0; i < 20; i++)
        {
            IChatClient router = Router(seed: i);
            ChatResponse response = await router.CallAsync(streaming, Caller("user-1"));
            variants.Add((string)response.Property(LlmRouterProperties.Variant)!);
            Assert.Equal(response.Property(LlmRouterProperties.Variant), response.Property(LlmRouterProperties.Route));
        }

        Assert.Equal(["control"], variants);
    }

    [Fact]
    public async Task Call_ManyCallers_SplitByWeight()
    {
        IChatClient router = Router();
        var tally = new Dictionary<string, int>();
        for (int i = 0; i < 10_000; i++)
        {
            ChatResponse response = await router.GetResponseAsync(RouterCalls.Hello, Caller("user-" + i));
            string variant = (string)response.Property(LlmRouterProperties.Variant)!;
            tally[variant] = tally.GetValueOrDefault(variant) + 1;
        }

        // 9,000 and 1,000 expected.
        Assert.Equal(new Dictionary<string, int> { ["control"] = 9_007, ["canary"] = 993 }, tally);
    }

    [Fact]
    public async Task Call_CanaryGrows_CallersOnTheCanaryStayOnIt()
    {
        IChatClient before = Router(control: 90, canary: 10);
        IChatClient after = Router(control: 80, canary: 20);
        int moved = 0;
        for (int i = 0; i < 2_000; i++)
        {
            string wasVariant = (string)(await before.GetResponseAsync(RouterCalls.Hello, Caller("user-" + i))).Property(LlmRouterProperties.Variant)!;
            string isVariant = (string)(await after.GetResponseAsync(RouterCalls.Hello, Caller("user-" + i))).Property(LlmRouterProperties.Variant)!;
            Assert.False(wasVariant == "canary" && isVariant == "control", $"user-{i} left the canary when it grew.");
            moved += wasVariant == isVariant ? 0 : 1;
        }

        // About a ninth of the control callers move (2,000 × 0.9 × 1/9 ≈ 200); nobody else does.
        Assert.Equal(216, moved);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_NoCallerKey_RandomByWeight(bool streaming)
    {
        IChatClient router = Router(control: 1, canary: 1);

        Dictionary<string, int> tally = await SelectionRouters.TallyAsync(router, 2_000, streaming);

        // 1,000 each expected, from the seeded random source.
        Assert.Equal(new Dictionary<string, int> { ["v1"] = 990, ["v2"] = 1_010 }, tally);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_ZeroWeightVariant_NeverChosen(bool streaming)
    {
        IChatClient router = Router(control: 1, canary: 0);

        Dictionary<string, int> tally = await SelectionRouters.TallyAsync(router, 200, streaming);
        ChatResponse keyed = await router.CallAsync(streaming, Caller("user-1"));

        Assert.Equal(new Dictionary<string, int> { ["v1"] = 200 }, tally);
        Assert.Equal("control", keyed.Property(LlmRouterProperties.Variant));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_RequestNamesItsVariant_Served(bool streaming)
    {
        var options = new ChatOptions { AdditionalProperties = new() { [LlmRouterRequestProperties.Variant] = "CANARY" } };

        ChatResponse response = await Router(control: 1, canary: 0).CallAsync(streaming, options);

        Assert.Equal(("v2", "canary"), (response.Property(LlmRouterProperties.Deployment), response.Property(LlmRouterProperties.Variant)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_RequestNamesAnUnknownVariant_ArgumentException(bool streaming)
    {
        var options = new ChatOptions { AdditionalProperties = new() { [LlmRouterRequestProperties.Variant] = "beta" } };

        ArgumentException exception = await Assert.ThrowsAsync<ArgumentException>(() => Router().CallAsync(streaming, options));

        Assert.StartsWith(
            "ChatOptions.AdditionalProperties['llmrouter.variant'] names 'beta', which is not a variant of route 'chat'. Variants: control, canary.",
            exception.Message,
            StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_Variant_RecordedOnSpanAndMetrics(bool streaming)
    {
        IChatClient router = Router();
        using var capture = new TelemetryCapture(router);

        await router.CallAsync(streaming, Caller("user-1"));

        Activity request = capture.Span("chat chat");
        Assert.Equal("control", request.GetTagItem("llmrouter.variant"));
        CollectedMeasurement<double> duration = Assert.Single(capture.Metric<double>("llmrouter.request.duration"));
        Assert.Equal(("chat", "control", "v1"), (duration.Tags["llmrouter.route"], duration.Tags["llmrouter.variant"], duration.Tags["llmrouter.deployment"]));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_VariantOfTieredRoutes_RecordsBoth(bool streaming)
    {
        IChatClient router = new LlmRouterBuilder()
            .AddDeployment("v1", new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Text("v1") })
            .AddDeployment("v2", new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Text("v2") })
            .AddRoute("fast", r => r.Deployments = ["v1"])
            .AddRoute("smart", r => r.Deployments = ["v2"])
            .AddRoute("tiered", r => r.Tiers = new Dictionary<ComplexityTier, string> { [ComplexityTier.Simple] = "fast", [ComplexityTier.Complex] = "smart" })
            .AddRoute("chat", r => r.Variants = new Dictionary<string, double> { ["tiered"] = 1, ["smart"] = 0 })
            .UseDefaultRoute("chat")
            .Build();

        ChatResponse response = await router.CallAsync(streaming, Caller("user-1"));

        Assert.Equal(("v1", "fast", "tiered", "simple"), (response.Property(LlmRouterProperties.Deployment), response.Property(LlmRouterProperties.Route),
            response.Property(LlmRouterProperties.Variant), response.Property(LlmRouterProperties.Tier)));
    }

    [Fact]
    public void Build_InvalidVariants_RejectedNamingEachProblem()
    {
        LlmRouterConfigurationException exception = Assert.Throws<LlmRouterConfigurationException>(() => new LlmRouterBuilder()
            .AddDeployment("v1", new ScriptedChatClient())
            .AddRoute("control", r => r.Deployments = ["v1"])
            .AddRoute("chat", r =>
            {
                r.Variants = new Dictionary<string, double> { ["control"] = double.NaN, ["contrl"] = 0 };
                r.VariantKey = " ";
                r.RequiredTags = ["eu"];
            })
            .Build());

        Assert.Equal(
            [
                "Route 'chat' dispatches by Variants, so it takes no filters (MaxPrice, RequiredTags, ExcludedTags, AllowedProviders, DeniedProviders, AllowedRegions); set them on the routes it dispatches to.",
                "Route 'chat': the weight of variant 'control' must be a finite number of at least 0 (was NaN).",
                "Route 'chat' sends variant to unknown route 'contrl'. Known routes: control, chat.",
                "Route 'chat': at least one variant must have a weight above 0.",
                "Route 'chat': VariantKey must name the ChatOptions.AdditionalProperties key that keeps a caller on one variant (default llmrouter.caller).",
            ],
            exception.Errors);
    }
}
