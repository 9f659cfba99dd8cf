using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace LlmRouter;

/// <summary>Shares a router's budgets, rate limits, cooldowns and (when asked) circuit breakers through Redis, with the builder or the service container.</summary>
public static class RedisSharedStateExtensions
{
    /// <summary>
    /// Shares the router's budgets, rate-limit counters, cooldowns and, with <see cref="RedisSharedStateOptions.Circuits"/>,
    /// circuit breakers with every process that uses the same Redis and key prefix. Connects once per configuration string in the process; the connection reconnects on its own.
    /// </summary>
    /// <param name="builder">The router's builder.</param>
    /// <param name="configuration">The StackExchange.Redis configuration string, for example <c>localhost:6379</c>.</param>
    /// <param name="configure">Sets the key prefix, the timeout and what happens while Redis is unavailable.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="configuration"/> is <see langword="null"/>.</exception>
    /// <exception cref="LlmRouterConfigurationException">An option is invalid; every problem is listed.</exception>
    public static LlmRouterBuilder UseRedis(this LlmRouterBuilder builder, string configuration, Action<RedisSharedStateOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new RedisSharedStateOptions { Redis = configuration };
        configure?.Invoke(options);
        RedisSharedStateConfiguration.Validate(options, connectionGiven: false);
        return Use(builder, RedisConnections.Get(options.Redis!), options);
    }

    /// <summary>Shares the router's budgets, rate-limit counters, cooldowns and (when asked) circuit breakers through an existing connection.</summary>
    /// <param name="builder">The router's builder.</param>
    /// <param name="connection">The connection; its owner disposes it, after the router.</param>
    /// <param name="configure">Sets the key prefix, the timeout and what happens while Redis is unavailable.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="connection"/> is <see langword="null"/>.</exception>
    /// <exception cref="LlmRouterConfigurationException">An option is invalid; every problem is listed.</exception>
    public static LlmRouterBuilder UseRedis(this LlmRouterBuilder builder, IConnectionMultiplexer connection, Action<RedisSharedStateOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(connection);
        var options = new RedisSharedStateOptions();
        configure?.Invoke(options);
        RedisSharedStateConfiguration.Validate(options, connectionGiven: true);
        return Use(builder, connection, options);
    }

    /// <summary>
    /// Registers the shared stores that the <c>SharedState</c> section of <paramref name="section"/> (the <c>LlmRouter</c>
    /// section) describes, for the routers <c>AddLlmRouter</c> builds from the container: <c>"SharedState": { "Redis":
    /// "localhost:6379", "KeyPrefix": "llmrouter:", "WhenUnavailable": "FailOpen", "Timeout": "00:00:00.050", "Cooldowns": true,
    /// "Circuits": false }</c>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="section">The <c>LlmRouter</c> configuration section.</param>
    /// <returns>The service collection.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="section"/> is <see langword="null"/>.</exception>
    /// <exception cref="LlmRouterConfigurationException">The section is missing or invalid; every problem is listed with its key.</exception>
    public static IServiceCollection AddLlmRouterRedis(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        RedisSharedStateOptions options = RedisSharedStateConfiguration.Read(section.GetSection("SharedState"));
        services.AddSingleton(provider => new RedisSharedState(
            RedisConnections.Get(options.Redis!),
            options,
            () => (provider.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("LlmRouter.Redis")));
        services.AddSingleton<IBudgetLedger>(provider => new RedisBudgetLedger(provider.GetRequiredService<RedisSharedState>(), provider.GetService<TimeProvider>() ?? TimeProvider.System));
        services.AddSingleton<IRateLimitStore>(provider => new RedisRateLimitStore(provider.GetRequiredService<RedisSharedState>()));
        if (options.Cooldowns)
        {
            services.AddSingleton<ISharedCooldowns>(provider => new RedisCooldowns(provider.GetRequiredService<RedisSharedState>()));
        }

        if (options.Circuits)
        {
            services.AddSingleton<ISharedCircuits>(provider => new RedisCircuits(provider.GetRequiredService<RedisSharedState>()));
        }

        return services;
    }

    private static LlmRouterBuilder Use(LlmRouterBuilder builder, IConnectionMultiplexer connection, RedisSharedStateOptions options)
    {
        var state = new RedisSharedState(connection, options, () => builder.LoggerFactory.CreateLogger("LlmRouter.Redis"));
        builder
            .UseBudgetLedger(new RedisBudgetLedger(state, TimeProvider.System))
            .UseRateLimitStore(new RedisRateLimitStore(state));
        if (options.Cooldowns)
        {
            builder.UseSharedCooldowns(new RedisCooldowns(state));
        }

        return options.Circuits ? builder.UseSharedCircuits(new RedisCircuits(state)) : builder;
    }
}
