using StackExchange.Redis;

namespace LlmRouter;

/// <summary>
/// A pub/sub subscription that also catches up: once subscribed, and again whenever the connection is restored, it reads the
/// state in force from Redis (<c>catchUp</c>), so a router started during a cooldown or a break, or one that was cut off while
/// others published, learns of it. StackExchange.Redis subscribes again on its own after a reconnect. Disposing it
/// unsubscribes and stops catching up.
/// </summary>
internal sealed class RedisSubscription : IDisposable
{
    private readonly RedisSharedState _redis;
    private readonly ISubscriber _subscriber;
    private readonly RedisChannel _channel;
    private readonly Action<RedisChannel, RedisValue> _handler;
    private readonly Func<Task> _catchUp;
    private int _disposed;

    public RedisSubscription(RedisSharedState redis, RedisChannel channel, Action<RedisChannel, RedisValue> handler, Func<Task> catchUp)
    {
        _redis = redis;
        _subscriber = redis.Connection.GetSubscriber();
        _channel = channel;
        _handler = handler;
        _catchUp = catchUp;
        redis.Connection.ConnectionRestored += OnRestored;

        // Not waited for: a router built while Redis is down must not block or fail.
        _ = SubscribeAsync();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _redis.Connection.ConnectionRestored -= OnRestored;
            _subscriber.Unsubscribe(_channel, _handler, CommandFlags.FireAndForget);
        }
    }

    private async Task SubscribeAsync()
    {
        try
        {
            await _subscriber.SubscribeAsync(_channel, _handler).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is RedisException or ObjectDisposedException or TimeoutException)
        {
            // Redis is down: the client subscribes again when it reconnects, and the restored connection catches up.
            return;
        }

        await CatchUpAsync().ConfigureAwait(false);
    }

    private void OnRestored(object? sender, ConnectionFailedEventArgs e) => _ = CatchUpAsync();

    private async Task CatchUpAsync()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        try
        {
            await _catchUp().ConfigureAwait(false);
        }
        catch (SharedStateUnavailableException)
        {
            // Already logged once for the outage; the next restored connection catches up.
        }
    }
}
