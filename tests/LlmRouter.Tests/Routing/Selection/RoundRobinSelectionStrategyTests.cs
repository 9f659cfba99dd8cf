using Microsoft.Extensions.AI;

namespace LlmRouter.Tests.Routing.Selection;

public class RoundRobinSelectionStrategyTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Order_SuccessiveRequests_RotateThroughTheRoute(bool streaming)
    {
        IChatClient router = SelectionRouters.Builder(SelectionStrategies.RoundRobin, ("a", null), ("b", null), ("c", null)).Build();

        var served = new List<string>();
        for (int i = 0; i < 7; i++)
        {
            served.Add((string)(await router.CallAsync(streaming)).Property(LlmRouterProperties.Deployment)!);
        }

        Assert.Equal(["a", "b", "c", "a", "b", "c", "a"], served);
    }

    [Fact]
    public async Task Order_TwoRoutesSameStrategy_EachKeepsItsOwnTurn()
    {
        IChatClient router = SelectionRouters.Builder(SelectionStrategies.RoundRobin, ("a", null), ("b", null))
            .AddRoute("other", r => { r.Deployments = ["b", "a"]; r.Strategy = SelectionStrategies.RoundRobin; })
            .Build();

        string first = (string)(await router.GetResponseAsync(RouterCalls.Hello, RouterCalls.Route("r"))).Property(LlmRouterProperties.Deployment)!;
        string other = (string)(await router.GetResponseAsync(RouterCalls.Hello, RouterCalls.Route("other"))).Property(LlmRouterProperties.Deployment)!;
        string second = (string)(await router.GetResponseAsync(RouterCalls.Hello, RouterCalls.Route("r"))).Property(LlmRouterProperties.Deployment)!;

        Assert.Equal(("a", "b", "b"), (first, other, second));
    }
}
