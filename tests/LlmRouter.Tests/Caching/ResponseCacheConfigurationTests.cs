using LlmRouter.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace LlmRouter.Tests.Caching;

/// <summary>The <c>ResponseCache</c> section: its presence adds the step to the pipeline <c>AddLlmRouter(configuration)</c> returns.</summary>
public class ResponseCacheConfigurationTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Section_AddsTheCache_WithItsSettings(bool streaming)
    {
        var clock = new FakeTimeProvider();
        var provider = new ScriptedChatClient { DefaultOutcome = ScriptedOutcome.Text("answer") };
        await using ServiceProvider services = Services(provider, clock, new()
        {
            ["LlmRouter:ResponseCache:Ttl"] = "00:10:00",
            ["LlmRouter:ResponseCache:Routes:chat:Scope"] = "Shared",
        });
        IChatClient chat = services.GetRequiredService<IChatClient>();

        await chat.CallAsync(streaming, CacheFixture.Caller("alice"));
        ChatResponse bob = await chat.CallAsync(streaming, CacheFixture.Caller("bob"));
        clock.Advance(TimeSpan.FromMinutes(10));
        ChatResponse expired = await chat.CallAsync(streaming, CacheFixture.Caller("bob"));

        Assert.Equal(true, bob.Property(LlmRouterProperties.CacheHit));
        Assert.Null(expired.Property(LlmRouterProperties.CacheHit));
        Assert.Equal(2, provider.CallCount);
    }

    [Fact]
    public async Task NoSection_NoCache()
    {
        var provider = new ScriptedChatClient { DefaultOutcome = ScriptedOutcome.Text("answer") };
        await using ServiceProvider services = Services(provider, new FakeTimeProvider(), []);
        IChatClient chat = services.GetRequiredService<IChatClient>();

        await chat.GetResponseAsync("Hello");
        await chat.GetResponseAsync("Hello");

        Assert.Null(chat.GetService<ResponseCacheChatClient>());
        Assert.Equal(2, provider.CallCount);
    }

    [Fact]
    public async Task InvalidSection_ListsEveryProblemByKey()
    {
        var provider = new ScriptedChatClient();
        await using ServiceProvider services = Services(provider, new FakeTimeProvider(), new()
        {
            ["LlmRouter:ResponseCache:Ttl"] = "soon",
            ["LlmRouter:ResponseCache:Scope"] = "Everyone",
            ["LlmRouter:ResponseCache:Routes:chat:Enabeld"] = "true",
        });

        LlmRouterConfigurationException error = Assert.Throws<LlmRouterConfigurationException>(() => services.GetRequiredService<IChatClient>());

        Assert.Contains(error.Errors, e => e.StartsWith("LlmRouter:ResponseCache:Ttl: 'soon' is not a duration", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.StartsWith("LlmRouter:ResponseCache:Scope: 'Everyone' is not valid. Valid values: Caller, Shared.", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.StartsWith("LlmRouter:ResponseCache:Routes:chat:Enabeld is not a known setting", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ZeroTtl_IsAConfigurationError()
    {
        await using ServiceProvider services = Services(new ScriptedChatClient(), new FakeTimeProvider(), new() { ["LlmRouter:ResponseCache:Ttl"] = "00:00:00" });

        LlmRouterConfigurationException error = Assert.Throws<LlmRouterConfigurationException>(() => services.GetRequiredService<IChatClient>());

        Assert.Contains(error.Errors, e => e.Contains("ResponseCache:Ttl", StringComparison.Ordinal) && e.Contains("more than zero", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ChangedSection_AppliesToLaterRequests_ABadOneKeepsTheLastGood_ARemovedOneTurnsTheCacheOff(bool streaming)
    {
        var provider = new ScriptedChatClient { DefaultOutcome = ScriptedOutcome.Text("answer") };
        var values = new Dictionary<string, string?>
        {
            ["LlmRouter:Routes:chat:Deployments:0"] = "model",
            ["LlmRouter:DefaultRoute"] = "chat",
            ["LlmRouter:ResponseCache:Scope"] = "Caller",
        };
        var configuration = ReloadableConfiguration.Create(values);
        var logs = new FakeLogCollector();
        await using ServiceProvider built = ReloadingRouter(configuration, provider, logs);
        IChatClient chat = built.GetRequiredService<IChatClient>();

        await chat.CallAsync(streaming, CacheFixture.Caller("alice"));
        ChatResponse bobBefore = await chat.CallAsync(streaming, CacheFixture.Caller("bob"));

        configuration.Replace(new Dictionary<string, string?>(values) { ["LlmRouter:ResponseCache:Scope"] = "Shared" });
        await chat.CallAsync(streaming, CacheFixture.Caller("alice"));
        ChatResponse bobShared = await chat.CallAsync(streaming, CacheFixture.Caller("bob"));

        configuration.Replace(new Dictionary<string, string?>(values) { ["LlmRouter:ResponseCache:Scope"] = "Everyone" });
        ChatResponse bobAfterBadReload = await chat.CallAsync(streaming, CacheFixture.Caller("bob"));

        var removed = new Dictionary<string, string?>(values);
        removed.Remove("LlmRouter:ResponseCache:Scope");
        configuration.Replace(removed);
        int calls = provider.CallCount;
        ChatResponse off = await chat.CallAsync(streaming, CacheFixture.Caller("bob"));

        Assert.Null(bobBefore.Property(LlmRouterProperties.CacheHit));
        Assert.Equal(true, bobShared.Property(LlmRouterProperties.CacheHit));
        Assert.Equal(true, bobAfterBadReload.Property(LlmRouterProperties.CacheHit));
        Assert.Null(off.Property(LlmRouterProperties.CacheHit));
        Assert.Equal(calls + 1, provider.CallCount);
        Assert.Single(logs.GetSnapshot(), r => r.Id.Id == 34 && r.Exception!.Message.Contains("Everyone", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReloadTurningARouteSemantic_WithoutAnEmbeddingGenerator_IsRejectedAndLogged()
    {
        var provider = new ScriptedChatClient { DefaultOutcome = ScriptedOutcome.Text("answer") };
        var values = new Dictionary<string, string?>
        {
            ["LlmRouter:Routes:chat:Deployments:0"] = "model",
            ["LlmRouter:DefaultRoute"] = "chat",
            ["LlmRouter:ResponseCache:Ttl"] = "00:10:00",
        };
        var configuration = ReloadableConfiguration.Create(values);
        var logs = new FakeLogCollector();
        await using ServiceProvider built = ReloadingRouter(configuration, provider, logs);
        IChatClient chat = built.GetRequiredService<IChatClient>();
        await chat.GetResponseAsync("Hello", CacheFixture.Caller("alice"));

        configuration.Replace(new Dictionary<string, string?>(values) { ["LlmRouter:ResponseCache:Routes:chat:Semantic"] = "true" });
        ChatResponse again = await chat.GetResponseAsync("Hello", CacheFixture.Caller("alice"));

        Assert.Equal(true, again.Property(LlmRouterProperties.CacheHit));
        Assert.False(chat.GetService<ResponseCacheChatClient>()!.Settings.For("chat").Semantic);
        Assert.Single(logs.GetSnapshot(), r => r.Id.Id == 34 && r.Exception!.Message.Contains("IEmbeddingGenerator", StringComparison.Ordinal));
    }

    private static ServiceProvider Services(ScriptedChatClient provider, TimeProvider clock, Dictionary<string, string?> settings)
    {
        settings["LlmRouter:Routes:chat:Deployments:0"] = "model";
        settings["LlmRouter:DefaultRoute"] = "chat";
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton(clock);
        services.AddLlmRouter(configuration.GetSection("LlmRouter"), router => router.AddDeployment("model", provider));
        return services.BuildServiceProvider();
    }

    /// <summary>A router from <paramref name="configuration"/> (reloadable) over one scripted deployment, logging to <paramref name="logs"/>.</summary>
    private static ServiceProvider ReloadingRouter(ReloadableConfiguration configuration, ScriptedChatClient provider, FakeLogCollector logs)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(new FakeTimeProvider());
        services.AddSingleton<ILoggerFactory>(new LoggerFactory([new FakeLoggerProvider(logs)]));
        services.AddLlmRouter(configuration.Section, router => router.AddDeployment("model", provider));
        return services.BuildServiceProvider();
    }
}
