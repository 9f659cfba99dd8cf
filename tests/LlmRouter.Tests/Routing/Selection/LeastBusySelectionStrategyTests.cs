using LlmRouter.Testing;
using Microsoft.Extensions.AI;

namespace LlmRouter.Tests.Routing.Selection;

public class LeastBusySelectionStrategyTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Order_CallsInFlight_FewestFirst(bool streaming)
    {
        (IChatClient router, CancellationTokenSource hold) = await BusyRouterAsync(SelectionStrategies.LeastBusy, streaming);
        try
        {
            Dictionary<string, int> tally = await SelectionRouters.TallyAsync(router, 50, streaming);

            // "a" holds two calls, "b" one, "c" none: every request goes to "c".
            Assert.Equal(new Dictionary<string, int> { ["c"] = 50 }, tally);
        }
        finally
        {
            await hold.CancelAsync();
            hold.Dispose();
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Order_NothingInFlight_TiesShareTheLoad(bool streaming)
    {
        IChatClient router = SelectionRouters.Builder(SelectionStrategies.LeastBusy, ("a", null), ("b", null), ("c", null)).Build();

        Dictionary<string, int> tally = await SelectionRouters.TallyAsync(router, 3_000, streaming);

        // Ties are broken at random (1,000 each expected).
        Assert.Equal(new Dictionary<string, int> { ["a"] = 972, ["b"] = 1_015, ["c"] = 1_013 }, tally);
    }

    /// <summary>A router over a, b, c whose "a" holds two stalled calls and "b" one, until the returned source is cancelled.</summary>
    internal static async Task<(IChatClient Router, CancellationTokenSource Hold)> BusyRouterAsync(string strategy, bool streaming)
    {
        var a = new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Text("a") };
        var b = new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Text("b") };
        var c = new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Text("c") };
        a.Enqueue(ScriptedOutcome.Stall(), ScriptedOutcome.Stall());
        b.Enqueue(ScriptedOutcome.Stall());
        IChatClient router = new LlmRouterBuilder().WithoutRetries().WithoutTimeouts().UseRandomSource(new Random(SelectionRouters.Seed).NextDouble)
            .AddDeployment("a", a).AddDeployment("b", b).AddDeployment("c", c)
            .AddRoute("pin-a", r => r.Deployments = ["a"])
            .AddRoute("pin-b", r => r.Deployments = ["b"])
            .AddRoute("r", r => { r.Deployments = ["a", "b", "c"]; r.Strategy = strategy; })
            .UseDefaultRoute("r")
            .Build();

        var hold = new CancellationTokenSource();
        _ = router.CallAsync(streaming, RouterCalls.Route("pin-a"), hold.Token);
        _ = router.CallAsync(streaming, RouterCalls.Route("pin-a"), hold.Token);
        _ = router.CallAsync(streaming, RouterCalls.Route("pin-b"), hold.Token);
        await a.WaitForCallsAsync(2);
        await b.WaitForCallsAsync(1);
        return (router, hold);
    }
}
