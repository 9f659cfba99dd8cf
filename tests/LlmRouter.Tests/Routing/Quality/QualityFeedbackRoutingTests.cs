using LlmRouter.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRouter.Tests.Routing.Quality;

/// <summary>Feedback through the router: scores shift traffic off a deployment, it returns on probation, health and metrics show it.</summary>
public class QualityFeedbackRoutingTests
{
    private static LlmRouterBuilder Builder(Action<RouteOptions>? configure = null, ScriptedChatClient? fallback = null) =>
        new LlmRouterBuilder().WithoutRetries()
            .AddDeployment("primary", new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Text("primary") })
            .AddDeployment("backup", fallback ?? new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Text("backup") })
            .AddRoute("r", r =>
            {
                r.Deployments = ["primary", "backup"];
                r.MinQuality = 0.7;
                r.Quality = new QualityOptions { MinimumSamples = 3, ProbationRequests = 2, SampleWeight = 0.5 };
                configure?.Invoke(r);
            });

    private static string Served(ChatResponse response) => (string)response.Property(LlmRouterProperties.Deployment)!;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Record_LowScores_ShiftTrafficUntilProbation(bool streaming)
    {
        IChatClient router = Builder().Build();
        IRouterFeedback feedback = router.GetRequiredService<IRouterFeedback>();
        ChatResponse first = await router.CallAsync(streaming);
        Assert.Equal("primary", Served(first));

        for (int i = 0; i < 3; i++)
        {
            feedback.Record(first, 0.2);
        }

        // Set aside: the next two requests pass it over, the third finds it on probation.
        string[] served = [Served(await router.CallAsync(streaming)), Served(await router.CallAsync(streaming)), Served(await router.CallAsync(streaming))];

        Assert.Equal(["backup", "backup", "primary"], served);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Record_SetAsideAndTheOtherFails_ErrorSaysWhy(bool streaming)
    {
        var failing = new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Failure(System.Net.HttpStatusCode.ServiceUnavailable) };
        IChatClient router = Builder(fallback: failing).Build();
        IRouterFeedback feedback = router.GetRequiredService<IRouterFeedback>();
        for (int i = 0; i < 3; i++)
        {
            feedback.Record("primary", "r", tier: null, 0.1);
        }

        LlmRouterException error = await Assert.ThrowsAsync<LlmRouterException>(() => router.CallAsync(streaming));

        Assert.Contains("primary (set aside by the route for low quality: quality estimate 0.1 is below the route's MinQuality of 0.7)", error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Record_ProbationScoresClearTheBar_DeploymentServesAsUsualAgain(bool streaming)
    {
        IChatClient router = Builder(r => r.Quality!.Hysteresis = 0.1).Build();
        IRouterFeedback feedback = router.GetRequiredService<IRouterFeedback>();
        for (int i = 0; i < 3; i++)
        {
            feedback.Record("primary", "r", null, 0.1);
        }

        await router.CallAsync(streaming);
        await router.CallAsync(streaming);
        Assert.Equal("primary", Served(await router.CallAsync(streaming)));
        for (int i = 0; i < 3; i++)
        {
            feedback.Record("primary", "r", null, 0.9);
        }

        DeploymentQuality quality = Assert.Single(router.GetRequiredService<IRouterHealth>().GetDeployment("primary").Quality);
        Assert.Equal(QualityStatus.Healthy, quality.Status);
        Assert.Equal(6, quality.Samples);
        Assert.Equal(3, quality.RecentSamples);
        Assert.Equal(["primary", "primary"], [Served(await router.CallAsync(streaming)), Served(await router.CallAsync(streaming))]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Record_TieredRequest_EstimateKeptPerTier(bool streaming)
    {
        IChatClient router = Builder()
            .AddRoute("tiered", r => r.Tiers = new Dictionary<ComplexityTier, string> { [ComplexityTier.Simple] = "r" })
            .Build();
        IRouterFeedback feedback = router.GetRequiredService<IRouterFeedback>();
        ChatResponse simple = await router.CallAsync(streaming, new ChatOptions
        {
            ModelId = "tiered",
            AdditionalProperties = new() { [LlmRouterRequestProperties.Tier] = "simple" },
        });
        for (int i = 0; i < 3; i++)
        {
            feedback.Record(simple, 0.1);
        }

        // Set aside for simple requests only; a request straight to "r" has no tier.
        Assert.Equal("backup", Served(await router.CallAsync(streaming, new ChatOptions
        {
            ModelId = "tiered",
            AdditionalProperties = new() { [LlmRouterRequestProperties.Tier] = "simple" },
        })));
        Assert.Equal("primary", Served(await router.CallAsync(streaming, RouterCalls.Route("r"))));
        DeploymentQuality quality = router.GetRequiredService<IRouterHealth>().GetDeployment("primary").Quality.Single(q => q.Samples > 0);
        Assert.Equal(("r", "simple", QualityStatus.SetAside), (quality.Route, quality.Tier, quality.Status));
    }

    [Fact]
    public async Task Record_StreamCombinedWithToChatResponse_FindsWhoServedIt()
    {
        IChatClient router = Builder().Build();
        List<ChatResponseUpdate> updates = await router.ReadAllAsync();

        router.GetRequiredService<IRouterFeedback>().Record(updates.ToChatResponse(), 0.5);

        Assert.Equal(1, router.GetRequiredService<IRouterHealth>().GetDeployment("primary").Quality.Single().Samples);
    }

    [Fact]
    public void Record_WithDimension_KeepsTheDimensionBesideTheOverallEstimate()
    {
        IChatClient router = Builder(r => r.MinQuality = null).Build();
        IRouterFeedback feedback = router.GetRequiredService<IRouterFeedback>();

        feedback.Record("PRIMARY", "R", null, 0.4, dimension: "faithfulness");
        feedback.Record("primary", "r", null, 0.8);

        IReadOnlyList<DeploymentQuality> estimates = router.GetRequiredService<IRouterHealth>().GetDeployment("primary").Quality;
        Assert.Equal([(null, 2L), ("faithfulness", 1L)], estimates.Select(e => (e.Dimension, e.Samples)));
        Assert.Equal(0.4, estimates[1].Estimate);
    }

    [Fact]
    public void Record_BadInput_ThrowsTypedErrorsNamingWhatWouldBeValid()
    {
        IChatClient router = Builder().Build();
        IRouterFeedback feedback = router.GetRequiredService<IRouterFeedback>();

        Assert.Throws<ArgumentOutOfRangeException>("score", () => feedback.Record("primary", "r", null, 1.5));
        Assert.Throws<ArgumentOutOfRangeException>("score", () => feedback.Record("primary", "r", null, double.NaN));
        Assert.Contains("Deployments: primary, backup", Assert.Throws<ArgumentException>("deployment", () => feedback.Record("nope", "r", null, 0.5)).Message);
        Assert.Contains("Routes: r", Assert.Throws<ArgumentException>("route", () => feedback.Record("primary", "nope", null, 0.5)).Message);
        Assert.Contains("Valid tiers: simple, medium, complex, reasoning", Assert.Throws<ArgumentException>("tier", () => feedback.Record("primary", "r", "hard", 0.5)).Message);
        Assert.Contains("AdditionalProperties 'llmrouter.deployment'", Assert.Throws<ArgumentException>("response", () => feedback.Record(new ChatResponse(), 0.5)).Message);
    }

    [Fact]
    public void Record_RouteThatDoesNotListTheDeployment_ThrowsListingItsDeployments()
    {
        IChatClient router = Builder().AddDeployment("other", new ScriptedChatClient("fake")).AddRoute("o", r => r.Deployments = ["other"]).Build();

        ArgumentException error = Assert.Throws<ArgumentException>("route", () => router.GetRequiredService<IRouterFeedback>().Record("primary", "o", null, 0.5));

        Assert.Contains("Route 'o' does not list deployment 'primary'", error.Message);
    }

    [Fact]
    public void AddLlmRouter_Container_ResolvesTheFeedbackOfTheRouter()
    {
        var services = new ServiceCollection();
        services.AddLlmRouter(builder => builder
            .AddDeployment("primary", new ScriptedChatClient("fake"))
            .AddRoute("r", r => r.Deployments = ["primary"]))
            .UseFunctionInvocation();
        using ServiceProvider provider = services.BuildServiceProvider();

        IRouterFeedback feedback = provider.GetRequiredService<IRouterFeedback>();
        feedback.Record("primary", "r", null, 0.6);

        Assert.Same(feedback, provider.GetRequiredService<IChatClient>().GetService<IRouterFeedback>());
        Assert.Equal(1, provider.GetRequiredService<IRouterHealth>().GetDeployment("primary").Quality[0].Samples);
    }

    [Fact]
    public void QualityMetric_ObservesEachScoredEstimateWithItsStatus()
    {
        IChatClient router = Builder().Build();
        using var capture = new TelemetryCapture(router, spans: false);
        for (int i = 0; i < 3; i++)
        {
            router.GetRequiredService<IRouterFeedback>().Record("primary", "r", null, 0.2);
        }

        var measurement = Assert.Single(capture.Observe<double>("llmrouter.deployment.quality"));

        Assert.Equal(0.2, measurement.Value, 6);
        Assert.Equal("primary", measurement.Tags["llmrouter.deployment"]);
        Assert.Equal("r", measurement.Tags["llmrouter.route"]);
        Assert.Equal("set_aside", measurement.Tags["llmrouter.quality.status"]);
    }

    [Fact]
    public void Reload_KeepsTheEstimatesAndTakesTheNewBars()
    {
        ReloadableConfiguration configuration = ReloadableConfiguration.Create(QualityConfiguration(0.7));
        using var primary = new ScriptedChatClient("fake");
        using LlmRouterClient router = LlmRouter.Tests.Configuration.ConfigurationReaderTests.Build(configuration.Section, code: b => b.AddDeployment("primary", primary));
        for (int i = 0; i < 3; i++)
        {
            router.GetRequiredService<IRouterFeedback>().Record("primary", "r", null, 0.2);
        }

        configuration.Replace(QualityConfiguration(0.1));

        Assert.Equal(0.1, router.Model.FindRoute("r")!.Quality!.Policy.MinQuality);
        DeploymentQuality kept = Assert.Single(router.GetRequiredService<IRouterHealth>().GetDeployment("primary").Quality, q => q.Samples > 0);
        Assert.Equal((3L, QualityStatus.SetAside), (kept.Samples, kept.Status));
    }

    private static Dictionary<string, string?> QualityConfiguration(double minQuality) => new(StringComparer.OrdinalIgnoreCase)
    {
        ["LlmRouter:Routes:r:Deployments:0"] = "primary",
        ["LlmRouter:Routes:r:MinQuality"] = minQuality.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["LlmRouter:Routes:r:Quality:MinimumSamples"] = "3",
    };
}
