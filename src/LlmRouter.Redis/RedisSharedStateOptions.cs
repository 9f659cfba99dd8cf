namespace LlmRouter;

/// <summary>
/// How the router shares its state through Redis (<see cref="RedisSharedStateExtensions.UseRedis(LlmRouterBuilder, string, Action{RedisSharedStateOptions}?)"/>,
/// or the <c>SharedState</c> configuration section): budgets, rate-limit counters, cooldowns and, when asked, circuit breakers.
/// </summary>
public sealed class RedisSharedStateOptions
{
    /// <summary>
    /// Gets or sets the StackExchange.Redis configuration string, for example <c>localhost:6379</c> or
    /// <c>redis.internal:6380,password=…,ssl=true</c>. Never logged nor put in exceptions.
    /// </summary>
    /// <value>The default is <see langword="null"/>: set it, or pass a connection to <c>UseRedis</c>.</value>
    public string? Redis { get; set; }

    /// <summary>Gets or sets the prefix of every key the router writes, so several routers or services can share one Redis.</summary>
    /// <value>The default is <c>llmrouter:</c>.</value>
    public string KeyPrefix { get; set; } = RedisSharedStateConstants.DefaultKeyPrefix;

    /// <summary>Gets or sets what requests do while Redis is down or slower than <see cref="Timeout"/>.</summary>
    /// <value>The default is <see cref="SharedStateUnavailableBehavior.FailOpen"/>: each process goes on with its own limits.</value>
    public SharedStateUnavailableBehavior WhenUnavailable { get; set; }

    /// <summary>Gets or sets how long a request waits for Redis before treating it as unavailable; no request waits longer.</summary>
    /// <value>The default is 50 milliseconds.</value>
    public TimeSpan Timeout { get; set; } = RedisSharedStateConstants.DefaultTimeout;

    /// <summary>
    /// Gets or sets whether cooldowns are shared: a rate limit (429) seen by one process makes every process skip the
    /// deployment until its deadline.
    /// </summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool Cooldowns { get; set; } = true;

    /// <summary>
    /// Gets or sets whether circuit breakers are shared: a circuit opened in one process opens in every process, and when its
    /// break ends exactly one process probes the deployment, whose outcome closes or reopens the circuit everywhere.
    /// </summary>
    /// <value>The default is <see langword="false"/>: each process's circuits are its own.</value>
    public bool Circuits { get; set; }
}
