using LlmRouter.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace LlmRouter.Tests.RateLimits;

/// <summary>Per-deployment RequestsPerMinute and TokensPerMinute: set aside with the reason, waited for within QueueTimeout, tokens settled with usage.</summary>
public class DeploymentRateLimitTests
{
    private static readonly DateTimeOffset Start = new(2026, 5, 31, 12, 0, 0, TimeSpan.Zero);
    private static readonly ChatOptions Options = new() { MaxOutputTokens = 100 };
    private static readonly int InputTokens = TokenEstimators.Default.EstimateInputTokens(RouterCalls.Hello, Options);

    private static ScriptedChatClient Client(string text, int outputTokens = 100) =>
        new("fake") { DefaultOutcome = ScriptedOutcome.Chunks(text).WithUsage(InputTokens, outputTokens) };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_DeploymentAtRequestsPerMinute_IsSetAsideForTheNextCandidateNotCalled(bool streaming)
    {
        var clock = new FakeTimeProvider(Start);
        ScriptedChatClient primary = Client("a");
        ScriptedChatClient backup = Client("b");
        IChatClient router = new LlmRouterBuilder().UseTimeProvider(clock).WithoutRetries()
            .AddDeployment("a", primary, d => d.RequestsPerMinute = 2)
            .AddDeployment("b", backup)
            .AddRoute("r", r => r.Deployments = ["a", "b"])
            .Build();

        string[] served = new string[3];
        for (int i = 0; i < served.Length; i++)
        {
            served[i] = (string)(await router.CallAsync(streaming, Options)).Property(LlmRouterProperties.Deployment)!;
        }

        Assert.Equal(["a", "a", "b"], served);
        Assert.Equal((2, 1), (primary.CallCount, backup.CallCount));

        // One request refills every 30 seconds.
        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal("a", (await router.CallAsync(streaming, Options)).Property(LlmRouterProperties.Deployment));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_OnlyDeploymentAtItsLimitBeyondMaxRetryAfter_FailsSayingWhichLimitAndWhen(bool streaming)
    {
        var clock = new FakeTimeProvider(Start);
        ScriptedChatClient client = Client("a");
        IChatClient router = new LlmRouterBuilder().UseTimeProvider(clock).WithoutRetries()
            .AddDeployment("a", client, d => d.RequestsPerMinute = 1)
            .Build();
        await router.CallAsync(streaming, Options);

        LlmRouterException exception = await Assert.ThrowsAsync<LlmRouterException>(() => router.CallAsync(streaming, Options));

        Assert.Contains("a (at its limit of 1 requests per minute; admits again in 60 s)", exception.Message, StringComparison.Ordinal);
        Assert.Empty(exception.Attempts);
        Assert.Equal(1, client.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_OnlyDeploymentAdmitsAgainWithinMaxRetryAfter_WaitsForItRatherThanFailing(bool streaming)
    {
        var clock = new FakeTimeProvider(Start);
        ScriptedChatClient client = Client("a");
        IChatClient router = new LlmRouterBuilder().UseTimeProvider(clock).WithoutRetries().WithoutTimeouts()
            .AddDeployment("a", client, d => d.RequestsPerMinute = 12)
            .Build();
        for (int i = 0; i < 12; i++)
        {
            await router.CallAsync(streaming, Options);
        }

        Task<ChatResponse> waiting = router.CallAsync(streaming, Options);
        Assert.False(waiting.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal("a", (await waiting).Property(LlmRouterProperties.Deployment));
        Assert.Equal(13, client.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_QueueTimeoutCoversTheWait_WaitsForTheDeploymentBeforeTheBackup(bool streaming)
    {
        var clock = new FakeTimeProvider(Start);
        ScriptedChatClient primary = Client("a");
        ScriptedChatClient backup = Client("b");
        IChatClient router = new LlmRouterBuilder().UseTimeProvider(clock).WithoutRetries().WithoutTimeouts()
            .AddDeployment("a", primary, d => { d.RequestsPerMinute = 60; d.QueueTimeout = TimeSpan.FromSeconds(2); })
            .AddDeployment("b", backup)
            .AddRoute("r", r => r.Deployments = ["a", "b"])
            .Build();
        for (int i = 0; i < 60; i++)
        {
            await router.CallAsync(streaming, Options);
        }

        Task<ChatResponse> waiting = router.CallAsync(streaming, Options);
        Assert.False(waiting.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal("a", (await waiting).Property(LlmRouterProperties.Deployment));
        Assert.Equal(0, backup.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_TokensPerMinute_ReservesTheEstimateAndSettlesWithTheReportedUsage(bool streaming)
    {
        // Each call reserves its input estimate plus its 100 expected output tokens, and reports 500 more input tokens than
        // estimated: settled, the first call leaves too little for a second; reserved only, two would fit.
        long estimate = InputTokens + 100;
        var clock = new FakeTimeProvider(Start);
        var primary = new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Chunks("a").WithUsage(InputTokens + 500, 100) };
        ScriptedChatClient backup = Client("b");
        IChatClient router = new LlmRouterBuilder().UseTimeProvider(clock).WithoutRetries()
            .AddDeployment("a", primary, d => d.TokensPerMinute = estimate + 500 + estimate - 1)
            .AddDeployment("b", backup)
            .AddRoute("r", r => r.Deployments = ["a", "b"])
            .Build();
        Assert.Equal("a", (await router.CallAsync(streaming, Options)).Property(LlmRouterProperties.Deployment));

        Assert.Equal("b", (await router.CallAsync(streaming, Options)).Property(LlmRouterProperties.Deployment));
        Assert.Equal(1, primary.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_FailedCallWithoutUsage_GivesItsTokensBack(bool streaming)
    {
        long estimate = InputTokens + 100;
        var clock = new FakeTimeProvider(Start);
        ScriptedChatClient primary = new("fake");
        primary.Enqueue(ScriptedOutcome.Failure(System.Net.HttpStatusCode.InternalServerError));
        primary.DefaultOutcome = ScriptedOutcome.Chunks("a").WithUsage(InputTokens, 100);
        IChatClient router = new LlmRouterBuilder().UseTimeProvider(clock).WithoutRetries()
            .AddDeployment("a", primary, d => d.TokensPerMinute = estimate)
            .AddDeployment("b", Client("b"))
            .AddRoute("r", r => r.Deployments = ["a", "b"])
            .Build();

        Assert.Equal("b", (await router.CallAsync(streaming, Options)).Property(LlmRouterProperties.Deployment));

        Assert.Equal("a", (await router.CallAsync(streaming, Options)).Property(LlmRouterProperties.Deployment));
    }

    [Fact]
    public void Build_NonPositiveLimits_ListsEachWithWhatIsValid()
    {
        var builder = new LlmRouterBuilder()
            .AddDeployment("a", Client("a"), d => { d.RequestsPerMinute = 0; d.TokensPerMinute = -5; });

        LlmRouterConfigurationException exception = Assert.Throws<LlmRouterConfigurationException>(() => builder.Build());

        Assert.Contains("Deployment 'a': RequestsPerMinute must be at least 1, or null for no limit (was 0).", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Deployment 'a': TokensPerMinute must be at least 1, or null for no limit (was -5).", exception.Message, StringComparison.Ordinal);
    }
}
