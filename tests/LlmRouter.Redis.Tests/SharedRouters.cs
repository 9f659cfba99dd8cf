using LlmRouter.Testing;
using Microsoft.Extensions.AI;
using LlmRouter.Tests.Caching;
using StackExchange.Redis;

namespace LlmRouter.Redis.Tests;

/// <summary>Routers of their own connections to one Redis, as separate processes would have, and what the tests check in Redis.</summary>
internal static class SharedRouters
{
    public static readonly ChatMessage[] Hello = [new(ChatRole.User, "Hello")];

    public static readonly ChatOptions Options = new() { MaxOutputTokens = 100 };

    public static readonly int InputTokens = TokenEstimators.Default.EstimateInputTokens(Hello, Options);

    /// <summary>A client that answers at once, reporting the estimated input and 100 output tokens, so a call costs exactly its estimate.</summary>
    public static ScriptedChatClient Client(string text) =>
        new("fake") { DefaultOutcome = ScriptedOutcome.Text(text).WithUsage(InputTokens, 100) };

    public static LlmRouterBuilder Builder() =>
        new LlmRouterBuilder().ConfigureRetry(r => r.MaxAttempts = 1);

    public static async Task<ConnectionMultiplexer[]> ConnectAsync(RedisServer server, int count)
    {
        var connections = new ConnectionMultiplexer[count];
        for (int i = 0; i < count; i++)
        {
            connections[i] = await ConnectionMultiplexer.ConnectAsync(server.Configuration);
        }

        return connections;
    }

    /// <summary>Every key under <paramref name="prefix"/> has an expiry; returns how many there are.</summary>
    public static int AssertEveryKeyExpires(IConnectionMultiplexer connection, string prefix)
    {
        IServer server = connection.GetServer(connection.GetEndPoints()[0]);
        IDatabase database = connection.GetDatabase();
        int count = 0;
        foreach (RedisKey key in server.Keys(pattern: prefix + "*"))
        {
            TimeSpan? ttl = database.KeyTimeToLive(key);
            if (ttl is null)
            {
                // Expired (or settled away) between the scan and the read, or written again since: read once more.
                if (!database.KeyExists(key))
                {
                    continue;
                }

                ttl = database.KeyTimeToLive(key);
                if (ttl is null && !database.KeyExists(key))
                {
                    continue;
                }
            }

            // A short counter (a few milliseconds of a large tokens limit) may have under a millisecond left: 0 is an expiry too.
            count++;
            Assert.True(ttl is not null, $"Key '{key}' has no expiry.");
        }

        return count;
    }

    public static async Task<string> ServedByAsync(IChatClient router, ChatOptions? options = null) =>
        (string)(await router.GetResponseAsync(Hello, options ?? Options)).AdditionalProperties![LlmRouterProperties.Deployment]!;
}
