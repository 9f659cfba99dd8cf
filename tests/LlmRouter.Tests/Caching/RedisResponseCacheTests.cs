using LlmRouter.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace LlmRouter.Tests.Caching;

/// <summary>The response cache shared through a real Redis: two routers, as two processes would be, see each other's answers.</summary>
public class RedisResponseCacheTests(RedisServer redis) : IClassFixture<RedisServer>
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TwoRouters_OverOneRedis_ShareEntries(bool streaming)
    {
        string instance = $"test-{Guid.NewGuid():N}:";
        var providerA = new ScriptedChatClient { DefaultOutcome = ScriptedOutcome.Text("from A").WithUsage(1000, 500) };
        var providerB = new ScriptedChatClient { DefaultOutcome = ScriptedOutcome.Text("from B").WithUsage(1000, 500) };
        await using ServiceProvider a = Router(providerA, instance);
        await using ServiceProvider b = Router(providerB, instance);
        ChatOptions options = CacheFixture.Caller("alice");

        ChatResponse first = await a.GetRequiredService<IChatClient>().CallAsync(streaming, options);
        ChatResponse second = await b.GetRequiredService<IChatClient>().CallAsync(streaming, options);

        Assert.Equal("from A", first.Text);
        Assert.Equal(("from A", true), (second.Text, second.Property(LlmRouterProperties.CacheHit)));
        Assert.Equal(CacheFixture.AnswerCost, second.Property(LlmRouterProperties.CostSavedUsd));
        Assert.Equal(0, providerB.CallCount);
        Assert.Equal(1, b.GetRequiredService<IRouterSpend>().GetCacheSavings().Hits);

        // Every key has an expiry.
        using ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        RedisKey key = Assert.Single(connection.GetServer($"127.0.0.1:{redis.Port}").Keys(pattern: instance + "*"));
        TimeSpan? ttl = await connection.GetDatabase().KeyTimeToLiveAsync(key);
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.FromMinutes(59), TimeSpan.FromHours(1));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task UnreachableRedis_IsAMiss_NeverAFailedRequest(bool streaming)
    {
        var provider = new ScriptedChatClient { DefaultOutcome = ScriptedOutcome.Text("answer") };
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(new FakeTimeProvider());
        services.AddStackExchangeRedisCache(o => o.Configuration = "127.0.0.1:1,abortConnect=false,connectTimeout=200,syncTimeout=200");
        services.AddLlmRouter(router => router.AddDeployment("model", provider)).UseResponseCache();
        await using ServiceProvider built = services.BuildServiceProvider();
        IChatClient chat = built.GetRequiredService<IChatClient>();

        ChatResponse first = await chat.CallAsync(streaming);
        ChatResponse second = await chat.CallAsync(streaming);

        Assert.Equal(("answer", "answer"), (first.Text, second.Text));
        Assert.Equal(2, provider.CallCount);
    }

    private ServiceProvider Router(ScriptedChatClient provider, string instance)
    {
        var services = new ServiceCollection();
        services.AddStackExchangeRedisCache(o =>
        {
            o.Configuration = redis.Configuration;
            o.InstanceName = instance;
        });
        services.AddLlmRouter(router => router
                .AddDeployment("model", provider, d => d.Price = new ModelPrice(1m, 2m))
                .AddRoute("chat", r => r.Deployments = ["model"]))
            .UseResponseCache();
        return services.BuildServiceProvider();
    }
}
