using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace LlmRouter;

/// <summary>
/// Circuits shared through Redis. One hash holds, per deployment whose circuit is open, when its break ends (milliseconds of
/// Redis's own clock); a circuit opened anywhere is written there and announced on a pub/sub channel with its break as a
/// duration. When the break ends, a process that wants to call the deployment claims the probe with one script: refused while
/// the break lasts or while another process holds the probe's lease (a key set only if absent, expiring with the lease),
/// granted otherwise. The probe's outcome closes the circuit (the field and the lease are deleted) or reopens it (a new break)
/// for everyone. Every key expires: the hash a grace period after its latest break ends, each write dropping breaks older
/// than that; a lease when it lapses.
/// </summary>
/// <remarks>
/// Publishing never delays a request. While Redis is unavailable each process keeps its own circuits: with
/// <see cref="SharedStateUnavailableBehavior.FailOpen"/> a claim is granted, so a process probes on its own as it would without
/// shared circuits; with <see cref="SharedStateUnavailableBehavior.FailClosed"/> it is refused, so no probe goes out that the
/// others cannot hear of, and the deployment stays out until Redis answers again.
/// </remarks>
internal sealed partial class RedisCircuits : ISharedCircuits
{
    /// <summary>A circuit whose break ended is remembered this long, so a process started after it still probes before calling.</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(1);

    /// <summary>How long a process that fails closed keeps a deployment out before asking Redis again.</summary>
    private static readonly TimeSpan UnavailableRecheck = TimeSpan.FromSeconds(1);

    // KEYS[1] the breaks, KEYS[2] the probe's lease; ARGV deployment, break (ms), grace (ms), instance, channel, message.
    private const string OpenScript = RedisDeadlines.Extend + """
        if redis.call('GET', KEYS[2]) == ARGV[4] then redis.call('DEL', KEYS[2]) end
        return extend(KEYS[1], ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[5], ARGV[6])
        """;

    // KEYS[1] the breaks, KEYS[2] the probe's lease; ARGV deployment, channel, message.
    private const string CloseScript = """
        redis.call('HDEL', KEYS[1], ARGV[1])
        redis.call('DEL', KEYS[2])
        redis.call('PUBLISH', ARGV[2], ARGV[3])
        return 1
        """;

    // KEYS[1] the breaks, KEYS[2] the probe's lease; ARGV deployment, instance, lease (ms). Returns 0 when granted, else how
    // many ms to keep out: what is left of the break, or of another process's lease.
    private const string ClaimScript = RedisDeadlines.Clock + """
        local deadline = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
        if deadline > now then
          return deadline - now
        end
        local holder = redis.call('GET', KEYS[2])
        if holder and holder ~= ARGV[2] then
          local left = redis.call('PTTL', KEYS[2])
          if left < 1 then left = 1 end
          return left
        end
        redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
        return 0
        """;

    // KEYS[1] the probe's lease; ARGV instance.
    private const string ReleaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
        return 1
        """;

    private readonly RedisSharedState _redis;
    private readonly RedisChannel _channel;
    private readonly RedisKey _breaks;
    private readonly string _instance = Guid.NewGuid().ToString("N");

    public RedisCircuits(RedisSharedState redis)
    {
        _redis = redis;
        _channel = RedisChannel.Literal(redis.Prefix + "circuits");
        _breaks = redis.Prefix + "circuits";
    }

    public void PublishOpened(string deployment, TimeSpan breakDuration)
    {
        long milliseconds = (long)Math.Ceiling(breakDuration.TotalMilliseconds);
        if (milliseconds > 0)
        {
            _ = RunAsync(
                OpenScript,
                [_breaks, Lease(deployment)],
                [deployment, milliseconds, (long)Grace.TotalMilliseconds, _instance, _channel.ToString(), RedisMessage.Format(_instance, milliseconds, deployment)],
                deployment);
        }
    }

    /// <remarks>A close is announced with a duration of zero.</remarks>
    public void PublishClosed(string deployment) =>
        _ = RunAsync(CloseScript, [_breaks, Lease(deployment)], [deployment, _channel.ToString(), RedisMessage.Format(_instance, 0, deployment)], deployment);

    public async ValueTask<ProbeClaim> ClaimProbeAsync(string deployment, TimeSpan lease)
    {
        RedisResult? result;
        try
        {
            result = await _redis.EvaluateAsync(
                ClaimScript, [_breaks, Lease(deployment)], [deployment, _instance, (long)Math.Ceiling(lease.TotalMilliseconds)], What(deployment)).ConfigureAwait(false);
        }
        catch (SharedStateUnavailableException)
        {
            return ProbeClaim.Refuse(UnavailableRecheck);
        }

        if (result is null)
        {
            return ProbeClaim.Grant;
        }

        long keepOut = (long)result;
        return keepOut <= 0 ? ProbeClaim.Grant : ProbeClaim.Refuse(TimeSpan.FromMilliseconds(keepOut));
    }

    public void ReleaseProbe(string deployment) => _ = RunAsync(ReleaseScript, [Lease(deployment)], [_instance], deployment);

    public IDisposable Subscribe(Action<string, TimeSpan> opened, Action<string> closed) =>
        new RedisSubscription(
            _redis,
            _channel,
            (_, message) =>
            {
                if (!RedisMessage.TryParse(message, out string? instance, out long milliseconds, out string? deployment) || instance == _instance)
                {
                    return;
                }

                if (milliseconds == 0)
                {
                    LogClosedElsewhere(_redis.Logger, deployment);
                    closed(deployment);
                }
                else
                {
                    TimeSpan breakDuration = TimeSpan.FromMilliseconds(milliseconds);
                    LogOpenedElsewhere(_redis.Logger, deployment, breakDuration);
                    opened(deployment, breakDuration);
                }
            },
            () => CatchUpAsync(opened));

    [LoggerMessage(EventId = 72, Level = LogLevel.Information,
        Message = "Deployment '{Deployment}': circuit opened by another instance; it is skipped here too for {BreakDuration}.")]
    private static partial void LogOpenedElsewhere(ILogger logger, string deployment, TimeSpan breakDuration);

    [LoggerMessage(EventId = 73, Level = LogLevel.Information,
        Message = "Deployment '{Deployment}': circuit closed by another instance's successful probe.")]
    private static partial void LogClosedElsewhere(ILogger logger, string deployment);

    private RedisKey Lease(string deployment) => _redis.Prefix + "circuit-probe:" + deployment;

    private static string What(string deployment) => $"the circuit of deployment '{deployment}'";

    private async Task RunAsync(string script, RedisKey[] keys, RedisValue[] values, string deployment)
    {
        try
        {
            await _redis.EvaluateAsync(script, keys, values, What(deployment)).ConfigureAwait(false);
        }
        catch (SharedStateUnavailableException)
        {
            // Already logged once for the outage; the circuit stays local (see the remarks).
        }
    }

    private Task CatchUpAsync(Action<string, TimeSpan> opened) => RedisDeadlines.ReadAsync(_redis, _breaks, Grace, "the open circuits", opened);
}
