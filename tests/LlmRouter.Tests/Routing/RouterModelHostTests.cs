using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmRouter.Tests.Routing;

/// <summary>The model host on its own: leases on models, swaps, retirement and disposal of clients.</summary>
public class RouterModelHostTests
{
    private static RouterModelHost Host(RouterModel model, bool reloadable = true) => new(model, reloadable, NullLogger.Instance);

    /// <summary>A model of the given deployments (name → client) with one route "main" over all of them.</summary>
    private static RouterModel Model(RouterModel? previous, params (string Name, IChatClient Client)[] deployments)
    {
        var builder = new LlmRouterBuilder();
        foreach ((string name, IChatClient client) in deployments)
        {
            builder.AddDeployment(name, client);
        }

        return builder.AddRoute("main", r => r.Deployments = [.. deployments.Select(d => d.Name)]).BuildModel(previous);
    }

    [Fact]
    public void Lease_NotReloadable_TakesNoLeaseAndReleaseDisposesNothing()
    {
        var client = new RoutingUnits.CountingClient();
        RouterModel model = Model(null, ("a", client));
        RouterModelHost host = Host(model, reloadable: false);
        RouterModel leased = model;
        Route main = model.FindRoute("main")!;

        Route route = host.Lease(ref leased, main, "main");
        RouterModel? held = host.Hold(model);
        host.Release(model);
        host.Release(model);

        Assert.Same(main, route);
        Assert.Same(model, leased);
        Assert.Null(held);
        Assert.False(host.Reloadable);
        Assert.Equal(0, client.Disposals);

        // Only the model's own hold (one user) is left: nothing was added, nothing taken away.
        Assert.True(model.RemoveUser());
    }

    [Fact]
    public void Swap_NotReloadable_Throws()
    {
        RouterModel model = Model(null, ("a", new RoutingUnits.CountingClient()));
        RouterModelHost host = Host(model, reloadable: false);

        InvalidOperationException exception = Assert.Throws<InvalidOperationException>(() => host.Swap(Model(null, ("b", new RoutingUnits.CountingClient()))));

        Assert.Equal("This router was not built to reload.", exception.Message);
        Assert.Same(model, host.Current);
    }

    [Fact]
    public void Swap_NoRequestOnTheOldModel_DisposesOnlyTheClientsTheNewOneDoesNotUse()
    {
        var shared = new RoutingUnits.CountingClient("shared");
        var retired = new RoutingUnits.CountingClient("retired");
        var added = new RoutingUnits.CountingClient("added");
        RouterModel first = Model(null, ("a", shared), ("b", retired));
        RouterModelHost host = Host(first);

        RouterModel second = Model(first, ("a", shared), ("c", added));
        host.Swap(second);

        Assert.Same(second, host.Current);
        Assert.Equal((0, 1, 0), (shared.Disposals, retired.Disposals, added.Disposals));
    }

    [Fact]
    public void Release_LastLeaseOfASwappedOutModel_DisposesTheClientsNoLiveModelUses()
    {
        var shared = new RoutingUnits.CountingClient("shared");
        var retired = new RoutingUnits.CountingClient("retired");
        RouterModel first = Model(null, ("a", shared), ("b", retired));
        RouterModelHost host = Host(first);
        RouterModel leased = first;
        RouterModel other = first;
        host.Lease(ref leased, first.FindRoute("main")!, "main");
        host.Lease(ref other, first.FindRoute("main")!, "main");

        host.Swap(Model(first, ("a", shared)));
        int whileLeased = retired.Disposals;
        host.Release(leased);
        int whileOneLeaseLeft = retired.Disposals;
        host.Release(other);

        Assert.Same(first, leased);
        Assert.Equal((0, 0), (whileLeased, whileOneLeaseLeft));
        Assert.Equal((0, 1), (shared.Disposals, retired.Disposals));
    }

    [Fact]
    public void Release_RetiredModelSharingAClientWithAnotherRetiredOneStillLeased_KeepsThatClient()
    {
        var shared = new RoutingUnits.CountingClient("shared");
        var onlyFirst = new RoutingUnits.CountingClient("first");
        RouterModel first = Model(null, ("a", shared), ("b", onlyFirst));
        RouterModelHost host = Host(first);
        RouterModel firstLease = first;
        host.Lease(ref firstLease, first.FindRoute("main")!, "main");
        RouterModel second = Model(first, ("a", shared));
        host.Swap(second);
        RouterModel secondLease = second;
        host.Lease(ref secondLease, second.FindRoute("main")!, "main");
        host.Swap(Model(second, ("z", new RoutingUnits.CountingClient("z"))));

        host.Release(firstLease);
        int sharedWhileSecondLeased = shared.Disposals;
        host.Release(secondLease);

        Assert.Equal((0, 1), (sharedWhileSecondLeased, onlyFirst.Disposals));
        Assert.Equal(1, shared.Disposals);
    }

    [Fact]
    public void Lease_StaleModel_MovesToTheCurrentModelAndResolvesTheRouteThere()
    {
        RouterModel first = Model(null, ("a", new RoutingUnits.CountingClient()));
        RouterModelHost host = Host(first);
        var onlySecond = new RoutingUnits.CountingClient("second");
        RouterModel second = Model(first, ("b", onlySecond));
        host.Swap(second);
        RouterModel model = first;

        Route route = host.Lease(ref model, first.FindRoute("main")!, "MAIN");
        host.Swap(Model(second, ("c", new RoutingUnits.CountingClient())));
        int whileLeased = onlySecond.Disposals;
        host.Release(model);

        Assert.Same(second, model);
        Assert.Same(second.FindRoute("main"), route);
        Assert.Equal((0, 1), (whileLeased, onlySecond.Disposals));
    }

    [Fact]
    public void Lease_StaleModelWithoutARouteName_ResolvesTheCurrentDefaultRoute()
    {
        RouterModel first = Model(null, ("a", new RoutingUnits.CountingClient()));
        RouterModelHost host = Host(first);
        RouterModel second = Model(first, ("b", new RoutingUnits.CountingClient()));
        host.Swap(second);
        RouterModel model = first;

        Route route = host.Lease(ref model, first.DefaultRoute!, routeName: null);

        Assert.Same(second.DefaultRoute, route);
        Assert.Same(second, model);
        host.Release(model);
    }

    [Fact]
    public void Lease_StaleModelWhoseRouteIsGone_ThrowsAndLeaksNoLease()
    {
        RouterModel first = Model(null, ("a", new RoutingUnits.CountingClient()));
        RouterModelHost host = Host(first);
        var onlySecond = new RoutingUnits.CountingClient("second");
        RouterModel second = new LlmRouterBuilder().AddDeployment("b", onlySecond).AddRoute("other", r => r.Deployments = ["b"]).BuildModel(first);
        host.Swap(second);
        RouterModel model = first;

        ArgumentException exception = Assert.Throws<ArgumentException>(() => host.Lease(ref model, first.FindRoute("main")!, "main"));
        host.Swap(Model(second, ("c", new RoutingUnits.CountingClient())));

        Assert.StartsWith("ChatOptions.ModelId names unknown route 'main'. Known routes: other.", exception.Message, StringComparison.Ordinal);
        Assert.Same(first, model);

        // Had the failed lease been kept, the swapped-out model would still be alive.
        Assert.Equal(1, onlySecond.Disposals);
    }

    [Fact]
    public void Hold_WorkOutlivingTheRequest_KeepsTheModelUntilReleased()
    {
        var retired = new RoutingUnits.CountingClient("retired");
        RouterModel first = Model(null, ("a", retired));
        RouterModelHost host = Host(first);
        RouterModel model = first;
        host.Lease(ref model, first.FindRoute("main")!, "main");

        RouterModel? held = host.Hold(model);
        host.Swap(Model(first, ("b", new RoutingUnits.CountingClient())));
        host.Release(model);
        int whileHeld = retired.Disposals;
        host.Release(held!);

        Assert.Same(first, held);
        Assert.Equal((0, 1), (whileHeld, retired.Disposals));
    }

    [Fact]
    public void Dispose_ClientSharedByDeploymentsAndModels_DisposedOnce()
    {
        var shared = new RoutingUnits.CountingClient("shared");
        var onlyFirst = new RoutingUnits.CountingClient("first");
        var onlySecond = new RoutingUnits.CountingClient("second");
        RouterModel first = Model(null, ("a", shared), ("b", shared), ("c", onlyFirst));
        RouterModelHost host = Host(first);
        RouterModel model = first;
        host.Lease(ref model, first.FindRoute("main")!, "main");
        host.Swap(Model(first, ("a", shared), ("d", onlySecond)));

        host.Dispose();
        host.Dispose();
        host.Release(model);

        Assert.Equal((1, 1, 1), (shared.Disposals, onlyFirst.Disposals, onlySecond.Disposals));
    }

    [Fact]
    public void Dispose_NotReloadable_DisposesEachClientOnce()
    {
        var shared = new RoutingUnits.CountingClient("shared");
        var other = new RoutingUnits.CountingClient("other");
        RouterModelHost host = Host(Model(null, ("a", shared), ("b", other), ("c", shared)), reloadable: false);

        host.Dispose();

        Assert.Equal((1, 1), (shared.Disposals, other.Disposals));
    }

    [Fact]
    public void Dispose_DeploymentPipelines_DisposesEachStepAndEachClientOnce()
    {
        var shared = new RoutingUnits.CountingClient("shared");
        var steps = new List<RoutingUnits.CountingStep>();
        RouterModel model = new LlmRouterBuilder()
            .AddDeployment("a", shared)
            .AddDeployment("b", shared)
            .ConfigureDeploymentClients((_, pipeline) => pipeline.Use(inner =>
            {
                var step = new RoutingUnits.CountingStep(inner);
                steps.Add(step);
                return step;
            }))
            .Model();
        RouterModelHost host = Host(model, reloadable: false);

        host.Dispose();

        Assert.Equal(2, steps.Count);
        Assert.All(steps, step => Assert.Equal(1, step.Disposals));
        Assert.Equal(1, shared.Disposals);
    }

    [Fact]
    public void Release_RetiredModelWithPipelines_DisposesItsStepsButNotTheClientsStillUsed()
    {
        var shared = new RoutingUnits.CountingClient("shared");
        var steps = new List<RoutingUnits.CountingStep>();
        RouterModel first = new LlmRouterBuilder()
            .AddDeployment("a", shared)
            .ConfigureDeploymentClients((_, pipeline) => pipeline.Use(inner =>
            {
                var step = new RoutingUnits.CountingStep(inner);
                steps.Add(step);
                return step;
            }))
            .Model();
        RouterModelHost host = Host(first);
        RouterModel model = first;
        host.Lease(ref model, first.DefaultRoute!, routeName: null);

        host.Swap(Model(first, ("a", shared)));
        int whileLeased = steps[0].Disposals;
        host.Release(model);

        Assert.Equal(0, whileLeased);
        Assert.Equal(1, steps[0].Disposals);
        Assert.Equal(0, shared.Disposals);
        host.Dispose();
        Assert.Equal((1, 1), (steps[0].Disposals, shared.Disposals));
    }
}
