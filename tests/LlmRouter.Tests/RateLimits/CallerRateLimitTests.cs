using LlmRouter.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace LlmRouter.Tests.RateLimits;

/// <summary>Rate limits on each caller: RateLimitExceededException with the limit, window and reset; per route; tokens settled with usage.</summary>
public class CallerRateLimitTests
{
    private static readonly DateTimeOffset Start = new(2026, 5, 31, 12, 0, 0, TimeSpan.Zero);
    private static readonly int InputTokens = TokenEstimators.Default.EstimateInputTokens(RouterCalls.Hello, new ChatOptions { MaxOutputTokens = 100 });

    private static ChatOptions For(string? caller, string? route = null, string property = LlmRouterRequestProperties.Caller) => new()
    {
        ModelId = route,
        MaxOutputTokens = 100,
        AdditionalProperties = caller is null ? null : new() { [property] = caller },
    };

    private static (IChatClient Router, ScriptedChatClient Client) Router(FakeTimeProvider clock, Action<LlmRouterBuilder> configure, int outputTokens = 100)
    {
        var client = new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Chunks("ok").WithUsage(InputTokens, outputTokens) };
        LlmRouterBuilder builder = new LlmRouterBuilder().UseTimeProvider(clock).WithoutRetries()
            .AddDeployment("a", client)
            .AddRoute("chat", r => r.Deployments = ["a"])
            .AddRoute("batch", r => r.Deployments = ["a"])
            .UseDefaultRoute("chat");
        configure(builder);
        return (builder.Build(), client);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_CallerOverRequestsPerMinute_ThrowsWithTheLimitTheWindowAndWhenItResets(bool streaming)
    {
        var clock = new FakeTimeProvider(Start);
        (IChatClient router, ScriptedChatClient client) = Router(clock, b => b.AddRateLimit("per-user", l => l.RequestsPerMinute = 2));
        await router.CallAsync(streaming, For("alice"));
        await router.CallAsync(streaming, For("alice"));

        RateLimitExceededException exception = await Assert.ThrowsAsync<RateLimitExceededException>(() => router.CallAsync(streaming, For("alice")));

        Assert.Equal(("chat", "alice", "requests", 2L, TimeSpan.FromMinutes(1)), (exception.Route, exception.Caller, exception.LimitName, exception.Limit, exception.Window));
        Assert.Equal(TimeSpan.FromSeconds(30), exception.RetryAfter);
        Assert.Equal(Start + TimeSpan.FromSeconds(30), exception.ResetsAt);
        Assert.Equal(2, client.CallCount);

        // Other callers and requests without a caller are not limited by alice's use; alice is admitted once her time comes.
        await router.CallAsync(streaming, For("bob"));
        await router.CallAsync(streaming, For(caller: null));
        clock.Advance(TimeSpan.FromSeconds(30));
        await router.CallAsync(streaming, For("alice"));
        Assert.Equal(5, client.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_LimitForOneCaller_LimitsThatCallerAlone(bool streaming)
    {
        var clock = new FakeTimeProvider(Start);
        (IChatClient router, ScriptedChatClient client) = Router(clock, b => b.AddRateLimit("alice-only", l => { l.Caller = "alice"; l.RequestsPerMinute = 1; }));
        await router.CallAsync(streaming, For("alice"));

        RateLimitExceededException exception = await Assert.ThrowsAsync<RateLimitExceededException>(() => router.CallAsync(streaming, For("alice")));
        await router.CallAsync(streaming, For("bob"));
        await router.CallAsync(streaming, For("bob"));
        await router.CallAsync(streaming, For("Alice"));

        Assert.Equal("alice", exception.Caller);
        Assert.Equal(4, client.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_LimitOnOneRoute_CountsOnlyThatRoutesRequests(bool streaming)
    {
        var clock = new FakeTimeProvider(Start);
        (IChatClient router, _) = Router(clock, b => b.AddRateLimit("batch-users", l => { l.Route = "batch"; l.RequestsPerHour = 1; }));
        await router.CallAsync(streaming, For("alice", "batch"));
        await router.CallAsync(streaming, For("alice", "chat"));
        await router.CallAsync(streaming, For("alice", "chat"));

        RateLimitExceededException exception = await Assert.ThrowsAsync<RateLimitExceededException>(() => router.CallAsync(streaming, For("alice", "batch")));

        Assert.Equal(("batch", TimeSpan.FromHours(1), TimeSpan.FromHours(1)), (exception.Route, exception.Window, exception.RetryAfter));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_TokensPerMinute_ReservesTheEstimateAndSettlesWithTheReportedUsage(bool streaming)
    {
        long estimate = InputTokens + 100;
        long used = InputTokens + 10;
        var clock = new FakeTimeProvider(Start);
        (IChatClient router, ScriptedChatClient client) = Router(
            clock, b => b.AddRateLimit("tokens", l => { l.CallerProperty = "tenant"; l.TokensPerMinute = 2 * estimate; }), outputTokens: 10);

        int calls = (int)(((2 * estimate) - estimate) / used) + 1;
        for (int i = 0; i < calls; i++)
        {
            await router.CallAsync(streaming, For("acme", property: "tenant"));
        }

        RateLimitExceededException exception = await Assert.ThrowsAsync<RateLimitExceededException>(() => router.CallAsync(streaming, For("acme", property: "tenant")));
        Assert.Equal(("tokens", 2 * estimate), (exception.LimitName, exception.Limit));
        Assert.Equal(calls, client.CallCount);
    }

    [Fact]
    public async Task Call_SecondLimitRefuses_GivesBackWhatTheFirstTook()
    {
        var clock = new FakeTimeProvider(Start);
        (IChatClient router, _) = Router(clock, b => b
            .AddRateLimit("minute", l => l.RequestsPerMinute = 2)
            .AddRateLimit("hour", l => l.RequestsPerHour = 1));
        await router.CallAsync(streaming: false, For("alice"));

        RateLimitExceededException refused = await Assert.ThrowsAsync<RateLimitExceededException>(() => router.CallAsync(streaming: false, For("alice")));
        Assert.Equal(TimeSpan.FromHours(1), refused.Window);

        // Had the refused request kept its place in the per-minute limit, this one would be refused by it, not by the hour's.
        refused = await Assert.ThrowsAsync<RateLimitExceededException>(() => router.CallAsync(streaming: false, For("alice")));
        Assert.Equal(TimeSpan.FromHours(1), refused.Window);
    }

    [Fact]
    public void Build_InvalidLimits_ListsEveryProblem()
    {
        var clock = new FakeTimeProvider(Start);
        LlmRouterConfigurationException exception = Assert.Throws<LlmRouterConfigurationException>(() => Router(clock, b => b
            .AddRateLimit("none", _ => { })
            .AddRateLimit("bad", l => { l.Route = "nowhere"; l.TokensPerHour = 0; l.CallerProperty = " "; })));

        Assert.Contains("Rate limit 'none': set at least one of RequestsPerMinute, RequestsPerHour, TokensPerMinute, TokensPerHour.", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Rate limit 'bad': Route names unknown route 'nowhere'; it is optional and limits each caller on that route only. Known routes: chat, batch.", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Rate limit 'bad': TokensPerHour must be at least 1, or null for no limit (was 0).", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Rate limit 'bad': CallerProperty must name", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Configuration_RateLimitsAndDeploymentLimits_AreRead()
    {
        IConfiguration section = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LlmRouter:Providers:local:Type"] = "Ollama",
            ["LlmRouter:Deployments:a:Provider"] = "local",
            ["LlmRouter:Deployments:a:Model"] = "llama3.2",
            ["LlmRouter:Deployments:a:RequestsPerMinute"] = "600",
            ["LlmRouter:Deployments:a:TokensPerMinute"] = "200000",
            ["LlmRouter:Routes:r:Deployments:0"] = "a",
            ["LlmRouter:RateLimits:per-user:CallerProperty"] = "user",
            ["LlmRouter:RateLimits:per-user:Route"] = "r",
            ["LlmRouter:RateLimits:per-user:RequestsPerMinute"] = "60",
            ["LlmRouter:RateLimits:per-user:TokensPerHour"] = "50000",
            ["LlmRouter:RateLimits:vip:Caller"] = "vip-tenant",
            ["LlmRouter:RateLimits:vip:RequestsPerMinute"] = "6000",
        }).Build().GetSection("LlmRouter");

        using LlmRouterClient router = Configuration.ConfigurationReaderTests.Build(section);

        DeploymentRateLimit limit = router.Model.Deployments[0].State.RateLimit!;
        Assert.Equal((600L, 200_000L), (limit.RequestsPerMinute, limit.TokensPerMinute));
        CallerRateLimit caller = Assert.Single(router.Model.RateLimits!.Callers, c => c.Name == "per-user");
        Assert.Equal(("per-user", "user", "r", (string?)null), (caller.Name, caller.CallerProperty, caller.Route?.Name, caller.Caller));
        Assert.Equal("vip-tenant", Assert.Single(router.Model.RateLimits!.Callers, c => c.Name == "vip").Caller);
        Assert.Equal(
            [("requests", 60L, TimeSpan.FromMinutes(1)), ("tokens", 50_000L, TimeSpan.FromHours(1))],
            caller.Windows.Select(w => (w.LimitName, w.Limit, w.Window)));
    }
}
