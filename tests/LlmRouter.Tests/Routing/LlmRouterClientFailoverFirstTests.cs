using System.Net;
using LlmRouter.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace LlmRouter.Tests.Routing;

/// <summary>
/// The default retry order: a transient failure moves on to the next untried candidate at once; a failed deployment is
/// retried only when no untried candidate can be called, and a request waits for a deployment to come back rather than fail
/// untried.
/// </summary>
public class LlmRouterClientFailoverFirstTests
{
    private static IChatClient Router(FakeTimeProvider clock, ScriptedChatClient primary, ScriptedChatClient backup, Action<LlmRouterBuilder>? configure = null)
    {
        LlmRouterBuilder builder = new LlmRouterBuilder()
            .UseTimeProvider(clock)
            .WithoutTimeouts()
            .WithExactBackoff(TimeSpan.FromMilliseconds(200))
            .ConfigureCircuitBreaker(b => b.Enabled = false)
            .AddDeployment("primary", primary, d => d.Model = "p")
            .AddDeployment("backup", backup, d => d.Model = "b");
        configure?.Invoke(builder);
        return builder.Build();
    }

    [Theory]
    [InlineData(false, HttpStatusCode.ServiceUnavailable, 0)]
    [InlineData(true, HttpStatusCode.ServiceUnavailable, 0)]
    [InlineData(false, HttpStatusCode.TooManyRequests, 1)]
    [InlineData(true, HttpStatusCode.TooManyRequests, 1)]
    [InlineData(false, HttpStatusCode.InternalServerError, 0)]
    public async Task Call_PrimaryRefuses_BackupServesAtOnceWithoutAnyWait(bool streaming, HttpStatusCode status, int retryAfterSeconds)
    {
        var clock = new FakeTimeProvider();
        TimeSpan? retryAfter = retryAfterSeconds > 0 ? TimeSpan.FromSeconds(retryAfterSeconds) : null;
        ScriptedChatClient primary = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Failure(status, retryAfter: retryAfter));
        ScriptedChatClient backup = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Text("backup"));
        IChatClient router = Router(clock, primary, backup);

        // The clock never moves: the call completes only if nothing waits.
        ChatResponse response = await router.CallAsync(streaming);

        Assert.Equal("backup", response.Text);
        Assert.Equal((1, 1), (primary.CallCount, backup.CallCount));
        Assert.Equal(2, response.Property(LlmRouterProperties.Attempts));
        Assert.Equal(TimeSpan.Zero, clock.GetUtcNow() - clock.Start);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_EveryCandidateFailsOnce_RetriesTheFirstAfterItsBackoffThenTheNext(bool streaming)
    {
        var clock = new TimerTrackingFakeTimeProvider();
        var order = new List<string>();
        ScriptedChatClient primary = new ScriptedChatClient(timeProvider: clock).Enqueue(
            ScriptedOutcome.Failure(HttpStatusCode.ServiceUnavailable),
            ScriptedOutcome.Text("primary at its second try"));
        ScriptedChatClient backup = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Failure(HttpStatusCode.BadGateway));
        IChatClient router = Router(clock, primary, backup);

        Task<ChatResponse> call = router.CallAsync(streaming);
        await clock.WaitForTimersAsync(1);
        int callsBeforeTheBackoff = primary.CallCount + backup.CallCount;
        clock.Advance(TimeSpan.FromMilliseconds(199));
        int primaryCallsJustBefore = primary.CallCount;
        clock.Advance(TimeSpan.FromMilliseconds(1));
        ChatResponse response = await call;

        Assert.Equal("primary at its second try", response.Text);
        Assert.Equal((2, 1, 2), (callsBeforeTheBackoff, primaryCallsJustBefore, primary.CallCount));
        Assert.Equal(3, response.Property(LlmRouterProperties.Attempts));
        Assert.Equal("primary: Overloaded, HTTP 503; backup: ServerError, HTTP 502", response.Property(LlmRouterProperties.FallbackReasons));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_RateLimitWithoutRetryAfter_RetriesWhenTheCooldownEndsNotAfterTheBackoff(bool streaming)
    {
        var clock = new TimerTrackingFakeTimeProvider();
        ScriptedChatClient only = new ScriptedChatClient(timeProvider: clock).Enqueue(
            ScriptedOutcome.Failure(HttpStatusCode.TooManyRequests),
            ScriptedOutcome.Text("after the cooldown"));
        IChatClient router = Single(clock, only, b => b.ConfigureCooldown(c => c.DefaultDuration = TimeSpan.FromSeconds(2)));

        Task<ChatResponse> call = router.CallAsync(streaming);
        await clock.WaitForTimersAsync(1);
        clock.Advance(TimeSpan.FromMilliseconds(1_999));
        int callsJustBefore = only.CallCount;
        clock.Advance(TimeSpan.FromMilliseconds(1));
        ChatResponse response = await call;

        Assert.Equal(1, callsJustBefore);
        Assert.Equal("after the cooldown", response.Text);
        Assert.Equal(2, only.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_CooldownOutlastsMaxRetryAfter_FailsAtOnceListingTheDeploymentOnlyAsTried(bool streaming)
    {
        var clock = new FakeTimeProvider();
        ScriptedChatClient only = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Failure(HttpStatusCode.TooManyRequests));
        IChatClient router = Single(clock, only, b => b.ConfigureRetry(r => r.MaxRetryAfter = TimeSpan.FromSeconds(2)));

        LlmRouterException exception = await Assert.ThrowsAsync<LlmRouterException>(() => router.CallAsync(streaming));

        Assert.Equal(1, only.CallCount);
        Assert.Equal(TimeSpan.Zero, clock.GetUtcNow() - clock.Start);
        RouterAttempt attempt = Assert.Single(exception.Attempts);
        Assert.Equal(("primary", ProviderErrorKind.RateLimited), (attempt.Deployment, attempt.Kind));
        Assert.DoesNotContain("Not tried", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_EveryCandidateCoolingDown_WaitsForTheEarliestInsteadOfFailingUntried(bool streaming)
    {
        var clock = new TimerTrackingFakeTimeProvider();
        ScriptedChatClient primary = new ScriptedChatClient(timeProvider: clock).Enqueue(
            ScriptedOutcome.Failure(HttpStatusCode.TooManyRequests, retryAfter: TimeSpan.FromSeconds(3)));
        ScriptedChatClient backup = new ScriptedChatClient(timeProvider: clock).Enqueue(
            ScriptedOutcome.Failure(HttpStatusCode.TooManyRequests, retryAfter: TimeSpan.FromSeconds(1)),
            ScriptedOutcome.Text("backup, cooled down"));
        IChatClient router = Router(clock, primary, backup, b => b.ConfigureRetry(r => r.MaxAttempts = 1));

        // A first request puts both deployments in cooldown and fails: each allows one attempt.
        await Assert.ThrowsAsync<LlmRouterException>(() => router.CallAsync(streaming: false));
        Task<ChatResponse> second = router.CallAsync(streaming);
        await clock.WaitForTimersAsync(1);
        bool waiting = !second.IsCompleted;
        clock.Advance(TimeSpan.FromSeconds(1));
        ChatResponse response = await second;

        Assert.True(waiting);
        Assert.Equal("backup, cooled down", response.Text);
        Assert.Equal((1, 2), (primary.CallCount, backup.CallCount));
        Assert.Equal(1, response.Property(LlmRouterProperties.Attempts));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_EveryCircuitOpen_WaitsForTheProbeAndOnlyOneRequestProbes(bool streaming)
    {
        var clock = new TimerTrackingFakeTimeProvider();
        ScriptedChatClient only = new ScriptedChatClient(timeProvider: clock).Enqueue(
            ScriptedOutcome.Failure(HttpStatusCode.InternalServerError),
            ScriptedOutcome.Text("probe").After(TimeSpan.FromSeconds(1)),
            ScriptedOutcome.Text("after the probe"));
        IChatClient router = Single(clock, only, b => b
            .ConfigureRetry(r => r.MaxAttempts = 1)
            .ConfigureCircuitBreaker(c =>
            {
                c.Enabled = true;
                c.MinimumThroughput = 1;
                c.BreakDuration = TimeSpan.FromSeconds(2);
            }));
        await Assert.ThrowsAsync<LlmRouterException>(() => router.CallAsync(streaming: false));

        Task<ChatResponse> first = router.CallAsync(streaming);
        Task<ChatResponse> second = router.CallAsync(streaming);
        await clock.WaitForTimersAsync(2);
        clock.Advance(TimeSpan.FromSeconds(2));
        await only.WaitForCallsAsync(2);
        await clock.WaitForTimersAsync(2);
        int callsWhileProbing = only.CallCount;

        // The other request looks again every 200 ms (the backoff's base delay) while the probe is in flight.
        Task<ChatResponse[]> both = Task.WhenAll(first, second);
        for (int step = 0; step < 20 && !both.IsCompleted; step++)
        {
            await clock.WaitForTimersAsync(1);
            clock.Advance(TimeSpan.FromMilliseconds(200));
            await Task.WhenAny(both, Task.Delay(20));
        }

        ChatResponse[] responses = await both;

        Assert.Equal(2, callsWhileProbing);
        Assert.Equal(["after the probe", "probe"], responses.Select(r => r.Text).Order());
        Assert.Equal(3, only.CallCount);
    }

    private static IChatClient Single(FakeTimeProvider clock, ScriptedChatClient only, Action<LlmRouterBuilder>? configure = null)
    {
        LlmRouterBuilder builder = new LlmRouterBuilder()
            .UseTimeProvider(clock)
            .WithoutTimeouts()
            .WithExactBackoff(TimeSpan.FromMilliseconds(200))
            .ConfigureCircuitBreaker(b => b.Enabled = false)
            .AddDeployment("primary", only, d => d.Model = "p");
        configure?.Invoke(builder);
        return builder.Build();
    }
}
