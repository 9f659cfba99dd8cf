using System.Net;
using LlmRouter.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace LlmRouter.Tests.Routing;

public class LlmRouterClientHedgingTests
{
    private static IChatClient Router(FakeTimeProvider clock, ScriptedChatClient primary, ScriptedChatClient backup, ScriptedChatClient? third = null) =>
        new LlmRouterBuilder()
            .UseTimeProvider(clock)
            .WithoutRetries()
            .WithoutTimeouts()
            .AddDeployment("primary", primary, d => d.Model = "p")
            .AddDeployment("backup", backup, d => d.Model = "b")
            .AddDeployment("third", third ?? new ScriptedChatClient(timeProvider: clock), d => d.Model = "t")
            .AddRoute("hedged", r =>
            {
                r.Deployments = ["primary", "backup", "third"];
                r.Hedging = new HedgingOptions { Delay = TimeSpan.FromSeconds(1), MaxParallelAttempts = 2 };
            })
            .Build();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Hedging_SlowAttempt_NextCandidateStartsAfterTheDelayAndTheFirstAnswerWins(bool streaming)
    {
        var clock = new TimerTrackingFakeTimeProvider();
        ScriptedChatClient primary = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Chunks("slow").After(TimeSpan.FromSeconds(10)));
        ScriptedChatClient backup = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Chunks("fa", "st"));
        IChatClient router = Router(clock, primary, backup);

        Task<ChatResponse> call = router.CallAsync(streaming);
        await primary.WaitForCallsAsync(1);
        await clock.WaitForTimersAsync(2);
        Assert.Equal(0, backup.CallCount);
        clock.Advance(TimeSpan.FromSeconds(1));
        ChatResponse response = await call;

        Assert.Equal("fast", response.Text);
        Assert.Equal("backup", response.Property(LlmRouterProperties.Deployment));
        Assert.Equal(2, response.Property(LlmRouterProperties.Attempts));
        Assert.True(primary.Calls[0].CancellationToken.IsCancellationRequested);
        await primary.WaitForStreamsClosedAsync();
        Assert.Equal(0, backup.OpenStreams);
        await AssertNothingInFlightAsync(router, primary);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Hedging_ManyRaces_ReleaseEverySlotExactlyOnce(bool streaming)
    {
        var clock = new TimerTrackingFakeTimeProvider();
        var primary = new ScriptedChatClient(timeProvider: clock) { DefaultOutcome = ScriptedOutcome.Chunks("slow").After(TimeSpan.FromSeconds(10)) };
        var backup = new ScriptedChatClient(timeProvider: clock) { DefaultOutcome = ScriptedOutcome.Chunks("fa", "st") };
        IChatClient router = new LlmRouterBuilder()
            .UseTimeProvider(clock)
            .WithoutRetries()
            .WithoutTimeouts()
            .AddDeployment("primary", primary, d => d.MaxConcurrentRequests = 1)
            .AddDeployment("backup", backup, d => d.MaxConcurrentRequests = 1)
            .AddRoute("hedged", r => { r.Deployments = ["primary", "backup"]; r.Hedging = new HedgingOptions { Delay = TimeSpan.FromSeconds(1) }; })
            .Build();

        for (int i = 0; i < 5; i++)
        {
            Task<ChatResponse> call = router.CallAsync(streaming);
            await primary.WaitForCallsAsync(i + 1);
            await clock.WaitForTimersAsync(2);
            clock.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal("backup", (await call).Property(LlmRouterProperties.Deployment));
            await AssertNothingInFlightAsync(router, primary);
        }
    }

    /// <summary>Waits for the cancelled loser to finish in the background, then checks no deployment holds a slot.</summary>
    private static async Task AssertNothingInFlightAsync(IChatClient router, ScriptedChatClient loser)
    {
        await loser.WaitForStreamsClosedAsync();
        IRouterHealth health = router.GetService<IRouterHealth>()!;

        // The loser releases its slot on a continuation after its call observed the cancellation.
        await Eventually.WaitUntilAsync(() => health.GetDeployments().All(d => d.InFlight == 0));

        Assert.All(health.GetDeployments(), d => Assert.Equal(0, d.InFlight));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Hedging_AnswerBeforeTheDelay_StartsNothingElse(bool streaming)
    {
        var clock = new TimerTrackingFakeTimeProvider();
        ScriptedChatClient primary = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Text("quick").After(TimeSpan.FromMilliseconds(500)));
        var backup = new ScriptedChatClient(timeProvider: clock);
        IChatClient router = Router(clock, primary, backup);

        Task<ChatResponse> call = router.CallAsync(streaming);
        await clock.WaitForTimersAsync(2);
        clock.Advance(TimeSpan.FromMilliseconds(500));

        Assert.Equal("quick", (await call).Text);
        Assert.Equal(0, backup.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Hedging_AttemptFails_NextStartsAtOnceWithoutWaitingForTheDelay(bool streaming)
    {
        var clock = new FakeTimeProvider();
        ScriptedChatClient primary = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Failure(HttpStatusCode.ServiceUnavailable));
        ScriptedChatClient backup = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Text("backup"));
        IChatClient router = Router(clock, primary, backup);

        ChatResponse response = await router.CallAsync(streaming);

        Assert.Equal("backup", response.Text);
        Assert.Equal("primary: Overloaded, HTTP 503", response.Property(LlmRouterProperties.FallbackReasons));
        Assert.Equal(TimeSpan.Zero, clock.GetUtcNow() - clock.Start);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Hedging_AtMostMaxParallelAttemptsRunAtOnce(bool streaming)
    {
        var clock = new TimerTrackingFakeTimeProvider();
        ScriptedChatClient primary = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Stall());
        ScriptedChatClient backup = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Text("backup").After(TimeSpan.FromSeconds(5)));
        var third = new ScriptedChatClient(timeProvider: clock);
        IChatClient router = Router(clock, primary, backup, third);

        Task<ChatResponse> call = router.CallAsync(streaming);
        await clock.WaitForTimersAsync(1);
        clock.Advance(TimeSpan.FromSeconds(1));
        await backup.WaitForCallsAsync(1);
        await clock.WaitForTimersAsync(1);
        clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal("backup", (await call).Text);
        Assert.Equal(0, third.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Hedging_EveryAttemptFails_ThrowsWithEveryAttempt(bool streaming)
    {
        var clock = new FakeTimeProvider();
        ScriptedChatClient primary = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Failure(HttpStatusCode.InternalServerError));
        ScriptedChatClient backup = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Failure(HttpStatusCode.BadGateway));
        ScriptedChatClient third = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Failure(HttpStatusCode.GatewayTimeout));
        IChatClient router = Router(clock, primary, backup, third);

        LlmRouterException exception = await Assert.ThrowsAsync<LlmRouterException>(() => router.CallAsync(streaming, RouterCalls.Route("hedged")));

        Assert.Equal(["primary", "backup", "third"], exception.Attempts.Select(a => a.Deployment));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Hedging_BadRequest_StopsTheRaceAndCancelsTheOthers(bool streaming)
    {
        var clock = new TimerTrackingFakeTimeProvider();
        ScriptedChatClient primary = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Stall());
        ScriptedChatClient backup = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Failure(HttpStatusCode.BadRequest));
        IChatClient router = Router(clock, primary, backup);

        Task<ChatResponse> call = router.CallAsync(streaming);
        await clock.WaitForTimersAsync(1);
        clock.Advance(TimeSpan.FromSeconds(1));

        LlmRouterException exception = await Assert.ThrowsAsync<LlmRouterException>(() => call);
        Assert.Contains("rejected the request as invalid", exception.Message, StringComparison.Ordinal);
        Assert.True(primary.Calls[0].CancellationToken.IsCancellationRequested);
        await primary.WaitForStreamsClosedAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Hedging_CallerCancels_EveryAttemptIsCancelled(bool streaming)
    {
        var clock = new TimerTrackingFakeTimeProvider();
        ScriptedChatClient primary = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Stall());
        ScriptedChatClient backup = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Stall());
        IChatClient router = Router(clock, primary, backup);
        using var cancellation = new CancellationTokenSource();

        Task<ChatResponse> call = router.CallAsync(streaming, cancellationToken: cancellation.Token);
        await clock.WaitForTimersAsync(1);
        clock.Advance(TimeSpan.FromSeconds(1));
        await backup.WaitForCallsAsync(1);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await primary.WaitForStreamsClosedAsync();
        await backup.WaitForStreamsClosedAsync();
    }
}
