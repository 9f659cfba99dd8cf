using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace LlmRouter;

/// <summary>
/// The Redis connection the shared stores use, and what they do when it fails: every call is bounded by
/// <see cref="RedisSharedStateOptions.Timeout"/> (a disconnected client fails at once rather than queueing), an outage is
/// logged once when it begins and once when it ends, and a failure either lets the caller fall back to its own process
/// (<see cref="SharedStateUnavailableBehavior.FailOpen"/>) or throws <see cref="SharedStateUnavailableException"/>.
/// StackExchange.Redis reconnects on its own; sharing resumes with the first call that succeeds. Thread-safe.
/// </summary>
internal sealed partial class RedisSharedState
{
    private readonly IConnectionMultiplexer _connection;
    private readonly Lazy<ILogger> _logger;
    private int _down;

    /// <param name="connection">The connection; its owner disposes it.</param>
    /// <param name="options">The validated options.</param>
    /// <param name="logger">Creates the logger on first use: the builder's logger factory may be set after <c>UseRedis</c>.</param>
    public RedisSharedState(IConnectionMultiplexer connection, RedisSharedStateOptions options, Func<ILogger> logger)
    {
        _connection = connection;
        _logger = new Lazy<ILogger>(logger);
        Prefix = options.KeyPrefix;
        Timeout = options.Timeout;
        FailClosed = options.WhenUnavailable == SharedStateUnavailableBehavior.FailClosed;
    }

    /// <summary>Gets the prefix of every key.</summary>
    public string Prefix { get; }

    public TimeSpan Timeout { get; }

    public bool FailClosed { get; }

    public IConnectionMultiplexer Connection => _connection;

    /// <summary>Gets the logger of the shared state, created on first use.</summary>
    public ILogger Logger => _logger.Value;

    /// <summary>Runs a script; <see langword="null"/> when Redis is unavailable and the router fails open.</summary>
    /// <param name="script">The Lua script (sent by its SHA once Redis knows it).</param>
    /// <param name="keys">The keys it touches.</param>
    /// <param name="values">Its arguments.</param>
    /// <param name="what">What the call is for, in words, for the log and the exception.</param>
    /// <exception cref="SharedStateUnavailableException">Redis is unavailable and the router fails closed.</exception>
    public async Task<RedisResult?> EvaluateAsync(string script, RedisKey[] keys, RedisValue[] values, string what)
    {
        if (!_connection.IsConnected)
        {
            return Unavailable(what, exception: null, timedOut: false);
        }

        Task<RedisResult> call = _connection.GetDatabase().ScriptEvaluateAsync(script, keys, values);
        try
        {
            RedisResult result = await call.WaitAsync(Timeout).ConfigureAwait(false);
            Available();
            return result;
        }
        catch (TimeoutException)
        {
            // The call goes on in the background; its outcome no longer matters, but its failure must be observed.
            _ = call.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            return Unavailable(what, exception: null, timedOut: true);
        }
        catch (Exception exception) when (exception is RedisException or ObjectDisposedException)
        {
            return Unavailable(what, exception, timedOut: false);
        }
    }

    private RedisResult? Unavailable(string what, Exception? exception, bool timedOut)
    {
        string endpoints = string.Join(", ", _connection.GetEndPoints().Select(e => e.ToString()));
        string reason = timedOut ? $"did not answer within {Timeout.TotalMilliseconds:0.#} ms" : exception is null ? "is not connected" : $"failed: {exception.Message}";
        if (Interlocked.Exchange(ref _down, 1) == 0)
        {
            LogUnavailable(_logger.Value, endpoints, reason, FailClosed ? "refused" : "counted in this process until it is back", exception);
        }

        if (FailClosed)
        {
            throw new SharedStateUnavailableException(
                $"The shared state's Redis ({endpoints}) {reason}, so {what} could not be checked; SharedState:WhenUnavailable is FailClosed, " +
                "so the request was refused. Set it to FailOpen to go on with per-process limits while Redis is down.",
                exception);
        }

        return null;
    }

    private void Available()
    {
        if (Volatile.Read(ref _down) != 0 && Interlocked.Exchange(ref _down, 0) != 0)
        {
            LogAvailable(_logger.Value);
        }
    }

    [LoggerMessage(EventId = 70, Level = LogLevel.Warning,
        Message = "The shared state's Redis ({Endpoints}) {Reason}; requests are {Action}.")]
    private static partial void LogUnavailable(ILogger logger, string endpoints, string reason, string action, Exception? exception);

    [LoggerMessage(EventId = 71, Level = LogLevel.Information,
        Message = "The shared state's Redis answers again; budgets, rate limits, cooldowns and circuits are shared again.")]
    private static partial void LogAvailable(ILogger logger);
}
