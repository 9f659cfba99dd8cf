using LlmRouter.Tests.Caching;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using StackExchange.Redis;
using static LlmRouter.Redis.Tests.SharedRouters;

namespace LlmRouter.Redis.Tests;

/// <summary>Redis killed mid-run: no request hangs; FailOpen counts per process and logs once; FailClosed refuses; a restart shares again.</summary>
public sealed class RedisOutageTests : IAsyncLifetime
{
    /// <summary>Far beyond the timeouts (50 ms by default; 1 s where a busy machine must not make a live Redis look down): a request that takes this long hangs.</summary>
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(20);

    private readonly RedisServer _server = new();

    public Task InitializeAsync() => _server.InitializeAsync();

    public Task DisposeAsync() => _server.DisposeAsync();

    [Fact]
    public async Task Call_RedisKilledThenRestarted_FailOpenCountsPerProcessLogsOnceAndSharesAgain()
    {
        const string prefix = "outage-test:";
        await using ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(_server.Configuration);
        // A first call pays for loading the scripts and compiling the client's code, and may take longer than the 50 ms
        // timeout on a busy machine, which would count it in this process: a router of another prefix makes it.
        await ServedByAsync(Builder().AddDeployment("a", Client("a"), d => d.RequestsPerMinute = 3)
            .UseRedis(connection, o => { o.KeyPrefix = "warm-up:"; o.Timeout = TimeSpan.FromSeconds(5); }).Build());
        var logs = new FakeLogCollector();
        using ILoggerFactory loggers = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(logs)));
        IChatClient router = Builder()
            .UseLoggerFactory(loggers)
            .AddDeployment("a", Client("a"), d => d.RequestsPerMinute = 3)
            .AddDeployment("b", Client("b"))
            .AddRoute("r", r => r.Deployments = ["a", "b"])
            .UseRedis(connection, o => { o.KeyPrefix = prefix; o.Timeout = TimeSpan.FromSeconds(1); })
            .Build();
        await ServedByAsync(router).WaitAsync(Hang);
        Assert.Equal(1, AssertEveryKeyExpires(connection, prefix));

        _server.Stop();
        string[] duringOutage = new string[5];
        for (int i = 0; i < duringOutage.Length; i++)
        {
            duringOutage[i] = await ServedByAsync(router).WaitAsync(Hang);
        }

        // The process's own bucket is full: three calls to 'a', then the backup.
        Assert.Equal(["a", "a", "a", "b", "b"], duringOutage);
        Assert.Single(logs.GetSnapshot(), r => r.Level == LogLevel.Warning && r.Message.Contains("Redis", StringComparison.Ordinal));

        var restored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.ConnectionRestored += (_, _) => restored.TrySetResult();
        await _server.StartAsync();
        await restored.Task.WaitAsync(Hang);
        while (!connection.IsConnected)
        {
            await Task.Yield();
        }

        Assert.Equal("a", await ServedByAsync(router).WaitAsync(Hang));
        Assert.Equal(1, AssertEveryKeyExpires(connection, prefix));

        // Said by whichever of the router's Redis calls first succeeds again, which may be one it does not wait for.
        Assert.True(
            SpinWait.SpinUntil(() => logs.GetSnapshot().Any(r => r.Level == LogLevel.Information && r.Message.Contains("shared again", StringComparison.Ordinal)), Hang),
            "No 'shared again' log after Redis came back.");
    }

    [Fact]
    public async Task Call_RedisDownAndFailClosed_RefusesWithoutHangingOrCallingTheProvider()
    {
        await using ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(_server.Configuration);
        var client = Client("a");
        IChatClient router = Builder()
            .AddDeployment("a", client, d => d.RequestsPerMinute = 100)
            .UseRedis(connection, o => { o.KeyPrefix = "closed-test:"; o.WhenUnavailable = SharedStateUnavailableBehavior.FailClosed; })
            .Build();
        _server.Stop();

        SharedStateUnavailableException exception = await Assert.ThrowsAsync<SharedStateUnavailableException>(() => router.GetResponseAsync(Hello, Options).WaitAsync(Hang));

        Assert.Contains("FailClosed", exception.Message, StringComparison.Ordinal);
        Assert.Equal(0, ((LlmRouterClient)router).Model.Deployments[0].InFlight);
        Assert.Contains("127.0.0.1:" + _server.Port, exception.Message, StringComparison.Ordinal);
        Assert.Equal(0, client.CallCount);
    }

    [Fact]
    public async Task Build_RedisAlreadyDown_BuildsAndFailsOpenWithoutWaiting()
    {
        await using ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(_server.Configuration);
        _server.Stop();

        IChatClient router = Builder()
            .AddDeployment("a", Client("a"), d => d.RequestsPerMinute = 1)
            .AddDeployment("b", Client("b"))
            .AddRoute("r", r => r.Deployments = ["a", "b"])
            .AddRateLimit("per-user", l => l.RequestsPerMinute = 10)
            .UseRedis(connection, o => o.KeyPrefix = "down-test:")
            .Build();
        var alice = new ChatOptions { MaxOutputTokens = 100, AdditionalProperties = new() { [LlmRouterRequestProperties.Caller] = "alice" } };

        Assert.Equal("a", await ServedByAsync(router, alice).WaitAsync(Hang));
        Assert.Equal("b", await ServedByAsync(router, alice).WaitAsync(Hang));
    }
}
