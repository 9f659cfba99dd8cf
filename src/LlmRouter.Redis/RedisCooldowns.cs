using StackExchange.Redis;

namespace LlmRouter;

/// <summary>
/// Cooldowns shared through Redis: a cooldown is published with one script that keeps the latest deadline per deployment in
/// one hash (deadlines in milliseconds of Redis's own clock; the hash expires with its latest deadline and each write drops
/// the deadlines that have passed, so a shorter cooldown never shortens a longer one and nothing accumulates) and, when it
/// extends that deadline, announces it on a pub/sub channel as a duration; every other router applies it to its deployment of
/// that name. A router reads the cooldowns in force when it subscribes and after each reconnect, so one started during a
/// cooldown learns of it.
/// </summary>
/// <remarks>
/// Publishing never delays a request and always fails open: while Redis is down a cooldown stays local, and the other
/// processes find the rate limit on their own.
/// </remarks>
internal sealed class RedisCooldowns : ISharedCooldowns
{
    // KEYS[1] the deadlines (field: deployment, value: ms of Redis's clock); ARGV deployment, duration (ms), channel, message.
    private const string PublishScript = RedisDeadlines.Extend + """
        return extend(KEYS[1], ARGV[1], tonumber(ARGV[2]), 0, ARGV[3], ARGV[4])
        """;

    private readonly RedisSharedState _redis;
    private readonly RedisChannel _channel;
    private readonly RedisKey _deadlines;
    private readonly string _instance = Guid.NewGuid().ToString("N");

    public RedisCooldowns(RedisSharedState redis)
    {
        _redis = redis;
        _channel = RedisChannel.Literal(redis.Prefix + "cooldowns");
        _deadlines = redis.Prefix + "cooldowns";
    }

    public void Publish(string deployment, TimeSpan duration)
    {
        long milliseconds = (long)Math.Ceiling(duration.TotalMilliseconds);
        if (milliseconds > 0)
        {
            _ = PublishAsync(deployment, milliseconds);
        }
    }

    public IDisposable Subscribe(Action<string, TimeSpan> cooledDown) =>
        new RedisSubscription(
            _redis,
            _channel,
            (_, message) =>
            {
                if (RedisMessage.TryParse(message, out string? instance, out long milliseconds, out string? deployment) && instance != _instance)
                {
                    cooledDown(deployment, TimeSpan.FromMilliseconds(milliseconds));
                }
            },
            () => CatchUpAsync(cooledDown));

    internal async Task PublishAsync(string deployment, long milliseconds)
    {
        try
        {
            await _redis.EvaluateAsync(
                PublishScript,
                [_deadlines],
                [deployment, milliseconds, _channel.ToString(), RedisMessage.Format(_instance, milliseconds, deployment)],
                $"the cooldown of deployment '{deployment}'").ConfigureAwait(false);
        }
        catch (SharedStateUnavailableException)
        {
            // Already logged once for the outage; the cooldown stays local (see the remarks).
        }
    }

    private Task CatchUpAsync(Action<string, TimeSpan> cooledDown) =>
        RedisDeadlines.ReadAsync(_redis, _deadlines, TimeSpan.Zero, "the cooldowns in force", cooledDown);
}
