using System.Globalization;
using StackExchange.Redis;

namespace LlmRouter;

/// <summary>
/// An <see cref="IBudgetLedger"/> in Redis, shared by every process that uses the same Redis and key prefix: one hash per
/// budget window (and caller) holding the committed (spent plus reserved) and spent totals in units of 10⁻⁸ USD; reserve and
/// settle are one Lua script each, so concurrent processes never overspend together. Every hash expires a minute after its
/// window ends. While Redis is unavailable and the router fails open, reservations are kept in this process.
/// </summary>
/// <remarks>
/// Amounts are rounded up to 10⁻⁸ USD, and totals are exact up to 90 million USD per window. A reservation made in this process
/// during an outage and settled after Redis is back adds its actual cost to Redis's spend without having reserved there.
/// </remarks>
internal sealed class RedisBudgetLedger : IBudgetLedger
{
    private const decimal UnitsPerUsd = 100_000_000m;

    // KEYS[1] the window; ARGV limit, amount (units), expiry (Unix seconds). Returns granted, spent, committed before.
    private const string ReserveScript = """
        local committed = tonumber(redis.call('HGET', KEYS[1], 'c') or '0')
        local spent = tonumber(redis.call('HGET', KEYS[1], 's') or '0')
        local amount = tonumber(ARGV[2])
        if committed + amount > tonumber(ARGV[1]) then
          return {0, spent, committed}
        end
        redis.call('HINCRBY', KEYS[1], 'c', amount)
        redis.call('EXPIREAT', KEYS[1], ARGV[3])
        return {1, spent, committed}
        """;

    // KEYS[1] the window; ARGV reserved, actual (units), expiry (Unix seconds).
    private const string SettleScript = """
        local actual = tonumber(ARGV[2])
        redis.call('HINCRBY', KEYS[1], 'c', actual - tonumber(ARGV[1]))
        redis.call('HINCRBY', KEYS[1], 's', actual)
        redis.call('EXPIREAT', KEYS[1], ARGV[3])
        return 1
        """;

    private const string UsageScript = """
        return {tonumber(redis.call('HGET', KEYS[1], 's') or '0'), tonumber(redis.call('HGET', KEYS[1], 'c') or '0')}
        """;

    private readonly RedisSharedState _redis;
    private readonly InMemoryBudgetLedger _local;

    public RedisBudgetLedger(RedisSharedState redis, TimeProvider time)
    {
        _redis = redis;
        _local = new InMemoryBudgetLedger(time);
    }

    public async ValueTask<BudgetReservation> TryReserveAsync(BudgetKey key, decimal limitUsd, decimal amountUsd, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        RedisResult? result = await _redis.EvaluateAsync(
            ReserveScript, [Key(key)], [Units(limitUsd, roundUp: false), Units(amountUsd, roundUp: true), Expiry(key)], $"budget '{key.Budget}'").ConfigureAwait(false);
        if (result is null)
        {
            return await _local.TryReserveAsync(key, limitUsd, amountUsd, cancellationToken).ConfigureAwait(false);
        }

        var values = (RedisResult[])result!;
        bool granted = (long)values[0] == 1;
        decimal spent = Usd((long)values[1]);
        decimal committed = Usd((long)values[2]);
        return new BudgetReservation(key, granted ? amountUsd : 0, granted, spent, Math.Max(0, committed - spent));
    }

    public async ValueTask SettleAsync(BudgetReservation reservation, decimal actualUsd, CancellationToken cancellationToken)
    {
        if (!reservation.IsGranted)
        {
            return;
        }

        RedisResult? result = await _redis.EvaluateAsync(
            SettleScript,
            [Key(reservation.Key)],
            [Units(reservation.AmountUsd, roundUp: true), Units(actualUsd, roundUp: true), Expiry(reservation.Key)],
            $"budget '{reservation.Key.Budget}'").ConfigureAwait(false);
        if (result is null)
        {
            await _local.SettleAsync(reservation, actualUsd, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask<BudgetUsage> GetUsageAsync(BudgetKey key, CancellationToken cancellationToken)
    {
        RedisResult? result = await _redis.EvaluateAsync(UsageScript, [Key(key)], [], $"budget '{key.Budget}'").ConfigureAwait(false);
        if (result is null)
        {
            return await _local.GetUsageAsync(key, cancellationToken).ConfigureAwait(false);
        }

        var values = (RedisResult[])result!;
        decimal spent = Usd((long)values[0]);
        return new BudgetUsage(spent, Math.Max(0, Usd((long)values[1]) - spent));
    }

    private RedisKey Key(BudgetKey key) =>
        string.Create(CultureInfo.InvariantCulture, $"{_redis.Prefix}budget:{key.Budget}:{key.WindowStart.UtcTicks}:{key.Caller ?? "-"}");

    private static RedisValue Expiry(BudgetKey key) => (key.WindowEnd + RedisSharedStateConstants.BudgetGrace).ToUnixTimeSeconds();

    private static RedisValue Units(decimal usd, bool roundUp)
    {
        decimal units = Math.Max(0, usd) * UnitsPerUsd;
        units = roundUp ? Math.Ceiling(units) : Math.Floor(units);
        return units >= long.MaxValue / 2 ? long.MaxValue / 2 : (long)units;
    }

    private static decimal Usd(long units) => units / UnitsPerUsd;
}
