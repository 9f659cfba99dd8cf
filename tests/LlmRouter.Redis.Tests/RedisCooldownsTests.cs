using System.Diagnostics;
using System.Net;
using LlmRouter.Testing;
using LlmRouter.Tests.Caching;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using Xunit.Abstractions;
using static LlmRouter.Redis.Tests.SharedRouters;

namespace LlmRouter.Redis.Tests;

/// <summary>Cooldowns shared through a real redis-server: a 429 on one router cools the deployment down on the others.</summary>
public sealed class RedisCooldownsTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>How long the test waits for a message before it fails; the figure it reports is what it took.</summary>
    private static readonly TimeSpan GiveUp = TimeSpan.FromSeconds(10);

    private readonly RedisServer _server = new();

    public Task InitializeAsync() => _server.InitializeAsync();

    public Task DisposeAsync() => _server.DisposeAsync();

    [Fact]
    public async Task Call_RateLimitedOnOneRouter_TheOtherSkipsTheDeploymentUntilItsDeadline()
    {
        const string prefix = "cooldown-test:";
        ConnectionMultiplexer[] connections = await ConnectAsync(_server, 2);
        try
        {
            var limited = new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Failure(HttpStatusCode.TooManyRequests, retryAfter: TimeSpan.FromSeconds(30)) };
            ScriptedChatClient healthy = Client("a");
            var first = (LlmRouterClient)Builder()
                .AddDeployment("a", limited).AddDeployment("b", Client("b")).AddRoute("r", r => r.Deployments = ["a", "b"])
                .UseRedis(connections[0], o => o.KeyPrefix = prefix).Build();
            var second = (LlmRouterClient)Builder()
                .AddDeployment("a", healthy).AddDeployment("b", Client("b")).AddRoute("r", r => r.Deployments = ["a", "b"])
                .UseRedis(connections[1], o => o.KeyPrefix = prefix).Build();

            // Routers subscribe without waiting; a ping on the subscription's connection comes back after the subscription.
            await connections[1].GetSubscriber().PingAsync();

            Assert.Equal("b", await ServedByAsync(first));
            var heard = Stopwatch.StartNew();
            DeploymentState state = second.Model.FindDeployment("a")!.State;
            while (state.CooldownUntil == 0 && heard.Elapsed < GiveUp)
            {
                await Task.Delay(1);
            }

            output.WriteLine($"The second router heard the cooldown {heard.Elapsed.TotalMilliseconds:0.0} ms after the first one's call ended.");
            TimeSpan left = TimeSpan.FromTicks((long)((state.CooldownUntil - TimeProvider.System.GetTimestamp()) * ((double)TimeSpan.TicksPerSecond / TimeProvider.System.TimestampFrequency)));
            Assert.InRange(left, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(30));
            Assert.Equal("b", await ServedByAsync(second));
            Assert.Equal(0, healthy.CallCount);
            Assert.Equal(1, AssertEveryKeyExpires(connections[0], prefix));
            first.Dispose();
            second.Dispose();
        }
        finally
        {
            foreach (ConnectionMultiplexer connection in connections)
            {
                await connection.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Subscribe_ConnectionRestored_ReadsTheCooldownsPublishedWhileItWasCutOff()
    {
        await using ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(_server.Configuration);
        await using ConnectionMultiplexer admin = await ConnectionMultiplexer.ConnectAsync(_server.Configuration + ",allowAdmin=true");
        IDatabase database = admin.GetDatabase();
        var options = new RedisSharedStateOptions { KeyPrefix = "restored-test:", Timeout = TimeSpan.FromSeconds(5) };
        var cooldowns = new RedisCooldowns(new RedisSharedState(connection, options, () => NullLogger.Instance));
        var heard = new Dictionary<string, TaskCompletionSource<TimeSpan>>
        {
            ["before"] = new(TaskCreationOptions.RunContinuationsAsynchronously),
            ["while-cut-off"] = new(TaskCreationOptions.RunContinuationsAsynchronously),
        };

        // One in force when the subscription starts, read by its first catch-up.
        await WriteCooldownAsync(database, "before");
        using IDisposable subscription = cooldowns.Subscribe((name, duration) => heard[name].TrySetResult(duration));
        await heard["before"].Task.WaitAsync(GiveUp);

        // Written as another router's script would, but no message reaches this one: as if it was cut off when it was sent.
        await WriteCooldownAsync(database, "while-cut-off");
        Assert.False(heard["while-cut-off"].Task.IsCompleted);
        await admin.GetServer(admin.GetEndPoints()[0]).ExecuteAsync("CLIENT", "KILL", "TYPE", "pubsub");

        TimeSpan left = await heard["while-cut-off"].Task.WaitAsync(GiveUp);

        Assert.InRange(left, TimeSpan.FromSeconds(40), TimeSpan.FromMinutes(1));
    }

    private static async Task WriteCooldownAsync(IDatabase database, string deployment)
    {
        var time = (RedisResult[])(await database.ExecuteAsync("TIME"))!;
        long now = ((long)time[0] * 1000) + ((long)time[1] / 1000);
        await database.HashSetAsync("restored-test:cooldowns", deployment, now + 60_000);
        await database.KeyExpireAsync("restored-test:cooldowns", TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task Publish_ShorterCooldownThanTheSharedOne_NeverShortensIt()
    {
        await using ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(_server.Configuration);
        var options = new RedisSharedStateOptions { KeyPrefix = "shorter-test:", Timeout = TimeSpan.FromSeconds(5) };
        var cooldowns = new RedisCooldowns(new RedisSharedState(connection, options, () => NullLogger.Instance));
        var listening = new RedisCooldowns(new RedisSharedState(connection, options, () => NullLogger.Instance));
        var heard = new List<(string, TimeSpan)>();
        var second = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using IDisposable subscription = listening.Subscribe((name, duration) =>
        {
            lock (heard)
            {
                heard.Add((name, duration));
                if (duration == TimeSpan.FromMinutes(2))
                {
                    second.TrySetResult();
                }
            }
        });

        await connection.GetSubscriber().PingAsync();
        await cooldowns.PublishAsync("a:eu", 60_000);
        await cooldowns.PublishAsync("a:eu", 1_000);
        await cooldowns.PublishAsync("a:eu", 120_000);
        await second.Task.WaitAsync(GiveUp);

        // The subscription also reads the cooldowns already shared when it starts, so the first may be heard twice; the shorter
        // one never is.
        lock (heard)
        {
            Assert.All(heard, h => Assert.Equal("a:eu", h.Item1));
            Assert.All(heard, h => Assert.InRange(h.Item2, TimeSpan.FromSeconds(59), TimeSpan.FromMinutes(2)));
            Assert.Equal(TimeSpan.FromMinutes(2), heard[^1].Item2);
            Assert.Contains(heard, h => h.Item2 == TimeSpan.FromMinutes(1));
        }

        TimeSpan? ttl = await connection.GetDatabase().KeyTimeToLiveAsync("shorter-test:cooldowns");
        Assert.InRange(ttl!.Value, TimeSpan.FromSeconds(110), TimeSpan.FromMinutes(2));
    }
}
