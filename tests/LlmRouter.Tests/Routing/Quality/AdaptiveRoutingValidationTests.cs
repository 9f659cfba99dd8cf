using LlmRouter.Testing;
using Microsoft.Extensions.Configuration;

namespace LlmRouter.Tests.Routing.Quality;

public class AdaptiveRoutingValidationTests
{
    private static LlmRouterConfigurationException Invalid(Action<RouteOptions> configure) =>
        Assert.Throws<LlmRouterConfigurationException>(() => new LlmRouterBuilder()
            .AddDeployment("d", new ScriptedChatClient("fake"))
            .AddRoute("r", r =>
            {
                r.Deployments = ["d"];
                configure(r);
            })
            .Build());

    [Fact]
    public void Build_QualityBarsOutOfRange_ListsEveryProblemWithItsKey()
    {
        LlmRouterConfigurationException error = Invalid(r =>
        {
            r.MinQuality = 1.5;
            r.QualityDropTolerance = 0;
            r.QualityTolerance = -0.1;
            r.Quality = new QualityOptions { MinimumSamples = 0, ProbationRequests = 0 };
        });

        Assert.Contains("Routes:r:MinQuality is 1.5; it must be a quality estimate from 0 to 1.", error.Message);
        Assert.Contains("Routes:r:QualityDropTolerance is 0; it must be a fraction between 0 and 1", error.Message);
        Assert.Contains("Routes:r:QualityTolerance is -0.1", error.Message);
        Assert.Contains("MinimumSamples", error.Message);
        Assert.Contains("ProbationRequests", error.Message);
    }

    [Fact]
    public void Build_LatencyTargetWithoutATarget_SaysWhatToSet()
    {
        LlmRouterConfigurationException error = Invalid(r => r.LatencyTarget = new LatencyTargetOptions { Percentile = 75 });

        Assert.Contains("Routes:r:LatencyTarget sets neither TimeToFirstToken nor Total; set at least one", error.Message);
        Assert.Contains("Routes:r:LatencyTarget:Percentile is 75; valid percentiles: 50, 90, 95, 99.", error.Message);
    }

    [Fact]
    public void Build_NegativeTargetAndExplorationAboveOne_AreRejected()
    {
        LlmRouterConfigurationException error = Invalid(r => r.LatencyTarget = new LatencyTargetOptions { Total = TimeSpan.FromSeconds(-1), ExplorationRate = 2 });

        Assert.Contains("Routes:r:LatencyTarget:Total is -00:00:01; it must be longer than zero.", error.Message);
        Assert.Contains("ExplorationRate", error.Message);
    }

    [Fact]
    public void Build_TieredRouteWithQualityBarsOrLatencyTarget_SaysToSetThemOnTheTargets()
    {
        LlmRouterConfigurationException error = Assert.Throws<LlmRouterConfigurationException>(() => new LlmRouterBuilder()
            .AddDeployment("d", new ScriptedChatClient("fake"))
            .AddRoute("r", r => r.Deployments = ["d"])
            .AddRoute("tiered", r =>
            {
                r.Tiers = new Dictionary<ComplexityTier, string> { [ComplexityTier.Simple] = "r" };
                r.MinQuality = 0.5;
                r.LatencyTarget = new LatencyTargetOptions { Total = TimeSpan.FromSeconds(1) };
            })
            .Build());

        Assert.Contains("so it takes no quality bars (MinQuality, QualityDropTolerance, Quality), LatencyTarget; set them on the routes it dispatches to.", error.Message);
    }

    [Fact]
    public void Configure_QualityAndLatencyKeys_AreRead()
    {
        IConfiguration section = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LlmRouter:Routes:r:Deployments:0"] = "d",
            ["LlmRouter:Routes:r:Strategy"] = "BestValue",
            ["LlmRouter:Routes:r:MinQuality"] = "0.6",
            ["LlmRouter:Routes:r:QualityDropTolerance"] = "0.15",
            ["LlmRouter:Routes:r:QualityTolerance"] = "0.02",
            ["LlmRouter:Routes:r:Quality:ProbationRequests"] = "7",
            ["LlmRouter:Routes:r:LatencyTarget:TimeToFirstToken"] = "00:00:00.800",
            ["LlmRouter:Routes:r:LatencyTarget:Percentile"] = "95",
        }).Build().GetSection("LlmRouter");

        using LlmRouterClient router = LlmRouter.Tests.Configuration.ConfigurationReaderTests.Build(
            section, code: b => b.AddDeployment("d", new ScriptedChatClient("fake"), d => d.Price = new ModelPrice(1, 1)));

        Route route = router.Model.FindRoute("r")!;
        QualityPolicy policy = route.Quality!.Policy;
        Assert.Equal((0.6, 0.15, 0.02, 7), (policy.MinQuality, policy.DropTolerance, policy.Tolerance, policy.ProbationRequests));
        Assert.IsType<LatencyTargetSelectionStrategy>(route.Strategy);
        Assert.IsType<BestValueSelectionStrategy>(route.NamedStrategy);
    }
}
