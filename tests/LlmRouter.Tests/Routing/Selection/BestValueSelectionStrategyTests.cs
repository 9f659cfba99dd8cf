using LlmRouter.Testing;
using Microsoft.Extensions.AI;

namespace LlmRouter.Tests.Routing.Selection;

public class BestValueSelectionStrategyTests
{
    // Per million tokens: "cheap" $0.10/$0.40, "middle" $1/$4, "dear" $3/$15.
    private static IChatClient Router(double tolerance = 0.05) => SelectionRouters.Builder(
        SelectionStrategies.BestValue,
        ("dear", d => d.Price = new ModelPrice(3m, 15m)),
        ("middle", d => d.Price = new ModelPrice(1m, 4m)),
        ("cheap", d => d.Price = new ModelPrice(0.1m, 0.4m)))
        .AddRoute("scored", r =>
        {
            r.Deployments = ["dear", "middle", "cheap"];
            r.Strategy = SelectionStrategies.BestValue;
            r.QualityTolerance = tolerance;
            r.Quality = new QualityOptions { MinimumSamples = 2, SampleWeight = 1 };
        })
        .Build();

    private static void Score(IChatClient router, string deployment, double score)
    {
        for (int i = 0; i < 2; i++)
        {
            router.GetRequiredService<IRouterFeedback>().Record(deployment, "scored", null, score);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Order_NothingScored_CheapestFirst(bool streaming)
    {
        ChatResponse response = await Router().CallAsync(streaming, RouterCalls.Route("scored"));

        Assert.Equal("cheap", response.Property(LlmRouterProperties.Deployment));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Order_CheapestWithinToleranceOfTheBest_IsChosen(bool streaming)
    {
        IChatClient router = Router(tolerance: 0.05);
        Score(router, "dear", 0.90);
        Score(router, "middle", 0.87);
        Score(router, "cheap", 0.60);

        ChatResponse response = await router.CallAsync(streaming, RouterCalls.Route("scored"));

        Assert.Equal("middle", response.Property(LlmRouterProperties.Deployment));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Order_BelowTolerance_FollowBestQualityFirstAsFallbacks(bool streaming)
    {
        var failing = new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Failure(System.Net.HttpStatusCode.ServiceUnavailable) };
        IChatClient router = new LlmRouterBuilder().WithoutRetries()
            .AddDeployment("dear", failing, d => d.Price = new ModelPrice(3m, 15m))
            .AddDeployment("middle", new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Text("m") }, d => d.Price = new ModelPrice(1m, 4m))
            .AddDeployment("cheap", new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Text("c") }, d => d.Price = new ModelPrice(0.1m, 0.4m))
            .AddRoute("scored", r =>
            {
                r.Deployments = ["cheap", "middle", "dear"];
                r.Strategy = SelectionStrategies.BestValue;
                r.Quality = new QualityOptions { MinimumSamples = 1 };
            })
            .Build();
        IRouterFeedback feedback = router.GetRequiredService<IRouterFeedback>();
        feedback.Record("dear", "scored", null, 0.95);
        feedback.Record("middle", "scored", null, 0.7);
        feedback.Record("cheap", "scored", null, 0.5);

        ChatResponse response = await router.CallAsync(streaming, RouterCalls.Route("scored"));

        // Only "dear" is within tolerance; when it fails, "middle" (better than "cheap") is next.
        Assert.Equal("middle", response.Property(LlmRouterProperties.Deployment));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Order_UnscoredDeployment_CountsAsWithinSoItGetsScored(bool streaming)
    {
        IChatClient router = Router();
        Score(router, "dear", 0.9);
        Score(router, "middle", 0.5);

        ChatResponse response = await router.CallAsync(streaming, RouterCalls.Route("scored"));

        Assert.Equal("cheap", response.Property(LlmRouterProperties.Deployment));
    }

    [Fact]
    public void Build_DeploymentWithoutPrice_IsAConfigurationError()
    {
        LlmRouterConfigurationException error = Assert.Throws<LlmRouterConfigurationException>(() => new LlmRouterBuilder()
            .AddDeployment("unpriced", new ScriptedChatClient("fake"), d => d.Model = "no-such-model")
            .AddRoute("r", r => { r.Deployments = ["unpriced"]; r.Strategy = SelectionStrategies.BestValue; })
            .Build());

        Assert.Contains("ranks by cost (Strategy BestValue)", error.Message);
    }
}
