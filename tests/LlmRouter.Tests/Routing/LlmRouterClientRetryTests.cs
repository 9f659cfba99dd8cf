using System.Net;
using LlmRouter.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace LlmRouter.Tests.Routing;

public class LlmRouterClientRetryTests
{
    private static IChatClient Router(FakeTimeProvider clock, ScriptedChatClient primary, ScriptedChatClient backup, Action<RetryOptions>? retry = null) =>
        new LlmRouterBuilder()
            .UseTimeProvider(clock)
            .WithoutTimeouts()
            .WithExactBackoff(TimeSpan.FromMilliseconds(200))
            .ConfigureRetry(retry ?? (_ => { }))
            .ConfigureCircuitBreaker(b => b.Enabled = false)
            .AddDeployment("primary", primary, d => d.Model = "p")
            .AddDeployment("backup", backup, d => d.Model = "b")
            .Build();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_SameDeploymentFirst_TransientFailures_RetriesSameDeploymentOnTheBackoffSchedule(bool streaming)
    {
        var clock = new TimerTrackingFakeTimeProvider();
        ScriptedChatClient primary = new ScriptedChatClient(timeProvider: clock).Enqueue(
            ScriptedOutcome.Failure(HttpStatusCode.ServiceUnavailable),
            ScriptedOutcome.Failure(HttpStatusCode.BadGateway),
            ScriptedOutcome.Text("third time lucky"));
        var backup = new ScriptedChatClient(timeProvider: clock);
        IChatClient router = Router(clock, primary, backup, r => r.Order = RetryOrder.SameDeploymentFirst);

        Task<ChatResponse> call = router.CallAsync(streaming);
        await clock.WaitForTimersAsync(1);
        Assert.Equal(1, primary.CallCount);
        clock.Advance(TimeSpan.FromMilliseconds(199));
        Assert.Equal(1, primary.CallCount);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        await primary.WaitForCallsAsync(2);

        await clock.WaitForTimersAsync(1);
        clock.Advance(TimeSpan.FromMilliseconds(399));
        Assert.Equal(2, primary.CallCount);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        ChatResponse response = await call;

        Assert.Equal("third time lucky", response.Text);
        Assert.Equal("primary", response.Property(LlmRouterProperties.Deployment));
        Assert.Equal(3, response.Property(LlmRouterProperties.Attempts));
        Assert.Equal("primary: Overloaded, HTTP 503; primary: ServerError, HTTP 502", response.Property(LlmRouterProperties.FallbackReasons));
        Assert.Equal(0, backup.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_SameDeploymentFirst_RetriesExhausted_MovesOnToNextCandidate(bool streaming)
    {
        var clock = new TimerTrackingFakeTimeProvider();
        ScriptedChatClient primary = new ScriptedChatClient(timeProvider: clock).Enqueue(
            ScriptedOutcome.Failure(HttpStatusCode.InternalServerError),
            ScriptedOutcome.Failure(HttpStatusCode.InternalServerError));
        ScriptedChatClient backup = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Text("backup"));
        IChatClient router = Router(clock, primary, backup, r =>
        {
            r.MaxAttempts = 2;
            r.Order = RetryOrder.SameDeploymentFirst;
        });

        Task<ChatResponse> call = router.CallAsync(streaming);
        await clock.WaitForTimersAsync(1);
        clock.Advance(TimeSpan.FromMilliseconds(200));
        ChatResponse response = await call;

        Assert.Equal("backup", response.Text);
        Assert.Equal(3, response.Property(LlmRouterProperties.Attempts));
        Assert.Equal(2, primary.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_SameDeploymentFirst_RetryAfterWithinCap_WaitsExactlyThatLong(bool streaming)
    {
        var clock = new TimerTrackingFakeTimeProvider();
        ScriptedChatClient primary = new ScriptedChatClient(timeProvider: clock).Enqueue(
            ScriptedOutcome.Failure(HttpStatusCode.TooManyRequests, retryAfter: TimeSpan.FromSeconds(3)),
            ScriptedOutcome.Text("after the wait"));
        var backup = new ScriptedChatClient(timeProvider: clock);
        IChatClient router = Router(clock, primary, backup, r => r.Order = RetryOrder.SameDeploymentFirst);

        Task<ChatResponse> call = router.CallAsync(streaming);
        await clock.WaitForTimersAsync(1);
        clock.Advance(TimeSpan.FromMilliseconds(2_999));
        Assert.Equal(1, primary.CallCount);
        clock.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal("after the wait", (await call).Text);
        Assert.Equal(0, backup.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_RetryAfterBeyondCap_MovesOnWithoutWaiting(bool streaming)
    {
        var clock = new FakeTimeProvider();
        ScriptedChatClient primary = new ScriptedChatClient(timeProvider: clock).Enqueue(
            ScriptedOutcome.Failure(HttpStatusCode.TooManyRequests, retryAfter: TimeSpan.FromSeconds(30)));
        ScriptedChatClient backup = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Text("backup at once"));
        IChatClient router = Router(clock, primary, backup, r => r.MaxRetryAfter = TimeSpan.FromSeconds(10));

        ChatResponse response = await router.CallAsync(streaming);

        Assert.Equal("backup at once", response.Text);
        Assert.Equal(TimeSpan.Zero, clock.GetUtcNow() - clock.Start);
        Assert.Equal(1, primary.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_BackoffBeyondCap_MovesOnWithoutWaiting(bool streaming)
    {
        var clock = new FakeTimeProvider();
        ScriptedChatClient primary = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Failure(HttpStatusCode.ServiceUnavailable));
        ScriptedChatClient backup = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Text("backup"));
        IChatClient router = Router(clock, primary, backup, r =>
        {
            r.BaseDelay = TimeSpan.FromSeconds(5);
            r.MaxRetryAfter = TimeSpan.FromSeconds(1);
        });

        Assert.Equal("backup", (await router.CallAsync(streaming)).Text);
        Assert.Equal(1, primary.CallCount);
    }

    [Theory]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.Forbidden)]
    [InlineData(HttpStatusCode.NotFound)]
    [InlineData(HttpStatusCode.PaymentRequired)]
    public async Task Call_NonTransientFailure_IsNotRetried(HttpStatusCode status)
    {
        var clock = new FakeTimeProvider();
        ScriptedChatClient primary = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Failure(status));
        ScriptedChatClient backup = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Text("backup"));
        IChatClient router = Router(clock, primary, backup);

        Assert.Equal("backup", (await router.GetResponseAsync(RouterCalls.Hello)).Text);
        Assert.Equal(1, primary.CallCount);
    }

    [Fact]
    public async Task Call_ContextLengthExceeded_IsNotRetried()
    {
        var clock = new FakeTimeProvider();
        ScriptedChatClient primary = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Failure(ProviderErrorKind.ContextLengthExceeded));
        ScriptedChatClient backup = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Text("backup"));
        IChatClient router = Router(clock, primary, backup);

        Assert.Equal("backup", (await router.GetResponseAsync(RouterCalls.Hello)).Text);
        Assert.Equal(1, primary.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_MaxAttemptsOne_NeverRetries(bool streaming)
    {
        var clock = new FakeTimeProvider();
        ScriptedChatClient primary = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Failure(HttpStatusCode.ServiceUnavailable));
        ScriptedChatClient backup = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Text("backup"));
        IChatClient router = Router(clock, primary, backup, r => r.MaxAttempts = 1);

        Assert.Equal("backup", (await router.CallAsync(streaming)).Text);
        Assert.Equal(1, primary.CallCount);
    }

    [Fact]
    public async Task Stream_BrokenAfterCommit_IsNeitherRetriedNorFailedOver()
    {
        var clock = new FakeTimeProvider();
        var reset = new IOException("connection reset");
        ScriptedChatClient primary = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Chunks("partial").ThenThrow(reset));
        var backup = new ScriptedChatClient(timeProvider: clock);
        IChatClient router = Router(clock, primary, backup);

        IOException thrown = await Assert.ThrowsAsync<IOException>(() => router.ReadAllAsync());

        Assert.Same(reset, thrown);
        Assert.Equal(1, primary.CallCount);
        Assert.Equal(0, backup.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_SameDeploymentFirst_CallerCancelsDuringBackoff_StopsWithCancellation(bool streaming)
    {
        var clock = new TimerTrackingFakeTimeProvider();
        ScriptedChatClient primary = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Failure(HttpStatusCode.ServiceUnavailable));
        var backup = new ScriptedChatClient(timeProvider: clock);
        IChatClient router = Router(clock, primary, backup, r => r.Order = RetryOrder.SameDeploymentFirst);
        using var cancellation = new CancellationTokenSource();

        Task<ChatResponse> call = router.CallAsync(streaming, cancellationToken: cancellation.Token);
        await clock.WaitForTimersAsync(1);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Equal(1, primary.CallCount);
        Assert.Equal(0, backup.CallCount);
    }
}
