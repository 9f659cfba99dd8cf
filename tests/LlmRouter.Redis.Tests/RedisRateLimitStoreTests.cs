using System.Diagnostics;
using LlmRouter.Tests.Caching;
using Microsoft.Extensions.AI;
using StackExchange.Redis;
using static LlmRouter.Redis.Tests.SharedRouters;

namespace LlmRouter.Redis.Tests;

/// <summary>Rate limits shared through a real redis-server: one limit for every router, Redis's clock, an expiry on every key.</summary>
public sealed class RedisRateLimitStoreTests : IAsyncLifetime
{
    private readonly RedisServer _server = new();

    public Task InitializeAsync() => _server.InitializeAsync();

    public Task DisposeAsync() => _server.DisposeAsync();

    [Fact]
    public async Task Call_SixtyRpmDeploymentAcrossFourRouters_AdmitsSixtyInTotalNotTwoHundredForty()
    {
        const string prefix = "rpm-test:";
        ConnectionMultiplexer[] connections = await ConnectAsync(_server, 4);
        try
        {
            IChatClient[] routers = [.. connections.Select(connection => Builder()
                .AddDeployment("a", Client("a"), d => d.RequestsPerMinute = 60)
                .AddDeployment("b", Client("b"))
                .AddRoute("r", r => r.Deployments = ["a", "b"])
                .UseRedis(connection, o => { o.KeyPrefix = prefix; o.Timeout = TimeSpan.FromSeconds(5); })
                .Build())];

            var elapsed = Stopwatch.StartNew();
            string[][] served = await Task.WhenAll(routers.Select(router => Task.Run(async () =>
            {
                var names = new string[80];
                for (int i = 0; i < names.Length; i++)
                {
                    names[i] = await ServedByAsync(router);
                }

                return names;
            })));
            elapsed.Stop();

            // The bucket holds 60 and refills one a second (Redis's clock), so the run admits 60 plus one per second it took.
            int byA = served.Sum(names => names.Count(name => name == "a"));
            Assert.InRange(byA, 60, 60 + (int)Math.Ceiling(elapsed.Elapsed.TotalSeconds));
            Assert.Equal(320 - byA, served.Sum(names => names.Count(name => name == "b")));
            Assert.Equal(1, AssertEveryKeyExpires(connections[0], prefix));
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
    public async Task Call_CallerLimitAcrossFourRouters_IsOneLimit()
    {
        const string prefix = "caller-test:";
        ConnectionMultiplexer[] connections = await ConnectAsync(_server, 4);
        try
        {
            IChatClient[] routers = [.. connections.Select(connection => Builder()
                .AddDeployment("a", Client("a"))
                .AddRateLimit("per-user", l => { l.RequestsPerHour = 10; l.TokensPerHour = 100_000; })
                .UseRedis(connection, o => { o.KeyPrefix = prefix; o.Timeout = TimeSpan.FromSeconds(5); })
                .Build())];
            var alice = new ChatOptions { MaxOutputTokens = 100, AdditionalProperties = new() { [LlmRouterRequestProperties.Caller] = "alice" } };

            int served = 0;
            var refusals = new List<RateLimitExceededException>();
            foreach (IChatClient router in routers)
            {
                for (int i = 0; i < 5; i++)
                {
                    try
                    {
                        await router.GetResponseAsync(Hello, alice);
                        served++;
                    }
                    catch (RateLimitExceededException exception)
                    {
                        refusals.Add(exception);
                    }
                }
            }

            // Ten an hour refill one every six minutes: nothing refills during the test.
            Assert.Equal((10, 10), (served, refusals.Count));
            Assert.All(refusals, r => Assert.Equal(("requests", 10L, TimeSpan.FromHours(1)), (r.LimitName, r.Limit, r.Window)));
            Assert.All(refusals, r => Assert.InRange(r.RetryAfter, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(6)));
            Assert.Equal(2, AssertEveryKeyExpires(connections[0], prefix));
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
    public async Task Store_TokensSettledLower_AreGivenBack()
    {
        await using ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(_server.Configuration);
        var options = new RedisSharedStateOptions { KeyPrefix = "settle-test:", Timeout = TimeSpan.FromSeconds(5) };
        var store = new RedisRateLimitStore(new RedisSharedState(connection, options, () => Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance));
        var take = new RateLimitCounter("deployment:a:tokens", 1_000, TimeSpan.FromHours(1), 800);

        RateLimitDecision first = await store.TryAcquireAsync(new[] { take }, CancellationToken.None);
        RateLimitDecision second = await store.TryAcquireAsync(new[] { take }, CancellationToken.None);
        await store.AdjustAsync(take with { Amount = -700 }, CancellationToken.None);
        RateLimitDecision third = await store.TryAcquireAsync(new[] { take }, CancellationToken.None);

        Assert.True(first.Acquired);
        Assert.False(second.Acquired);
        Assert.Equal(0, second.Refused);
        Assert.InRange(second.RetryAfter, TimeSpan.FromMinutes(35), TimeSpan.FromMinutes(36));
        Assert.True(third.Acquired);
        Assert.Equal(1, AssertEveryKeyExpires(connection, "settle-test:"));
    }

    [Fact]
    public async Task Store_SeveralCounters_TakesAllOrNone()
    {
        await using ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(_server.Configuration);
        var options = new RedisSharedStateOptions { KeyPrefix = "atomic-test:", Timeout = TimeSpan.FromSeconds(5) };
        var store = new RedisRateLimitStore(new RedisSharedState(connection, options, () => Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance));
        var requests = new RateLimitCounter("requests", 10, TimeSpan.FromHours(1), 1);
        var tokens = new RateLimitCounter("tokens", 100, TimeSpan.FromHours(1), 60);

        Assert.True((await store.TryAcquireAsync(new[] { requests, tokens }, CancellationToken.None)).Acquired);
        RateLimitDecision refused = await store.TryAcquireAsync(new[] { requests, tokens }, CancellationToken.None);

        Assert.Equal((false, 1), (refused.Acquired, refused.Refused));
        long full = (long)await connection.GetDatabase().StringGetAsync("atomic-test:rate:requests");
        long tokensFull = (long)await connection.GetDatabase().StringGetAsync("atomic-test:rate:tokens");

        // One request of ten an hour is six minutes of the bucket; had the refused call taken its request, it would be twelve.
        Assert.InRange(tokensFull - full, (36 * 60_000_000L) - (6 * 60_000_000L) - 1_000_000, (36 * 60_000_000L) - (6 * 60_000_000L) + 1_000_000);
    }

    [Fact]
    public async Task Call_BudgetAndSharedLimitAskedTogether_DeploymentAtItsLimitGivesItsReservationBack()
    {
        const string prefix = "together-test:";
        await using ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(_server.Configuration);
        var primary = Client("a");
        IChatClient router = Builder()
            .AddDeployment("a", primary, d => { d.RequestsPerMinute = 2; d.Price = new ModelPrice(1m, 10m); })
            .AddDeployment("b", Client("b"), d => d.Price = new ModelPrice(1m, 10m))
            .AddRoute("r", r => r.Deployments = ["a", "b"])
            .AddBudget("total", b => { b.LimitUsd = 1m; b.Window = BudgetWindow.Day; })
            .UseRedis(connection, o => { o.KeyPrefix = prefix; o.Timeout = TimeSpan.FromSeconds(5); })
            .Build();

        string[] served = [await ServedByAsync(router), await ServedByAsync(router), await ServedByAsync(router), await ServedByAsync(router)];

        Assert.Equal(["a", "a", "b", "b"], served);
        Assert.Equal(2, primary.CallCount);
        var spend = router.GetService<IRouterSpend>()!;
        BudgetStatus budget = Assert.Single(await spend.GetBudgetsAsync(caller: null));
        decimal callCost = ((InputTokens * 1m) + (100 * 10m)) / 1_000_000m;

        // Settlements are not awaited by the requests, but each was sent on the connection before the request returned, and Redis
        // answers one connection's commands in order, so this read comes after all of them.
        // The reservations of the calls that found 'a' at its limit were given back: four calls' cost spent, nothing held.
        Assert.Equal((4 * callCost, 0m), (budget.SpentUsd, budget.ReservedUsd));
        Assert.Equal(2, AssertEveryKeyExpires(connection, prefix));
    }
}
