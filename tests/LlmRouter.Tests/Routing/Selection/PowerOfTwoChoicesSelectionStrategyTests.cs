using Microsoft.Extensions.AI;

namespace LlmRouter.Tests.Routing.Selection;

public class PowerOfTwoChoicesSelectionStrategyTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Order_CallsInFlight_TheLessBusyOfTwoRandomCandidatesServes(bool streaming)
    {
        (IChatClient router, CancellationTokenSource hold) = await LeastBusySelectionStrategyTests.BusyRouterAsync(SelectionStrategies.PowerOfTwoChoices, streaming);
        try
        {
            Dictionary<string, int> tally = await SelectionRouters.TallyAsync(router, 3_000, streaming);

            // Pairs {a,b} → b; {a,c} and {b,c} → c: b serves a third (1,000 expected), c two thirds, a never.
            Assert.Equal(new Dictionary<string, int> { ["b"] = 983, ["c"] = 2_017 }, tally);
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
    public async Task Order_NothingInFlight_SpreadsEvenly(bool streaming)
    {
        IChatClient router = SelectionRouters.Builder(SelectionStrategies.PowerOfTwoChoices, ("a", null), ("b", null), ("c", null), ("d", null)).Build();

        Dictionary<string, int> tally = await SelectionRouters.TallyAsync(router, 4_000, streaming);

        // 1,000 each expected.
        Assert.Equal(new Dictionary<string, int> { ["a"] = 1_032, ["b"] = 1_000, ["c"] = 992, ["d"] = 976 }, tally);
    }
}
