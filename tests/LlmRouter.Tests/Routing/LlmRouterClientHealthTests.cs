using System.Net;
using LlmRouter.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace LlmRouter.Tests.Routing;

public class LlmRouterClientHealthTests
{
    [Fact]
    public void GetService_ReturnsTheHealthSnapshotSource()
    {
        IChatClient router = new LlmRouterBuilder().AddDeployment("a", new ScriptedChatClient("acme", "m1")).AddDeployment("b", new ScriptedChatClient()).Build();

        IRouterHealth? health = router.GetService<IRouterHealth>();

        Assert.NotNull(health);
        Assert.Equal(["a", "b"], health.GetDeployments().Select(d => d.Name));
        DeploymentHealth a = health.GetDeployment("A");
        Assert.Equal(
            new DeploymentHealth { Name = "a", Provider = "acme", Model = "m1", Circuit = CircuitState.Closed, IsAvailable = true },
            a);
    }

    [Fact]
    public void GetDeployment_UnknownName_ThrowsNamingTheDeployments()
    {
        IRouterHealth health = new LlmRouterBuilder().AddDeployment("a", new ScriptedChatClient()).Build().GetService<IRouterHealth>()!;

        ArgumentException exception = Assert.Throws<ArgumentException>(() => health.GetDeployment("z"));

        Assert.Contains("No deployment is named 'z'. Deployments: a.", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Snapshot_ReportsInFlightLimitAndUnavailability()
    {
        var clock = new FakeTimeProvider();
        ScriptedChatClient client = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Text("x").After(TimeSpan.FromSeconds(1)));
        IChatClient router = new LlmRouterBuilder().UseTimeProvider(clock).AddDeployment("a", client, d => d.MaxConcurrentRequests = 1).Build();
        IRouterHealth health = router.GetService<IRouterHealth>()!;

        Task<ChatResponse> call = router.GetResponseAsync(RouterCalls.Hello);
        await client.WaitForCallsAsync(1);
        DeploymentHealth busy = health.GetDeployment("a");
        clock.Advance(TimeSpan.FromSeconds(1));
        await call;

        Assert.Equal((1, 1, false, "all concurrent slots busy"), (busy.InFlight, busy.MaxConcurrentRequests!.Value, busy.IsAvailable, busy.UnavailableReason));
        Assert.True(health.GetDeployment("a").IsAvailable);
    }

    [Fact]
    public async Task Snapshot_CoolingDown_SaysUntilWhen()
    {
        var clock = new FakeTimeProvider();
        ScriptedChatClient client = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Failure(HttpStatusCode.TooManyRequests, TimeSpan.FromSeconds(30)));
        IChatClient router = new LlmRouterBuilder().UseTimeProvider(clock).WithoutRetries().AddDeployment("a", client).Build();

        await Assert.ThrowsAsync<LlmRouterException>(() => router.GetResponseAsync(RouterCalls.Hello));

        DeploymentHealth state = router.GetService<IRouterHealth>()!.GetDeployment("a");
        Assert.Equal((false, "cooling down after a rate limit", clock.GetUtcNow() + TimeSpan.FromSeconds(30)), (state.IsAvailable, state.UnavailableReason, state.CooldownUntil));
    }
}
