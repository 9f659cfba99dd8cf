using System.Diagnostics;
using System.Net;
using System.Runtime.CompilerServices;
using LlmRouter.Tests.Caching;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using StackExchange.Redis;
using Xunit.Abstractions;
using static LlmRouter.Redis.Tests.SharedRouters;

namespace LlmRouter.Redis.Tests;

/// <summary>
/// Circuit breakers shared through a real redis-server: a circuit opened on one router is open on the others, exactly one
/// router probes when the break ends, and the probe's outcome closes or reopens the circuit everywhere.
/// </summary>
public sealed class RedisCircuitsTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>How long a test waits for a state to spread before it fails; the figures it reports are what it took.</summary>
    private static readonly TimeSpan GiveUp = TimeSpan.FromSeconds(10);

    /// <summary>Far beyond the 50 ms timeout: a request that takes this long hangs.</summary>
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(20);

    private static readonly TimeSpan Break = TimeSpan.FromMilliseconds(500);

    private readonly RedisServer _server = new();

    public Task InitializeAsync() => _server.InitializeAsync();

    public Task DisposeAsync() => _server.DisposeAsync();

    [Fact]
    public async Task Call_CircuitOpensOnOneRouter_OpensOnTheOthersAndKeepsTheDeploymentOut()
    {
        const string prefix = "circuit-open-test:";
        ConnectionMultiplexer[] connections = await ConnectAsync(_server, 2);
        var deployment = new SharedDeployment { Failing = true };
        var logs = new FakeLogCollector();
        using ILoggerFactory loggers = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(logs)));
        LlmRouterClient[] routers = Routers(connections, prefix, deployment, breakDuration: TimeSpan.FromSeconds(30), loggers, logged: 1);
        try
        {
            await SubscribedAsync(connections);
            await OpenAsync(routers[0]);

            const string openedElsewhere = "Deployment 'a': circuit opened by another instance; it is skipped here too for 00:00:30.";
            TimeSpan took = await UntilAsync(() => Breaker(routers[1]).State == CircuitState.Open);
            output.WriteLine($"The second router's circuit opened {took.TotalMilliseconds:0.0} ms after the first one's.");

            // The subscription's catch-up read can open the circuit before the announcement that logs it arrives.
            await UntilAsync(() => logs.GetSnapshot().Any(r => r.Message == openedElsewhere));
            Assert.Contains(logs.GetSnapshot(), r => r.Message == openedElsewhere);

            int calls = deployment.Calls;
            Assert.Equal("b", await ServedByAsync(routers[1]));
            Assert.Equal(calls, deployment.Calls);
            Assert.InRange(Left(Breaker(routers[1]).OpenUntil), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(30));
            Assert.Equal(1, AssertEveryKeyExpires(connections[0], prefix));
        }
        finally
        {
            await DisposeAsync(routers, connections);
        }
    }

    [Fact]
    public async Task Call_HalfOpenUnderConcurrentCallsOnFourRouters_ExactlyOneProbeThenClosedEverywhere()
    {
        const string prefix = "circuit-probe-test:";
        ConnectionMultiplexer[] connections = await ConnectAsync(_server, 4);
        var deployment = new SharedDeployment { Failing = true };
        LlmRouterClient[] routers = Routers(connections, prefix, deployment, Break);
        try
        {
            await SubscribedAsync(connections);
            await OpenAsync(routers[0]);
            await UntilAsync(() => routers.All(r => Breaker(r).State == CircuitState.Open));
            deployment.Hold();

            (List<Task<string>> probing, _) = await CallUntilProbedAsync(routers, deployment);
            Assert.Equal(1, deployment.Calls);
            Assert.Equal(1, AssertEveryKeyExpires(connections[0], prefix + "circuit-probe:"));

            // While the probe is in flight, many more calls on every router: none reaches the deployment.
            for (int wave = 0; wave < 5; wave++)
            {
                string[] served = await Task.WhenAll(Wave(routers, 40)).WaitAsync(Hang);
                Assert.All(served, s => Assert.Equal("b", s));
            }

            Assert.Equal(1, deployment.Calls);
            deployment.Release(failing: false);
            Assert.Equal("a", Assert.Single(await Task.WhenAll(probing).WaitAsync(Hang)));

            TimeSpan took = await UntilAsync(() => routers.All(r => Breaker(r).State == CircuitState.Closed));
            output.WriteLine($"Every router's circuit closed within {took.TotalMilliseconds:0.0} ms of the probe's success.");
            foreach (LlmRouterClient router in routers)
            {
                Assert.Equal("a", await ServedByAsync(router));
            }

            Assert.Equal(0, AssertEveryKeyExpires(connections[0], prefix + "circuit-probe:"));
            AssertEveryKeyExpires(connections[0], prefix);
        }
        finally
        {
            await DisposeAsync(routers, connections);
        }
    }

    [Fact]
    public async Task Call_ProbeFails_ReopensTheCircuitOnEveryRouter()
    {
        const string prefix = "circuit-reopen-test:";
        ConnectionMultiplexer[] connections = await ConnectAsync(_server, 4);
        var deployment = new SharedDeployment { Failing = true };
        LlmRouterClient[] routers = Routers(connections, prefix, deployment, Break);
        try
        {
            await SubscribedAsync(connections);
            await OpenAsync(routers[0]);
            await UntilAsync(() => routers.All(r => Breaker(r).State == CircuitState.Open));
            deployment.Hold();
            (List<Task<string>> probing, long probed) = await CallUntilProbedAsync(routers, deployment);

            // Held past a whole break, so a deadline a router set before the failure cannot pass for the new break.
            while (Elapsed(probed) <= Break)
            {
                await Task.Delay(10);
            }

            long failed = TimeProvider.System.GetTimestamp();
            deployment.Release(failing: true);
            Assert.All(await Task.WhenAll(probing).WaitAsync(Hang), s => Assert.Equal("b", s));

            TimeSpan took = await UntilAsync(() => routers.All(r => Breaker(r).State == CircuitState.Open && Breaker(r).OpenUntil > failed));
            output.WriteLine($"Every router's circuit reopened within {took.TotalMilliseconds:0.0} ms of the probe's failure.");
            Assert.Equal(1, deployment.Calls);

            // After the new break, one router probes again, and its success closes the circuit everywhere.
            deployment.Hold();
            (List<Task<string>> again, _) = await CallUntilProbedAsync(routers, deployment);
            Assert.Equal(1, deployment.Calls);
            deployment.Release(failing: false);
            Assert.Equal("a", Assert.Single(await Task.WhenAll(again).WaitAsync(Hang)));
            await UntilAsync(() => routers.All(r => Breaker(r).State == CircuitState.Closed));
        }
        finally
        {
            await DisposeAsync(routers, connections);
        }
    }

    [Fact]
    public async Task Build_DuringABreakAndACooldown_TheNewRouterLearnsBoth()
    {
        const string prefix = "circuit-late-test:";
        ConnectionMultiplexer[] connections = await ConnectAsync(_server, 2);
        var deployment = new SharedDeployment { Failing = true };
        LlmRouterClient first = Routers([connections[0]], prefix, deployment, TimeSpan.FromSeconds(30))[0];
        LlmRouterClient? late = null;
        try
        {
            await SubscribedAsync([connections[0]]);
            await OpenAsync(first);
            await PublishCooldownAsync(connections[0], prefix, "b", TimeSpan.FromSeconds(30));

            late = Routers([connections[1]], prefix, new SharedDeployment(), TimeSpan.FromSeconds(30))[0];

            TimeSpan took = await UntilAsync(() => Breaker(late).State == CircuitState.Open && late.Model.FindDeployment("b")!.State.CooldownUntil > 0);
            output.WriteLine($"The router built during the break and the cooldown learned both {took.TotalMilliseconds:0.0} ms after it was built.");
            Assert.InRange(Left(Breaker(late).OpenUntil), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(30));
            Assert.InRange(Left(late.Model.FindDeployment("b")!.State.CooldownUntil), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(30));
        }
        finally
        {
            late?.Dispose();
            await DisposeAsync([first], connections);
        }
    }

    [Fact]
    public async Task Call_RedisKilled_CircuitsGoOnPerProcessAndAreSharedAgainAfterRestart()
    {
        const string prefix = "circuit-outage-test:";
        ConnectionMultiplexer[] connections = await ConnectAsync(_server, 2);
        var deployment = new SharedDeployment { Failing = true };
        var logs = new FakeLogCollector();
        using ILoggerFactory loggers = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(logs)));
        LlmRouterClient[] routers = Routers(connections, prefix, deployment, Break, loggers);
        try
        {
            await SubscribedAsync(connections);
            _server.Stop();

            // Opens on the first router only: no request hangs, and the second still calls the deployment.
            await OpenAsync(routers[0]).WaitAsync(Hang);
            Assert.Equal(CircuitState.Open, Breaker(routers[0]).State);
            int calls = deployment.Calls;
            Assert.Equal("b", await ServedByAsync(routers[1]).WaitAsync(Hang));
            Assert.Equal(calls + 1, deployment.Calls);

            // When the break ends, the first router probes on its own, as it would without shared circuits.
            deployment.Failing = false;
            TimeSpan took = await UntilAsync(async () => await ServedByAsync(routers[0]).WaitAsync(Hang) == "a");
            output.WriteLine($"The first router probed on its own {took.TotalMilliseconds:0.0} ms into the outage's break.");
            Assert.Equal(CircuitState.Closed, Breaker(routers[0]).State);
            Assert.Single(logs.GetSnapshot(), r => r.Level == LogLevel.Warning && r.Message.Contains("Redis", StringComparison.Ordinal));

            var restored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            connections[1].ConnectionRestored += (_, _) => restored.TrySetResult();
            await _server.StartAsync();
            await UntilAsync(() => connections.All(c => c.IsConnected));
            await restored.Task.WaitAsync(Hang);
            await SubscribedAsync(connections);

            deployment.Failing = true;
            await OpenAsync(routers[0]);
            await UntilAsync(() => Breaker(routers[1]).State == CircuitState.Open);
            Assert.Equal(1, AssertEveryKeyExpires(connections[0], prefix));
        }
        finally
        {
            await DisposeAsync(routers, connections);
        }
    }

    [Fact]
    public async Task Claim_RedisDownAndFailClosed_RefusesTheProbeWithoutWaiting()
    {
        await using ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(_server.Configuration);
        var options = new RedisSharedStateOptions { KeyPrefix = "circuit-closed-test:", WhenUnavailable = SharedStateUnavailableBehavior.FailClosed };
        var circuits = new RedisCircuits(new RedisSharedState(connection, options, () => Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance));
        Assert.True((await circuits.ClaimProbeAsync("a", TimeSpan.FromSeconds(5))).Granted);
        _server.Stop();

        ProbeClaim claim = await circuits.ClaimProbeAsync("b", TimeSpan.FromSeconds(5)).AsTask().WaitAsync(Hang);

        Assert.False(claim.Granted);
        Assert.Equal(TimeSpan.FromSeconds(1), claim.KeepOutFor);
    }

    /// <param name="loggers">The loggers of the router at <paramref name="logged"/>, when its logs are checked.</param>
    private static LlmRouterClient[] Routers(
        ConnectionMultiplexer[] connections, string prefix, SharedDeployment deployment, TimeSpan breakDuration, ILoggerFactory? loggers = null, int logged = 0) =>
        [.. connections.Select((connection, index) =>
        {
            LlmRouterBuilder builder = Builder()
                .ConfigureCircuitBreaker(c => { c.MinimumThroughput = 2; c.BreakDuration = breakDuration; })
                .AddDeployment("a", new SharedDeploymentClient(deployment))
                .AddDeployment("b", Client("b"))
                .AddRoute("r", r => r.Deployments = ["a", "b"])
                .UseRedis(connection, o => { o.KeyPrefix = prefix; o.Circuits = true; o.Timeout = TimeSpan.FromSeconds(1); });
            if (index == logged && loggers is not null)
            {
                builder.UseLoggerFactory(loggers);
            }

            return (LlmRouterClient)builder.Build();
        })];

    private static CircuitBreaker Breaker(LlmRouterClient router) => router.Model.FindDeployment("a")!.State.Breaker!;

    /// <summary>Two failed calls open the circuit of 'a' (at least two calls, half of them failed); each is served by 'b'.</summary>
    private static async Task OpenAsync(LlmRouterClient router)
    {
        Assert.Equal("b", await ServedByAsync(router));
        Assert.Equal("b", await ServedByAsync(router));
        Assert.Equal(CircuitState.Open, Breaker(router).State);
    }

    /// <summary>Routers subscribe without waiting; a ping on each subscription's connection comes back after its subscription.</summary>
    private static async Task SubscribedAsync(ConnectionMultiplexer[] connections)
    {
        foreach (ConnectionMultiplexer connection in connections)
        {
            await connection.GetSubscriber().PingAsync();
        }
    }

    /// <summary>
    /// Calls every router in waves until one call reaches the held deployment (the probe: a router claims it in the background
    /// when a call finds the break over, and its next call makes it). Returns the calls still running, the probe among them,
    /// and when the probe arrived.
    /// </summary>
    private static async Task<(List<Task<string>> Running, long Probed)> CallUntilProbedAsync(LlmRouterClient[] routers, SharedDeployment deployment)
    {
        var running = new List<Task<string>>();
        var waiting = Stopwatch.StartNew();
        while (deployment.Calls == 0)
        {
            Assert.True(waiting.Elapsed < GiveUp, "No router probed the deployment.");
            List<Task<string>> wave = Wave(routers, 20);
            running.AddRange(wave);
            await UntilAsync(() => wave.Count(t => !t.IsCompleted) <= deployment.Calls);
            running.RemoveAll(t => t.IsCompletedSuccessfully && t.Result == "b");
            await Task.Delay(5);
        }

        return (running, TimeProvider.System.GetTimestamp());
    }

    private static List<Task<string>> Wave(LlmRouterClient[] routers, int perRouter) =>
        [.. Enumerable.Range(0, perRouter * routers.Length).Select(i => Task.Run(() => ServedByAsync(routers[i % routers.Length])))];

    private static async Task<TimeSpan> UntilAsync(Func<bool> condition) => await UntilAsync(() => Task.FromResult(condition()));

    private static async Task<TimeSpan> UntilAsync(Func<Task<bool>> condition)
    {
        var waited = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(waited.Elapsed < GiveUp, "The state did not spread in time.");
            await Task.Delay(1);
        }

        return waited.Elapsed;
    }

    private static Task PublishCooldownAsync(ConnectionMultiplexer connection, string prefix, string deployment, TimeSpan duration)
    {
        var options = new RedisSharedStateOptions { KeyPrefix = prefix, Timeout = TimeSpan.FromSeconds(5) };
        var cooldowns = new RedisCooldowns(new RedisSharedState(connection, options, () => Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance));
        return cooldowns.PublishAsync(deployment, (long)duration.TotalMilliseconds);
    }

    private static TimeSpan Left(long timestamp) => TimeProvider.System.GetElapsedTime(TimeProvider.System.GetTimestamp(), timestamp);

    private static TimeSpan Elapsed(long since) => TimeProvider.System.GetElapsedTime(since);

    private static async Task DisposeAsync(LlmRouterClient[] routers, ConnectionMultiplexer[] connections)
    {
        foreach (LlmRouterClient router in routers)
        {
            router.Dispose();
        }

        foreach (ConnectionMultiplexer connection in connections)
        {
            await connection.DisposeAsync();
        }
    }

    /// <summary>One deployment as every router's client of it sees it: failing or answering, optionally holding its calls.</summary>
    private sealed class SharedDeployment
    {
        private int _calls;
        private TaskCompletionSource? _held;

        public volatile bool Failing;

        public int Calls => Volatile.Read(ref _calls);

        /// <summary>Holds the calls from now on until <see cref="Release"/>, counting them from zero.</summary>
        public void Hold()
        {
            _held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _calls, 0);
        }

        public void Release(bool failing)
        {
            Failing = failing;
            Interlocked.Exchange(ref _held, null)?.TrySetResult();
        }

        public async Task<ChatResponse> CallAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            if (_held is { } held)
            {
                await held.Task.WaitAsync(cancellationToken);
            }

            if (Failing)
            {
                throw new HttpRequestException("The deployment is down.", null, HttpStatusCode.InternalServerError);
            }

            return new ChatResponse(new ChatMessage(ChatRole.Assistant, "a")) { Usage = new UsageDetails { InputTokenCount = InputTokens, OutputTokenCount = 100 } };
        }
    }

    private sealed class SharedDeploymentClient(SharedDeployment deployment) : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            deployment.CallAsync(cancellationToken);

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            foreach (ChatResponseUpdate update in (await deployment.CallAsync(cancellationToken)).ToChatResponseUpdates())
            {
                yield return update;
            }
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
