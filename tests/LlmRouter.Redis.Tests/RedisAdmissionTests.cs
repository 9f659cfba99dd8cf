using System.Globalization;
using LlmRouter.Tests.Caching;
using Microsoft.Extensions.AI;
using StackExchange.Redis;
using static LlmRouter.Redis.Tests.SharedRouters;

namespace LlmRouter.Redis.Tests;

/// <summary>
/// Everything a request takes through Redis before its call (caller limits, the deployment's requests and tokens, every
/// budget) goes in one script call, against a real redis-server: counted with Redis's own command statistics, and all or none.
/// </summary>
public sealed class RedisAdmissionTests : IAsyncLifetime
{
    private static readonly ChatOptions Alice = new() { MaxOutputTokens = 100, AdditionalProperties = new() { [LlmRouterRequestProperties.Caller] = "alice" } };

    private readonly RedisServer _server = new();

    public Task InitializeAsync() => _server.InitializeAsync();

    public Task DisposeAsync() => _server.DisposeAsync();

    [Fact]
    public async Task Call_CallerLimitsDeploymentLimitsAndThreeBudgets_OneScriptCallBeforeTheProviderIsCalled()
    {
        await using ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(_server.Configuration);
        await using ConnectionMultiplexer admin = await ConnectionMultiplexer.ConnectAsync(_server.Configuration + ",allowAdmin=true");
        IServer server = admin.GetServer(admin.GetEndPoints()[0]);
        var scriptsAtCall = new List<long>();
        var deployment = new CountingClient(async () =>
        {
            long scripts = await ScriptCallsAsync(server);
            lock (scriptsAtCall)
            {
                scriptsAtCall.Add(scripts);
            }
        });
        IChatClient router = Builder()
            .AddDeployment("a", deployment, d => { d.RequestsPerMinute = 100; d.TokensPerMinute = 1_000_000; d.Price = new ModelPrice(1m, 10m); })
            .AddRateLimit("per-user", l => { l.RequestsPerMinute = 100; l.TokensPerHour = 1_000_000; })
            .AddRateLimit("per-user-hourly", l => l.RequestsPerHour = 1_000)
            .AddBudget("total", b => b.LimitUsd = 10m)
            .AddBudget("per-user", b => { b.Scope = BudgetScope.Caller; b.LimitUsd = 1m; })
            .AddBudget("of-a", b => { b.Scope = BudgetScope.Deployment; b.Target = "a"; b.LimitUsd = 5m; })
            .UseRedis(connection, o => { o.KeyPrefix = "one-trip-test:"; o.Timeout = TimeSpan.FromSeconds(5); o.Cooldowns = false; })
            .Build();

        // The first request loads the scripts; the second is the one counted.
        await router.GetResponseAsync(Hello, Alice);
        await UntilNoScriptRunsAsync(server);
        await server.ExecuteAsync("CONFIG", "RESETSTAT");
        await router.GetResponseAsync(Hello, Alice);

        Assert.Equal(1, scriptsAtCall[^1]);
        AssertEveryKeyExpires(connection, "one-trip-test:");
    }

    [Fact]
    public async Task Call_BudgetRefuses_NoCounterIsTaken()
    {
        const string prefix = "budget-refuses-test:";
        await using ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(_server.Configuration);
        var deployment = new CountingClient(() => Task.CompletedTask);
        IChatClient router = Builder()
            .AddDeployment("a", deployment, d => { d.RequestsPerMinute = 100; d.Price = new ModelPrice(1m, 10m); })
            .AddRateLimit("per-user", l => l.RequestsPerMinute = 100)
            .AddBudget("tiny", b => b.LimitUsd = 0.000001m)
            .UseRedis(connection, o => { o.KeyPrefix = prefix; o.Timeout = TimeSpan.FromSeconds(5); o.Cooldowns = false; })
            .Build();

        await Assert.ThrowsAsync<BudgetExceededException>(() => router.GetResponseAsync(Hello, Alice));

        Assert.Equal(0, deployment.Calls);
        Assert.Equal(0, AssertEveryKeyExpires(connection, prefix + "rate:"));
        Assert.Equal(0, AssertEveryKeyExpires(connection, prefix));
    }

    [Fact]
    public async Task Call_CallerLimitRefuses_NothingElseIsTakenAndTheLimitIsNamed()
    {
        const string prefix = "caller-refuses-test:";
        await using ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(_server.Configuration);
        var deployment = new CountingClient(() => Task.CompletedTask);

        // Two a minute: the deployment's counter lives 30 s after the first call, so comparing it before and after the refused
        // call cannot race its expiry (at 100 a minute it expired 0.6 s after the call, and a slow machine read it gone).
        IChatClient router = Builder()
            .AddDeployment("a", deployment, d => { d.RequestsPerMinute = 2; d.Price = new ModelPrice(1m, 10m); })
            .AddRateLimit("per-user", l => l.RequestsPerMinute = 1)
            .AddBudget("total", b => b.LimitUsd = 10m)
            .UseRedis(connection, o => { o.KeyPrefix = prefix; o.Timeout = TimeSpan.FromSeconds(5); o.Cooldowns = false; })
            .Build();
        await router.GetResponseAsync(Hello, Alice);
        IDatabase database = connection.GetDatabase();
        RedisValue deploymentBucket = await database.StringGetAsync(prefix + "rate:deployment:a:requests");
        HashEntry[] budget = await Budget(connection, prefix);

        RateLimitExceededException exception = await Assert.ThrowsAsync<RateLimitExceededException>(() => router.GetResponseAsync(Hello, Alice));

        Assert.Equal(1, deployment.Calls);
        Assert.Equal(1, exception.Limit);
        Assert.Equal(deploymentBucket, await database.StringGetAsync(prefix + "rate:deployment:a:requests"));
        Assert.Equal(budget.OrderBy(e => e.Name.ToString(), StringComparer.Ordinal), (await Budget(connection, prefix)).OrderBy(e => e.Name.ToString(), StringComparer.Ordinal));
    }

    [Fact]
    public async Task Call_BudgetsOnlyThroughRedis_OneScriptCallForEveryBudget()
    {
        await using ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(_server.Configuration);
        await using ConnectionMultiplexer admin = await ConnectionMultiplexer.ConnectAsync(_server.Configuration + ",allowAdmin=true");
        IServer server = admin.GetServer(admin.GetEndPoints()[0]);
        long atCall = -1;
        IChatClient router = Builder()
            .AddDeployment("a", new CountingClient(async () => atCall = await ScriptCallsAsync(server)), d => d.Price = new ModelPrice(1m, 10m))
            .AddBudget("total", b => b.LimitUsd = 10m)
            .AddBudget("hourly", b => { b.LimitUsd = 1m; b.Window = BudgetWindow.Hour; })
            .AddBudget("per-user", b => { b.Scope = BudgetScope.Caller; b.LimitUsd = 1m; })
            .UseRedis(connection, o => { o.KeyPrefix = "budgets-only-test:"; o.Timeout = TimeSpan.FromSeconds(5); o.Cooldowns = false; })
            .Build();
        await router.GetResponseAsync(Hello, Alice);
        await UntilNoScriptRunsAsync(server);
        await server.ExecuteAsync("CONFIG", "RESETSTAT");

        await router.GetResponseAsync(Hello, Alice);

        Assert.Equal(1, atCall);
        var spend = router.GetService<IRouterSpend>()!;
        Assert.Equal(3, (await spend.GetBudgetsAsync(caller: "alice")).Count);
    }

    [Fact]
    public async Task Call_RedisKilled_CallerLimitDeploymentLimitAndBudgetGoOnInThisProcessWithoutHanging()
    {
        await using ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(_server.Configuration);
        var deployment = new CountingClient(() => Task.CompletedTask);
        IChatClient router = Builder()
            .AddDeployment("a", deployment, d => { d.RequestsPerMinute = 100; d.Price = new ModelPrice(1m, 10m); })
            .AddRateLimit("per-user", l => l.RequestsPerMinute = 2)
            .AddBudget("total", b => b.LimitUsd = 10m)
            .UseRedis(connection, o => { o.KeyPrefix = "admission-outage-test:"; o.Cooldowns = false; })
            .Build();
        _server.Stop();

        // Counted here: the caller's two requests a minute, then its limit; the budget is reserved and settled here too.
        await router.GetResponseAsync(Hello, Alice).WaitAsync(TimeSpan.FromSeconds(20));
        await router.GetResponseAsync(Hello, Alice).WaitAsync(TimeSpan.FromSeconds(20));
        RateLimitExceededException exception = await Assert.ThrowsAsync<RateLimitExceededException>(
            () => router.GetResponseAsync(Hello, Alice).WaitAsync(TimeSpan.FromSeconds(20)));

        Assert.Equal(2, exception.Limit);
        Assert.Equal(2, deployment.Calls);
        Assert.Equal(0, ((LlmRouterClient)router).Model.Deployments[0].InFlight);
        BudgetStatus budget = Assert.Single(await router.GetService<IRouterSpend>()!.GetBudgetsAsync(caller: null));
        Assert.Equal(2 * ((InputTokens * 1m) + (100 * 10m)) / 1_000_000m, budget.SpentUsd);
    }

    /// <summary>
    /// Waits until Redis has run no script for 300 ms (10 s at most): a call's settlements are sent after its answer without
    /// being waited for, and one landing after the statistics are reset would be counted with the next call's admission.
    /// </summary>
    private static async Task UntilNoScriptRunsAsync(IServer server)
    {
        long seen = await ScriptCallsAsync(server);
        var quiet = System.Diagnostics.Stopwatch.StartNew();
        var giveUp = System.Diagnostics.Stopwatch.StartNew();
        while (quiet.ElapsedMilliseconds < 300 && giveUp.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(25);
            long now = await ScriptCallsAsync(server);
            if (now != seen)
            {
                seen = now;
                quiet.Restart();
            }
        }
    }

    /// <summary>How many scripts Redis ran since its statistics were reset (EVAL and EVALSHA).</summary>
    private static async Task<long> ScriptCallsAsync(IServer server)
    {
        long calls = 0;
        foreach (IGrouping<string, KeyValuePair<string, string>> section in await server.InfoAsync("commandstats"))
        {
            foreach (KeyValuePair<string, string> command in section)
            {
                if (command.Key is "cmdstat_eval" or "cmdstat_evalsha")
                {
                    string text = command.Value;
                    int start = text.IndexOf("calls=", StringComparison.Ordinal) + "calls=".Length;
                    int end = text.IndexOf(',', start);
                    calls += long.Parse(text.AsSpan(start, end - start), CultureInfo.InvariantCulture);
                }
            }
        }

        return calls;
    }

    private static async Task<HashEntry[]> Budget(ConnectionMultiplexer connection, string prefix)
    {
        IServer server = connection.GetServer(connection.GetEndPoints()[0]);
        RedisKey key = Assert.Single(server.Keys(pattern: prefix + "budget:*"));
        return await connection.GetDatabase().HashGetAllAsync(key);
    }

    /// <summary>A deployment that runs <paramref name="onCall"/> when called, then answers with the usage its estimate predicted.</summary>
    private sealed class CountingClient(Func<Task> onCall) : IChatClient
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            await onCall();
            return new ChatResponse(new ChatMessage(ChatRole.Assistant, "a")) { Usage = new UsageDetails { InputTokenCount = InputTokens, OutputTokenCount = 100 } };
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("These tests call the router without streaming.");

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
