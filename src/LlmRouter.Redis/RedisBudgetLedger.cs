using System.Globalization;
using StackExchange.Redis;

namespace LlmRouter;

/// <summary>
/// An <see cref="IBudgetLedger"/> in Redis, shared by every process that uses the same Redis and key prefix: one hash per
/// budget window (and caller) holding the committed (spent plus reserved) and spent totals in units of 10⁻⁸ USD; reserve and
/// settle are one Lua script each, so concurrent processes never overspend together. Every hash expires a minute after its
/// window ends. While Redis is unavailable and the router fails open, reservations are kept in this process. With the rate-limit
/// store of the same connection and prefix, a call's counters and every budget's reservation go in one script
/// (<see cref="ISharedAdmission"/>): one round trip, all or none.
/// </summary>
/// <remarks>
/// Amounts are rounded up to 10⁻⁸ USD, and totals are exact up to 90 million USD per window. A reservation made in this process
/// during an outage and settled after Redis is back adds its actual cost to Redis's spend without having reserved there.
/// </remarks>
internal sealed class RedisBudgetLedger : IBudgetLedger, ISharedAdmission
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

    // KEYS the counters, then the budgets' windows; ARGV the number of counters, limit, window (µs) and amount for each
    // counter, then limit, amount (units) and expiry (Unix seconds) for each budget. Everything is checked before anything is
    // taken. Returns {0, -1, 0, spent, committed before, …} when all was taken (each budget's totals), {1, index, wait µs}
    // when a counter refused, {2, index, 0, spent, committed} when a budget did.
    private const string AdmitScript = GcraScript.Prelude + """
        local n = tonumber(ARGV[1])
        local next, refused, wait = check_counters(n, 1)
        if next == nil then
          return {1, refused, wait}
        end
        local totals = {0, -1, 0}
        for j = 1, #KEYS - n do
          local key = KEYS[n + j]
          local a = 3 * n + 3 * j - 1
          local committed = tonumber(redis.call('HGET', key, 'c') or '0')
          local spent = tonumber(redis.call('HGET', key, 's') or '0')
          if committed + tonumber(ARGV[a + 1]) > tonumber(ARGV[a]) then
            return {2, j - 1, 0, spent, committed}
          end
          totals[#totals + 1] = spent
          totals[#totals + 1] = committed
        end
        set_counters(next)
        for j = 1, #KEYS - n do
          local a = 3 * n + 3 * j - 1
          redis.call('HINCRBY', KEYS[n + j], 'c', ARGV[a + 1])
          redis.call('EXPIREAT', KEYS[n + j], ARGV[a + 2])
        end
        return totals
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

    public bool Keeps(IRateLimitStore store) => store is RedisRateLimitStore counters && ReferenceEquals(counters.State, _redis);

    public async ValueTask<SharedAdmissionDecision> TryAdmitAsync(RateLimitCounter[] counters, BudgetAsk[] budgets, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var keys = new RedisKey[counters.Length + budgets.Length];
        var values = new RedisValue[1 + (3 * counters.Length) + (3 * budgets.Length)];
        values[0] = counters.Length;
        for (int i = 0; i < counters.Length; i++)
        {
            RedisRateLimitStore.Add(_redis, counters[i], keys, i, values, 1 + (3 * i));
        }

        for (int j = 0; j < budgets.Length; j++)
        {
            BudgetAsk ask = budgets[j];
            int value = 1 + (3 * counters.Length) + (3 * j);
            keys[counters.Length + j] = Key(ask.Key);
            values[value] = Units(ask.LimitUsd, roundUp: false);
            values[value + 1] = Units(ask.AmountUsd, roundUp: true);
            values[value + 2] = Expiry(ask.Key);
        }

        RedisResult? result = await _redis.EvaluateAsync(AdmitScript, keys, values, budgets.Length > 0 ? "the budgets and rate limits" : "a rate limit").ConfigureAwait(false);
        if (result is null)
        {
            return await AdmitLocallyAsync(budgets, cancellationToken).ConfigureAwait(false);
        }

        var answer = (RedisResult[])result!;
        switch ((long)answer[0])
        {
            case 1:
                return new SharedAdmissionDecision((int)answer[1], TimeSpan.FromTicks((long)answer[2] * 10), -1, [], CountersUnavailable: false);

            case 2:
                int refused = (int)answer[1];
                var reservations = new BudgetReservation[budgets.Length];
                decimal spent = Usd((long)answer[3]);
                reservations[refused] = new BudgetReservation(budgets[refused].Key, 0, false, spent, Math.Max(0, Usd((long)answer[4]) - spent));
                return new SharedAdmissionDecision(-1, TimeSpan.Zero, refused, reservations, CountersUnavailable: false);

            default:
                var granted = new BudgetReservation[budgets.Length];
                for (int j = 0; j < budgets.Length; j++)
                {
                    decimal before = Usd((long)answer[3 + (2 * j)]);
                    granted[j] = new BudgetReservation(budgets[j].Key, budgets[j].AmountUsd, true, before, Math.Max(0, Usd((long)answer[4 + (2 * j)]) - before));
                }

                return new SharedAdmissionDecision(-1, TimeSpan.Zero, -1, granted, CountersUnavailable: false);
        }
    }

    /// <summary>Redis is unavailable and the router fails open: the budgets are reserved in this process, all or none; the counters are left to the router.</summary>
    private async ValueTask<SharedAdmissionDecision> AdmitLocallyAsync(BudgetAsk[] budgets, CancellationToken cancellationToken)
    {
        var reservations = new BudgetReservation[budgets.Length];
        for (int j = 0; j < budgets.Length; j++)
        {
            BudgetReservation reservation = await _local.TryReserveAsync(budgets[j].Key, budgets[j].LimitUsd, budgets[j].AmountUsd, cancellationToken).ConfigureAwait(false);
            if (!reservation.IsGranted)
            {
                for (int k = 0; k < j; k++)
                {
                    await _local.SettleAsync(reservations[k], 0, CancellationToken.None).ConfigureAwait(false);
                }

                var refused = new BudgetReservation[budgets.Length];
                refused[j] = reservation;
                return new SharedAdmissionDecision(-1, TimeSpan.Zero, j, refused, CountersUnavailable: true);
            }

            reservations[j] = reservation;
        }

        return new SharedAdmissionDecision(-1, TimeSpan.Zero, -1, reservations, CountersUnavailable: true);
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
