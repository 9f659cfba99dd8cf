using System.Net;
using LlmRouter.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

#pragma warning disable MEAI001 // OrderedFailoverChatClient is experimental: these tests pin down how it behaves today.

namespace LlmRouter.Tests.Routing;

/// <summary>
/// The rows of the README's comparison with Microsoft.Extensions.AI's <see cref="OrderedFailoverChatClient"/> where the two
/// differ, run on both over the same scripted clients, so the table stays true as either changes.
/// </summary>
public class OrderedFailoverComparisonTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task BadRequest_PeerSendsItToTheNextClient_RouterStops(bool streaming)
    {
        (ScriptedChatClient primary, ScriptedChatClient backup) = Pair(ScriptedOutcome.Failure(HttpStatusCode.BadRequest));
        using IChatClient peer = Peer(primary, backup);
        Assert.Equal("backup", (await peer.CallAsync(streaming)).Text);
        Assert.Equal(1, backup.CallCount);

        (primary, backup) = Pair(ScriptedOutcome.Failure(HttpStatusCode.BadRequest));
        using IChatClient router = Router(primary, backup);
        await Assert.ThrowsAsync<LlmRouterException>(() => router.CallAsync(streaming));
        Assert.Equal(0, backup.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RateLimited_PeerCallsThePrimaryAgainNextTime_RouterLetsItCoolDown(bool streaming)
    {
        ScriptedOutcome limited = ScriptedOutcome.Failure(HttpStatusCode.TooManyRequests, retryAfter: TimeSpan.FromSeconds(30));
        (ScriptedChatClient primary, ScriptedChatClient backup) = Pair(limited);
        using IChatClient peer = Peer(primary, backup);
        await peer.CallAsync(streaming);
        await peer.CallAsync(streaming);
        Assert.Equal(2, primary.CallCount);

        (primary, backup) = Pair(limited);
        using IChatClient router = Router(primary, backup);
        await router.CallAsync(streaming);
        ChatResponse second = await router.CallAsync(streaming);
        Assert.Equal(1, primary.CallCount);
        Assert.Equal("backup", second.Property(LlmRouterProperties.Deployment));
    }

    [Fact]
    public async Task RoleOnlyUpdateThenBreak_PeerSurfacesTheError_RouterFailsOver()
    {
        ScriptedOutcome breaks = ScriptedOutcome.Stream(new ChatResponseUpdate { Role = ChatRole.Assistant }).ThenThrow(new IOException("connection reset"));
        (ScriptedChatClient primary, ScriptedChatClient backup) = Pair(breaks);
        using IChatClient peer = Peer(primary, backup);
        await Assert.ThrowsAsync<IOException>(() => peer.ReadAllAsync());
        Assert.Equal(0, backup.CallCount);

        (primary, backup) = Pair(breaks);
        using IChatClient router = Router(primary, backup);
        Assert.Equal("backup", string.Concat((await router.ReadAllAsync()).Select(u => u.Text)));
    }

    [Fact]
    public async Task EveryClientFails_PeerKeepsOnlyTheLastError_RouterListsEveryAttempt()
    {
        var primary = new ScriptedChatClient { DefaultOutcome = ScriptedOutcome.Failure(HttpStatusCode.ServiceUnavailable) };
        var backup = new ScriptedChatClient { DefaultOutcome = ScriptedOutcome.Failure(HttpStatusCode.BadGateway) };
        using IChatClient peer = Peer(primary, backup);
        Exception peerError = await Assert.ThrowsAnyAsync<Exception>(() => peer.GetResponseAsync(RouterCalls.Hello));
        Assert.Equal(HttpStatusCode.BadGateway, Assert.IsType<ProviderException>(peerError).StatusCode);

        using IChatClient router = Router(primary, backup);
        LlmRouterException routerError = await Assert.ThrowsAsync<LlmRouterException>(() => router.GetResponseAsync(RouterCalls.Hello));
        Assert.Equal([503, 502], routerError.Attempts.Select(a => a.StatusCode));
    }

    [Fact]
    public async Task StallBeforeTheFirstChunk_PeerWaits_RouterCutsItAndFailsOver()
    {
        var clock = new FakeTimeProvider();
        var primary = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Stall());
        var backup = new ScriptedChatClient(timeProvider: clock) { DefaultOutcome = ScriptedOutcome.Text("backup") };
        using IChatClient peer = Peer(primary, backup);
        Task<List<ChatResponseUpdate>> waiting = peer.ReadAllAsync();
        clock.Advance(TimeSpan.FromHours(1));
        Assert.False(waiting.IsCompleted);

        primary = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Stall());
        using IChatClient router = new LlmRouterBuilder().UseTimeProvider(clock).WithoutRetries().AddDeployment("primary", primary).AddDeployment("backup", backup).Build();
        Task<List<ChatResponseUpdate>> cut = router.ReadAllAsync();
        await primary.WaitForCallsAsync(1);
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal("backup", string.Concat((await cut).Select(u => u.Text)));
    }

    private static (ScriptedChatClient Primary, ScriptedChatClient Backup) Pair(ScriptedOutcome primaryOutcome) =>
        (new ScriptedChatClient().Enqueue(primaryOutcome), new ScriptedChatClient { DefaultOutcome = ScriptedOutcome.Text("backup") });

    private static OrderedFailoverChatClient Peer(IChatClient primary, IChatClient backup) => new([primary, backup], leaveOpen: true);

    /// <summary>The router with one attempt per deployment, so each row shows the difference without the router's own retries.</summary>
    private static IChatClient Router(IChatClient primary, IChatClient backup) =>
        new LlmRouterBuilder().WithoutRetries().AddDeployment("primary", primary).AddDeployment("backup", backup).Build();
}
