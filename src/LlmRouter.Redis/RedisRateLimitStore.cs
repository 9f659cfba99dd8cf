using StackExchange.Redis;

namespace LlmRouter;

/// <summary>
/// An <see cref="IRateLimitStore"/> in Redis: each counter is one key holding its bucket's theoretical arrival time (GCRA) in
/// microseconds of Redis's own clock (<c>TIME</c>), so the processes' clocks and their skew do not matter. One script takes
/// every counter of a call or none, in one round trip; each key expires when its bucket would be full again. While Redis is
/// unavailable and the router fails open, it answers <see cref="RateLimitDecision.FallBack"/> and the router counts in
/// its own process.
/// </summary>
internal sealed class RedisRateLimitStore : IRateLimitStore
{
    // KEYS the counters; ARGV limit, window (µs), amount for each. Returns {1, -1, 0} when taken, else {0, index, wait µs}.
    private const string AcquireScript = GcraScript.Prelude + """
        local next, refused, wait = check_counters(#KEYS, 0)
        if next == nil then
          return {0, refused, wait}
        end
        set_counters(next)
        return {1, -1, 0}
        """;

    // KEYS[1] the counter; ARGV limit, window (µs), delta (negative gives back).
    private const string AdjustScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
        local limit = tonumber(ARGV[1])
        local window = tonumber(ARGV[2])
        local delta = tonumber(ARGV[3])
        local amount = math.abs(delta)
        local cost = window
        if amount < limit then cost = math.ceil(amount * window / limit) end
        if delta < 0 then cost = -cost end
        local full = tonumber(redis.call('GET', KEYS[1]) or '0')
        if full < now then full = now end
        local value = full + cost
        if value <= now then
          redis.call('DEL', KEYS[1])
          return 0
        end
        redis.call('SET', KEYS[1], string.format('%d', value), 'PX', math.ceil((value - now) / 1000) + 1)
        return 1
        """;

    private readonly RedisSharedState _redis;

    public RedisRateLimitStore(RedisSharedState redis) => _redis = redis;

    /// <summary>Gets the connection and prefix the counters live under; a ledger of the same one takes them with its budgets.</summary>
    public RedisSharedState State => _redis;

    /// <summary>Writes one counter's key and arguments as the acquire script and the budget ledger's admission script read them.</summary>
    internal static void Add(RedisSharedState redis, in RateLimitCounter counter, RedisKey[] keys, int key, RedisValue[] values, int value)
    {
        keys[key] = redis.Prefix + "rate:" + counter.Key;
        values[value] = counter.Limit;
        values[value + 1] = Microseconds(counter.Window);
        values[value + 2] = Math.Max(0, counter.Amount);
    }

    public async ValueTask<RateLimitDecision> TryAcquireAsync(ReadOnlyMemory<RateLimitCounter> counters, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var keys = new RedisKey[counters.Length];
        var values = new RedisValue[counters.Length * 3];
        for (int i = 0; i < counters.Length; i++)
        {
            Add(_redis, counters.Span[i], keys, i, values, 3 * i);
        }

        RedisResult? result = await _redis.EvaluateAsync(AcquireScript, keys, values, "a rate limit").ConfigureAwait(false);
        if (result is null)
        {
            return RateLimitDecision.FallBack;
        }

        var answer = (RedisResult[])result!;
        return (long)answer[0] == 1
            ? RateLimitDecision.Granted
            : new RateLimitDecision(false, (int)answer[1], TimeSpan.FromTicks((long)answer[2] * 10));
    }

    public async ValueTask AdjustAsync(RateLimitCounter counter, CancellationToken cancellationToken)
    {
        if (counter.Amount == 0)
        {
            return;
        }

        // Fails open quietly: a settlement lost while Redis is down only leaves the counter as it was reserved.
        await _redis.EvaluateAsync(
            AdjustScript, [_redis.Prefix + "rate:" + counter.Key], [counter.Limit, Microseconds(counter.Window), counter.Amount], "a rate limit").ConfigureAwait(false);
    }

    private static long Microseconds(TimeSpan window) => window.Ticks / 10;
}
