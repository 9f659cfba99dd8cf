using System.Net;
using LlmRouter.Testing;
using Microsoft.Extensions.AI;

namespace LlmRouter.Tests.Routing.Selection;

public class WeightedSelectionStrategyTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Order_SeededRun_ServesInProportionToWeight(bool streaming)
    {
        IChatClient router = SelectionRouters.Builder(
            SelectionStrategies.Weighted,
            ("a", d => d.Weight = 1),
            ("b", d => d.Weight = 3),
            ("c", d => d.Weight = 6)).Build();

        Dictionary<string, int> tally = await SelectionRouters.TallyAsync(router, 10_000, streaming);

        // Expected 1,000 / 3,000 / 6,000; the seeded run gives these, each within 2.1 standard deviations of its expectation.
        Assert.Equal(new Dictionary<string, int> { ["a"] = 939, ["b"] = 3_008, ["c"] = 6_053 }, tally);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Order_ZeroWeight_OnlyServesWhenTheOthersFail(bool streaming)
    {
        var failing = new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Failure(HttpStatusCode.ServiceUnavailable) };
        var spare = new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Text("spare") };
        IChatClient router = new LlmRouterBuilder().WithoutRetries().ConfigureCircuitBreaker(b => b.Enabled = false).UseRandomSource(new Random(1).NextDouble)
            .AddDeployment("spare", spare, d => d.Weight = 0)
            .AddDeployment("main", failing, d => d.Weight = 5)
            .AddRoute("r", r => { r.Deployments = ["spare", "main"]; r.Strategy = SelectionStrategies.Weighted; })
            .Build();

        for (int i = 0; i < 20; i++)
        {
            ChatResponse response = await router.CallAsync(streaming);
            Assert.Equal("main: Overloaded, HTTP 503", response.Property(LlmRouterProperties.FallbackReasons));
        }

        Assert.Equal(20, failing.CallCount);
    }

    [Fact]
    public async Task Order_FirstFails_NextIsDrawnByWeightAmongTheRest()
    {
        var a = new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Failure(HttpStatusCode.ServiceUnavailable) };
        LlmRouterBuilder builder = new LlmRouterBuilder().WithoutRetries().ConfigureCircuitBreaker(b => b.Enabled = false)
            .UseRandomSource(new Random(SelectionRouters.Seed).NextDouble)
            .AddDeployment("a", a, d => d.Weight = 100);
        foreach ((string name, double weight) in new[] { ("b", 1.0), ("c", 3.0) })
        {
            builder.AddDeployment(name, new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Text(name) }, d => d.Weight = weight);
        }

        IChatClient router = builder.AddRoute("r", r => { r.Deployments = ["a", "b", "c"]; r.Strategy = SelectionStrategies.Weighted; }).Build();

        Dictionary<string, int> tally = await SelectionRouters.TallyAsync(router, 4_000);

        // After "a" fails, "b" and "c" share the rest 1 : 3 (expected 1,000 and 3,000).
        Assert.Equal(new Dictionary<string, int> { ["b"] = 999, ["c"] = 3_001 }, tally);
    }
}
