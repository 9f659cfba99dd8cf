using System.Net;
using LlmRouter.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace LlmRouter.Tests.Routing;

public class LlmRouterClientCooldownTests
{
    private static IChatClient Router(FakeTimeProvider clock, ScriptedChatClient primary, ScriptedChatClient backup, TimeSpan? maxWait = null) =>
        new LlmRouterBuilder()
            .UseTimeProvider(clock)
            .WithoutRetries()
            .ConfigureRetry(r => r.MaxRetryAfter = maxWait ?? r.MaxRetryAfter)
            .WithoutTimeouts()
            .ConfigureCircuitBreaker(b => b.Enabled = false)
            .ConfigureCooldown(c => c.DefaultDuration = TimeSpan.FromSeconds(4))
            .AddDeployment("primary", primary, d => d.Model = "p")
            .AddDeployment("backup", backup, d => d.Model = "b")
            .Build();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RateLimited_WithRetryAfter_SkippedByOtherRequestsUntilTheDeadline(bool streaming)
    {
        var clock = new FakeTimeProvider();
        ScriptedChatClient primary = new ScriptedChatClient(timeProvider: clock)
            .Enqueue(ScriptedOutcome.Failure(HttpStatusCode.TooManyRequests, retryAfter: TimeSpan.FromSeconds(5)), ScriptedOutcome.Text("primary again"));
        var backup = new ScriptedChatClient(timeProvider: clock) { DefaultOutcome = ScriptedOutcome.Text("backup") };
        IChatClient router = Router(clock, primary, backup);

        Assert.Equal("backup", (await router.CallAsync(streaming)).Text);
        ChatResponse during = await router.CallAsync(streaming);
        Assert.Equal((1, "backup", 1), (primary.CallCount, during.Property(LlmRouterProperties.Deployment), during.Property(LlmRouterProperties.Attempts)));

        clock.Advance(TimeSpan.FromMilliseconds(4_999));
        await router.CallAsync(streaming);
        Assert.Equal(1, primary.CallCount);

        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal("primary again", (await router.CallAsync(streaming)).Text);
    }

    [Fact]
    public async Task RateLimited_WithoutRetryAfter_CoolsDownForTheDefaultDuration()
    {
        var clock = new FakeTimeProvider();
        ScriptedChatClient primary = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Failure(HttpStatusCode.TooManyRequests));
        var backup = new ScriptedChatClient(timeProvider: clock) { DefaultOutcome = ScriptedOutcome.Text("backup") };
        IChatClient router = Router(clock, primary, backup);

        await router.GetResponseAsync(RouterCalls.Hello);

        Assert.Equal(clock.GetUtcNow() + TimeSpan.FromSeconds(4), router.GetService<IRouterHealth>()!.GetDeployment("primary").CooldownUntil);
    }

    [Fact]
    public async Task EveryCandidateCoolingDown_ErrorSaysHowLongEachWaits()
    {
        var clock = new FakeTimeProvider();
        ScriptedChatClient primary = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Failure(HttpStatusCode.TooManyRequests, retryAfter: TimeSpan.FromSeconds(20)));
        ScriptedChatClient backup = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Failure(HttpStatusCode.TooManyRequests, retryAfter: TimeSpan.FromSeconds(3)));
        IChatClient router = Router(clock, primary, backup, maxWait: TimeSpan.FromSeconds(2));
        await Assert.ThrowsAsync<LlmRouterException>(() => router.GetResponseAsync(RouterCalls.Hello));

        LlmRouterException exception = await Assert.ThrowsAsync<LlmRouterException>(() => router.GetResponseAsync(RouterCalls.Hello));

        Assert.Contains("primary (cooling down after a rate limit for another 20 s)", exception.Message, StringComparison.Ordinal);
        Assert.Contains("backup (cooling down after a rate limit for another 3 s)", exception.Message, StringComparison.Ordinal);
        Assert.EndsWith("The soonest to come back, 'backup', could be called in 3 s: later than Retry.MaxRetryAfter (2 s) allows.", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(10, 2, 11)]
    [InlineData(2, 10, 12)]
    public async Task SecondRateLimit_ExtendsACooldownButNeverShortensIt(int firstRetryAfter, int secondRetryAfter, int expectedUntilSeconds)
    {
        // Two requests reach the primary before either fails; the first fails at t=1 s, the second at t=2 s.
        var clock = new TimerTrackingFakeTimeProvider();
        ScriptedChatClient primary = new ScriptedChatClient(timeProvider: clock).Enqueue(
            ScriptedOutcome.Failure(HttpStatusCode.TooManyRequests, TimeSpan.FromSeconds(firstRetryAfter)).After(TimeSpan.FromSeconds(1)),
            ScriptedOutcome.Failure(HttpStatusCode.TooManyRequests, TimeSpan.FromSeconds(secondRetryAfter)).After(TimeSpan.FromSeconds(2)));
        var backup = new ScriptedChatClient(timeProvider: clock) { DefaultOutcome = ScriptedOutcome.Text("backup") };
        IChatClient router = Router(clock, primary, backup);
        DateTimeOffset start = clock.GetUtcNow();

        Task<ChatResponse> first = router.GetResponseAsync(RouterCalls.Hello);
        Task<ChatResponse> second = router.GetResponseAsync(RouterCalls.Hello);
        await clock.WaitForTimersAsync(2);
        clock.Advance(TimeSpan.FromSeconds(1));
        await first;
        clock.Advance(TimeSpan.FromSeconds(1));
        await second;

        Assert.Equal(start + TimeSpan.FromSeconds(expectedUntilSeconds), router.GetService<IRouterHealth>()!.GetDeployment("primary").CooldownUntil);
    }

    [Fact]
    public async Task Overloaded_WithRetryAfter_CoolsDownToo()
    {
        var clock = new FakeTimeProvider();
        ScriptedChatClient primary = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Failure(HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(7)));
        var backup = new ScriptedChatClient(timeProvider: clock) { DefaultOutcome = ScriptedOutcome.Text("backup") };
        IChatClient router = Router(clock, primary, backup);

        await router.GetResponseAsync(RouterCalls.Hello);

        Assert.Equal(clock.GetUtcNow() + TimeSpan.FromSeconds(7), router.GetService<IRouterHealth>()!.GetDeployment("primary").CooldownUntil);
    }

    [Fact]
    public async Task RetryAfterBeyondMaxDuration_IsCapped()
    {
        var clock = new FakeTimeProvider();
        ScriptedChatClient primary = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Failure(HttpStatusCode.TooManyRequests, TimeSpan.FromDays(2)));
        var backup = new ScriptedChatClient(timeProvider: clock) { DefaultOutcome = ScriptedOutcome.Text("backup") };
        IChatClient router = Router(clock, primary, backup);

        await router.GetResponseAsync(RouterCalls.Hello);

        Assert.Equal(clock.GetUtcNow() + TimeSpan.FromMinutes(5), router.GetService<IRouterHealth>()!.GetDeployment("primary").CooldownUntil);
    }
}
