using LlmRouter.Testing;
using Microsoft.Extensions.AI;

namespace LlmRouter.Tests.Routing.Selection;

public class LowestLatencySelectionStrategyTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Order_KnownLatencies_FastestServesAndNearEqualsShare(bool streaming)
    {
        IChatClient router = SelectionRouters.Builder(SelectionStrategies.LowestLatency, ("slow", null), ("fast", null), ("close", null)).Build();
        foreach ((string name, double seconds) in new[] { ("slow", 2.0), ("fast", 1.0), ("close", 1.05) })
        {
            Deployment deployment = SelectionRouters.Deployment(router, name);
            deployment.State.Statistics.RecordLatency(seconds, 1, now: 0);
            deployment.State.Statistics.RecordFirstChunk(seconds / 4, 1, now: 0);

            // The test's instant calls would otherwise pull the averages toward zero: the ranking is what is under test.
            deployment.TracksLatency = false;
        }

        Dictionary<string, int> tally = await SelectionRouters.TallyAsync(router, 2_000, streaming);

        // "close" is within the 10 % buffer of "fast": they share the traffic at random (1,000 each expected); "slow" gets none.
        Assert.Equal(new Dictionary<string, int> { ["fast"] = 1_010, ["close"] = 990 }, tally);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Order_DeploymentNotTimedYet_GoesFirstToBeMeasured(bool streaming)
    {
        IChatClient router = SelectionRouters.Builder(SelectionStrategies.LowestLatency, ("timed", null), ("new", null)).Build();
        SelectionRouters.Deployment(router, "timed").State.Statistics.RecordLatency(0.1, 1, now: 0);
        SelectionRouters.Deployment(router, "timed").State.Statistics.RecordFirstChunk(0.1, 1, now: 0);

        ChatResponse response = await router.CallAsync(streaming);

        Assert.Equal("new", response.Property(LlmRouterProperties.Deployment));
    }

    [Fact]
    public async Task Calls_ThroughTheRouter_DecayingAverageOfLatencyAndFirstChunk()
    {
        var clock = new TimerTrackingFakeTimeProvider();
        ScriptedChatClient client = new ScriptedChatClient("fake", timeProvider: clock).Enqueue(
            ScriptedOutcome.Text("one").After(TimeSpan.FromSeconds(1)),
            ScriptedOutcome.Text("two").After(TimeSpan.FromSeconds(3)),
            ScriptedOutcome.Chunks("three").After(TimeSpan.FromSeconds(2)));
        IChatClient router = new LlmRouterBuilder().UseTimeProvider(clock).WithoutTimeouts().ConfigureSelection(s => s.SampleWeight = 0.5)
            .AddDeployment("only", client)
            .AddRoute("r", r => { r.Deployments = ["only"]; r.Strategy = SelectionStrategies.LowestLatency; })
            .Build();

        foreach ((TimeSpan delay, bool streaming) in new[] { (TimeSpan.FromSeconds(1), false), (TimeSpan.FromSeconds(3), false), (TimeSpan.FromSeconds(2), true) })
        {
            Task call = router.CallAsync(streaming);
            await clock.WaitForTimersAsync(1);
            clock.Advance(delay);
            await call;
        }

        DeploymentStatistics statistics = SelectionRouters.Deployment(router, "only").State.Statistics;
        Assert.Equal(2.0, statistics.LatencySeconds);    // 1, then 1 + 0.5 × (3 − 1)
        Assert.Equal(2.0, statistics.FirstChunkSeconds); // the stream's first chunk after 2 s
    }
}
