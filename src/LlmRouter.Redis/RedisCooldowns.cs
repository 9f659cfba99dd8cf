using System.Globalization;
using StackExchange.Redis;

namespace LlmRouter;

/// <summary>
/// Cooldowns shared through Redis: a cooldown is published with one script that keeps the latest deadline per deployment
/// (a key of Redis's own clock that expires with the cooldown, so a shorter one never shortens it) and, when it extends that
/// deadline, announces it on a pub/sub channel as a duration; every other router applies it to its deployment of that name.
/// StackExchange.Redis subscribes again on its own after a reconnect.
/// </summary>
/// <remarks>
/// Publishing never delays a request and always fails open: while Redis is down a cooldown stays local, and the other
/// processes find the rate limit on their own.
/// </remarks>
internal sealed class RedisCooldowns : ISharedCooldowns
{
    // KEYS[1] the deployment's deadline (ms of Redis's clock); ARGV duration (ms), channel, message.
    private const string PublishScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local duration = tonumber(ARGV[1])
        local deadline = now + duration
        local current = tonumber(redis.call('GET', KEYS[1]) or '0')
        if deadline <= current then
          return 0
        end
        redis.call('SET', KEYS[1], string.format('%d', deadline), 'PX', duration)
        redis.call('PUBLISH', ARGV[2], ARGV[3])
        return 1
        """;

    private readonly RedisSharedState _redis;
    private readonly RedisChannel _channel;
    private readonly string _instance = Guid.NewGuid().ToString("N");

    public RedisCooldowns(RedisSharedState redis)
    {
        _redis = redis;
        _channel = RedisChannel.Literal(redis.Prefix + "cooldowns");
    }

    public void Publish(string deployment, TimeSpan duration)
    {
        long milliseconds = (long)Math.Ceiling(duration.TotalMilliseconds);
        if (milliseconds > 0)
        {
            _ = PublishAsync(deployment, milliseconds);
        }
    }

    public IDisposable Subscribe(Action<string, TimeSpan> cooledDown)
    {
        ISubscriber subscriber = _redis.Connection.GetSubscriber();
        Action<RedisChannel, RedisValue> handler = (_, message) =>
        {
            if (Parse(message, out string? instance, out long milliseconds, out string? deployment) && instance != _instance)
            {
                cooledDown(deployment, TimeSpan.FromMilliseconds(milliseconds));
            }
        };

        // Not waited for: a router built while Redis is down must not block or fail; the client subscribes again on reconnect.
        _ = subscriber.SubscribeAsync(_channel, handler).ContinueWith(
            static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        return new Subscription(subscriber, _channel, handler);
    }

    /// <summary>Reads <c>{instance}:{milliseconds}:{deployment}</c>; the deployment's name may itself contain colons.</summary>
    private static bool Parse(RedisValue message, out string? instance, out long milliseconds, out string deployment)
    {
        string text = message.ToString();
        int first = text.IndexOf(':', StringComparison.Ordinal);
        int second = first < 0 ? -1 : text.IndexOf(':', first + 1);
        instance = first > 0 ? text[..first] : null;
        deployment = second > 0 ? text[(second + 1)..] : string.Empty;
        milliseconds = 0;
        return second > 0 && deployment.Length > 0 &&
            long.TryParse(text.AsSpan(first + 1, second - first - 1), NumberStyles.None, CultureInfo.InvariantCulture, out milliseconds);
    }

    internal async Task PublishAsync(string deployment, long milliseconds)
    {
        try
        {
            await _redis.EvaluateAsync(
                PublishScript,
                [_redis.Prefix + "cooldown:" + deployment],
                [milliseconds, _channel.ToString(), string.Create(CultureInfo.InvariantCulture, $"{_instance}:{milliseconds}:{deployment}")],
                $"the cooldown of deployment '{deployment}'").ConfigureAwait(false);
        }
        catch (SharedStateUnavailableException)
        {
            // Already logged once for the outage; the cooldown stays local (see the remarks).
        }
    }

    private sealed class Subscription(ISubscriber subscriber, RedisChannel channel, Action<RedisChannel, RedisValue> handler) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                subscriber.Unsubscribe(channel, handler, CommandFlags.FireAndForget);
            }
        }
    }
}
