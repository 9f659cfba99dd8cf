using LlmRouter.Tests.Caching;
using Microsoft.Extensions.AI;
using StackExchange.Redis;
using static LlmRouter.Redis.Tests.SharedRouters;

namespace LlmRouter.Redis.Tests;

/// <summary>Budgets shared through a real redis-server: atomic reservations across routers, expiry on every key.</summary>
public sealed class RedisBudgetLedgerTests : IAsyncLifetime
{
    private static readonly ModelPrice Price = new(1m, 10m);
    private static readonly decimal CallCost = ((InputTokens * 1m) + (100 * 10m)) / 1_000_000m;

    private readonly RedisServer _server = new();

    public Task InitializeAsync() => _server.InitializeAsync();

    public Task DisposeAsync() => _server.DisposeAsync();

    [Fact]
    public async Task Call_FourRoutersThousandConcurrentRequests_SpendNoMoreThanTheBudgetPlusOneEstimate()
    {
        const string prefix = "budget-test:";
        ConnectionMultiplexer[] connections = await ConnectAsync(_server, 4);
        try
        {
            IChatClient[] routers = [.. connections.Select(connection => Builder()
                .AddDeployment("a", Client("ok"), d => d.Price = Price)
                .AddBudget("total", b => { b.LimitUsd = 1m; b.Window = BudgetWindow.Day; })
                .UseRedis(connection, o => { o.KeyPrefix = prefix; o.Timeout = TimeSpan.FromSeconds(5); })
                .Build())];

            int served = 0;
            int refused = 0;
            await Task.WhenAll(Enumerable.Range(0, 1_000).Select(i => Task.Run(async () =>
            {
                try
                {
                    await routers[i % routers.Length].GetResponseAsync(Hello, Options);
                    Interlocked.Increment(ref served);
                }
                catch (BudgetExceededException)
                {
                    Interlocked.Increment(ref refused);
                }
            })));

            // Each call costs exactly its estimate, so reservations admit exactly floor($1 / cost): 992, not four times that.
            Assert.Equal(0.001008m, CallCost);
            Assert.True(served * CallCost <= 1m + CallCost, $"{served} calls spent {served * CallCost}.");
            Assert.Equal((992, 8), (served, refused));
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
    public async Task Ledger_ReserveSettleAndUsage_AreSharedAndExpireAfterTheWindow()
    {
        await using ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(_server.Configuration);
        var options = new RedisSharedStateOptions { KeyPrefix = "ledger-test:", Timeout = TimeSpan.FromSeconds(5) };
        var ledger = new RedisBudgetLedger(new RedisSharedState(connection, options, () => Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance), TimeProvider.System);
        DateTimeOffset start = DateTimeOffset.UtcNow;
        var key = new BudgetKey("daily", "alice", start, start.AddMinutes(10));

        BudgetReservation first = await ledger.TryReserveAsync(key, 1m, 0.6m, CancellationToken.None);
        BudgetReservation second = await ledger.TryReserveAsync(key, 1m, 0.6m, CancellationToken.None);
        await ledger.SettleAsync(first, 0.25m, CancellationToken.None);
        BudgetReservation third = await ledger.TryReserveAsync(key, 1m, 0.6m, CancellationToken.None);
        BudgetUsage usage = await ledger.GetUsageAsync(key, CancellationToken.None);

        Assert.True(first.IsGranted);
        Assert.Equal((false, 0m, 0.6m), (second.IsGranted, second.SpentUsd, second.ReservedUsd));
        Assert.True(third.IsGranted);
        Assert.Equal((0.25m, 0.6m), (usage.SpentUsd, usage.ReservedUsd));
        TimeSpan ttl = (await connection.GetDatabase().KeyTimeToLiveAsync("ledger-test:budget:daily:" + start.UtcTicks + ":alice"))!.Value;
        Assert.InRange(ttl, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(11));
    }
}
