using LlmRouter;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers an LlmRouter as the application's <see cref="IChatClient"/>.</summary>
public static class LlmRouterServiceCollectionExtensions
{
    /// <summary>
    /// Registers a router built by <paramref name="configure"/> as the singleton <see cref="IChatClient"/>.
    /// The router uses the container's <see cref="TimeProvider"/> and <see cref="ILoggerFactory"/> when registered.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Adds deployments and routes to the builder.</param>
    /// <returns>The service collection.</returns>
    /// <remarks>
    /// The router is built on first resolution; configuration errors surface then as <see cref="LlmRouterConfigurationException"/>.
    /// The container disposes the router, and with it every deployment's client, when it is disposed.
    /// </remarks>
    public static IServiceCollection AddLlmRouter(this IServiceCollection services, Action<LlmRouterBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return services.AddLlmRouter((_, builder) => configure(builder));
    }

    /// <summary>
    /// Registers a router built by <paramref name="configure"/>, which can resolve services, as the singleton <see cref="IChatClient"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Adds deployments and routes to the builder, with access to the container.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddLlmRouter(this IServiceCollection services, Action<IServiceProvider, LlmRouterBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddSingleton<IChatClient>(provider => Build(provider, configure));
        return services;
    }

    /// <summary>Registers a router as a keyed singleton <see cref="IChatClient"/>, so one application can hold several.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="serviceKey">The key to resolve the router with (<c>GetRequiredKeyedService&lt;IChatClient&gt;(key)</c>).</param>
    /// <param name="configure">Adds deployments and routes to the builder.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddKeyedLlmRouter(this IServiceCollection services, object? serviceKey, Action<LlmRouterBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return services.AddKeyedLlmRouter(serviceKey, (_, builder) => configure(builder));
    }

    /// <summary>Registers a router, built with access to the container, as a keyed singleton <see cref="IChatClient"/>.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="serviceKey">The key to resolve the router with.</param>
    /// <param name="configure">Adds deployments and routes to the builder, with access to the container.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddKeyedLlmRouter(this IServiceCollection services, object? serviceKey, Action<IServiceProvider, LlmRouterBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddKeyedSingleton<IChatClient>(serviceKey, (provider, _) => Build(provider, configure));
        return services;
    }

    private static IChatClient Build(IServiceProvider provider, Action<IServiceProvider, LlmRouterBuilder> configure)
    {
        var builder = new LlmRouterBuilder();
        if (provider.GetService<TimeProvider>() is { } timeProvider)
        {
            builder.UseTimeProvider(timeProvider);
        }

        if (provider.GetService<ILoggerFactory>() is { } loggerFactory)
        {
            builder.UseLoggerFactory(loggerFactory);
        }

        configure(provider, builder);
        return builder.Build();
    }
}
