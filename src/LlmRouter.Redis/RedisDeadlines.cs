using StackExchange.Redis;

namespace LlmRouter;

/// <summary>
/// A hash of deadlines per deployment, in milliseconds of Redis's own clock, as shared cooldowns and shared circuits keep them:
/// a deadline is only ever extended (a shorter one never shortens a longer), each write drops the deadlines a grace period past,
/// the hash expires a grace period after its latest deadline, and an extension is announced on a pub/sub channel. A process
/// reads the deadlines still in force when it subscribes and after each reconnect.
/// </summary>
internal static class RedisDeadlines
{
    /// <summary>Defines <c>now</c>, Redis's clock in milliseconds, for the script that follows.</summary>
    public const string Clock = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        """;

    /// <summary>
    /// <see cref="Clock"/> and <c>extend(key, field, duration, grace, channel, message)</c>: sets the field's deadline to
    /// <c>now + duration</c> unless it is already as late, dropping the deadlines more than <c>grace</c> ms past and keeping the
    /// hash until <c>grace</c> ms after its latest deadline; publishes the message when it extended. Returns 1 when it did, else 0.
    /// </summary>
    public const string Extend = Clock + """
        local function extend(key, field, duration, grace, channel, message)
          local deadline = now + duration
          local all = redis.call('HGETALL', key)
          for i = 1, #all, 2 do
            if tonumber(all[i + 1]) + grace <= now then redis.call('HDEL', key, all[i]) end
          end
          local current = tonumber(redis.call('HGET', key, field) or '0')
          if deadline <= current then
            return 0
          end
          redis.call('HSET', key, field, string.format('%d', deadline))
          if redis.call('PTTL', key) < duration + grace then
            redis.call('PEXPIRE', key, duration + grace)
          end
          redis.call('PUBLISH', channel, message)
          return 1
        end

        """;

    // KEYS[1] the deadlines; ARGV grace (ms). Returns field, milliseconds left (0 when past but within the grace), … .
    private const string ReadScript = Clock + """
        local grace = tonumber(ARGV[1])
        local all = redis.call('HGETALL', KEYS[1])
        local out = {}
        for i = 1, #all, 2 do
          local left = tonumber(all[i + 1]) - now
          if left + grace > 0 then
            out[#out + 1] = all[i]
            out[#out + 1] = math.max(0, left)
          end
        end
        return out
        """;

    /// <summary>
    /// Calls <paramref name="each"/> with every deployment whose deadline is in force, or past by less than
    /// <paramref name="grace"/> (then with <see cref="TimeSpan.Zero"/> left); nothing while Redis is unavailable and the router fails open.
    /// </summary>
    public static async Task ReadAsync(RedisSharedState redis, RedisKey deadlines, TimeSpan grace, string what, Action<string, TimeSpan> each)
    {
        if (await redis.EvaluateAsync(ReadScript, [deadlines], [(long)grace.TotalMilliseconds], what).ConfigureAwait(false) is not { } result)
        {
            return;
        }

        var values = (RedisResult[])result!;
        for (int i = 0; i + 1 < values.Length; i += 2)
        {
            each((string)values[i]!, TimeSpan.FromMilliseconds((long)values[i + 1]));
        }
    }
}
