using LlmRouter;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers an LlmRouter as the application's <see cref="IChatClient"/>, built in code or from configuration.</summary>
/// <remarks>
/// <para>
/// Each method returns a <see cref="ChatClientBuilder"/> whose inner client is the router, as <c>AddChatClient</c> does, so
/// Microsoft.Extensions.AI's steps compose around it: <c>services.AddLlmRouter(configuration).UseFunctionInvocation().UseLogging()</c>.
/// The registered <see cref="IChatClient"/> is the outermost step; the router's <see cref="IRouterHealth"/> and
/// <see cref="IRouterSpend"/> are reachable through its <c>GetService</c> and from the container. A step before the router
/// steers it only through the request's <see cref="LlmRouterRequestProperties"/>.
/// </para>
/// <para>
/// Every registration is a singleton (keyed or not) that the container disposes, with every step, deployment pipeline and
/// deployment client, when it is disposed. The router uses the container's <see cref="TimeProvider"/>, <see cref="ILoggerFactory"/> and <see cref="IBudgetLedger"/>
/// when registered, and is also registered as <see cref="IRouterHealth"/>, <see cref="IRouterSpend"/> and <see cref="IRouterFeedback"/> (keyed alike) unless
/// they already are. Under a host, the router is built
/// when the host starts (<c>ValidateOnStart</c>), so configuration errors stop the application with every problem listed;
/// without one, it is built on first resolution and errors surface as <see cref="LlmRouterConfigurationException"/>.
/// </para>
/// </remarks>
public static class LlmRouterServiceCollectionExtensions
{
    /// <summary>Registers a router built by <paramref name="configure"/> as the singleton <see cref="IChatClient"/>.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Adds deployments and routes to the builder.</param>
    /// <returns>A builder whose inner client is the router, for steps to wrap it (<c>.UseLogging()</c>, …).</returns>
    public static ChatClientBuilder AddLlmRouter(this IServiceCollection services, Action<LlmRouterBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return services.AddLlmRouter((_, builder) => configure(builder));
    }

    /// <summary>
    /// Registers a router built by <paramref name="configure"/>, which can resolve services, as the singleton <see cref="IChatClient"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Adds deployments and routes to the builder, with access to the container.</param>
    /// <returns>A builder whose inner client is the router, for steps to wrap it (<c>.UseLogging()</c>, …).</returns>
    public static ChatClientBuilder AddLlmRouter(this IServiceCollection services, Action<IServiceProvider, LlmRouterBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        ChatClientBuilder pipeline = services.AddChatClient(provider => Build(provider, WithContributions(configure)));
        Register(services, serviceKey: null, keyed: false);
        return pipeline;
    }

    /// <summary>
    /// Registers a router read from <paramref name="configuration"/> (the <c>LlmRouter</c> section: Providers, Deployments, Routes,
    /// DefaultRoute, Retry, CircuitBreaker, Timeouts, Cooldown, Telemetry) as the singleton <see cref="IChatClient"/>, and reloads
    /// it when the configuration changes. A <c>ResponseCache</c> section adds the response cache in front of the router (see
    /// <see cref="ResponseCacheOptions"/>).
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The router's section, such as <c>builder.Configuration.GetSection("LlmRouter")</c>.</param>
    /// <returns>A builder whose inner client is the router, for steps to wrap it (<c>.UseLogging()</c>, …).</returns>
    /// <remarks>
    /// <para>
    /// Provider clients are created with <see cref="ProviderClientFactory"/>; an API key not in configuration comes from the provider
    /// type's environment variable. When the container has an <see cref="IHttpClientFactory"/>, their HTTP clients come from it, named
    /// <c>LlmRouter.{provider}</c> (or the provider's <c>HttpClientName</c>), with a 10-minute timeout unless configured otherwise.
    /// </para>
    /// <para>
    /// On a configuration change, new requests use the new routes and deployments while requests in flight finish on the old ones.
    /// A deployment that keeps its name, provider and model keeps its circuit breaker, cooldown and calls in flight; one whose
    /// provider or model changed starts afresh. An invalid change is logged (event 13) and ignored: the last valid configuration
    /// stays. Clients no longer used are disposed once no request uses them.
    /// </para>
    /// </remarks>
    public static ChatClientBuilder AddLlmRouter(this IServiceCollection services, IConfiguration configuration) =>
        services.AddLlmRouter(configuration, (Action<IServiceProvider, LlmRouterBuilder>?)null);

    /// <summary>
    /// Registers a router read from <paramref name="configuration"/> and completed in code by <paramref name="configure"/> (custom
    /// clients, strategies, classifiers) as the singleton <see cref="IChatClient"/>; see <see cref="AddLlmRouter(IServiceCollection, IConfiguration)"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The router's section.</param>
    /// <param name="configure">Completes the builder after the configuration was read; runs again on every reload.</param>
    /// <returns>A builder whose inner client is the router, for steps to wrap it (<c>.UseLogging()</c>, …).</returns>
    public static ChatClientBuilder AddLlmRouter(this IServiceCollection services, IConfiguration configuration, Action<LlmRouterBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return services.AddLlmRouter(configuration, (_, builder) => configure(builder));
    }

    /// <summary>
    /// Registers a router read from <paramref name="configuration"/> and completed in code, with access to the container, as the
    /// singleton <see cref="IChatClient"/>; see <see cref="AddLlmRouter(IServiceCollection, IConfiguration)"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The router's section.</param>
    /// <param name="configure">Completes the builder after the configuration was read; runs again on every reload. Optional.</param>
    /// <returns>A builder whose inner client is the router, for steps to wrap it (<c>.UseLogging()</c>, …).</returns>
    public static ChatClientBuilder AddLlmRouter(this IServiceCollection services, IConfiguration configuration, Action<IServiceProvider, LlmRouterBuilder>? configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        ChatClientBuilder pipeline = services.AddChatClient(provider => new ConfiguredRouter(provider, configuration, WithContributions(configure)).Build());
        Register(services, serviceKey: null, keyed: false);
        return pipeline.UseConfiguredResponseCache(configuration);
    }

    /// <summary>Registers a router as a keyed singleton <see cref="IChatClient"/>, so one application can hold several.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="serviceKey">The key to resolve the router with (<c>GetRequiredKeyedService&lt;IChatClient&gt;(key)</c>).</param>
    /// <param name="configure">Adds deployments and routes to the builder.</param>
    /// <returns>A builder whose inner client is the router, for steps to wrap it (<c>.UseLogging()</c>, …).</returns>
    public static ChatClientBuilder AddKeyedLlmRouter(this IServiceCollection services, object? serviceKey, Action<LlmRouterBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return services.AddKeyedLlmRouter(serviceKey, (_, builder) => configure(builder));
    }

    /// <summary>Registers a router, built with access to the container, as a keyed singleton <see cref="IChatClient"/>.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="serviceKey">The key to resolve the router with.</param>
    /// <param name="configure">Adds deployments and routes to the builder, with access to the container.</param>
    /// <returns>A builder whose inner client is the router, for steps to wrap it (<c>.UseLogging()</c>, …).</returns>
    public static ChatClientBuilder AddKeyedLlmRouter(this IServiceCollection services, object? serviceKey, Action<IServiceProvider, LlmRouterBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        string? name = RouterName(serviceKey);
        ChatClientBuilder pipeline = services.AddKeyedChatClient(serviceKey, provider => Build(provider, (p, builder) =>
        {
            // The key names the router in telemetry unless the configuration gives it another name.
            builder.ConfigureTelemetry(t => t.RouterName = name);
            configure(p, builder);
        }));
        Register(services, serviceKey, keyed: true);
        return pipeline;
    }

    /// <summary>
    /// Registers a router read from <paramref name="configuration"/> as a keyed singleton <see cref="IChatClient"/>, reloaded when the
    /// configuration changes; see <see cref="AddLlmRouter(IServiceCollection, IConfiguration)"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="serviceKey">The key to resolve the router with.</param>
    /// <param name="configuration">The router's section.</param>
    /// <param name="configure">Completes the builder after the configuration was read, with access to the container; runs again on every reload. Optional.</param>
    /// <returns>A builder whose inner client is the router, for steps to wrap it (<c>.UseLogging()</c>, …).</returns>
    public static ChatClientBuilder AddKeyedLlmRouter(this IServiceCollection services, object? serviceKey, IConfiguration configuration, Action<IServiceProvider, LlmRouterBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        string? name = RouterName(serviceKey);
        ChatClientBuilder pipeline = services.AddKeyedChatClient(serviceKey, provider => new ConfiguredRouter(provider, configuration, configure, routerName: name).Build());
        Register(services, serviceKey, keyed: true);
        return pipeline.UseConfiguredResponseCache(configuration);
    }

    /// <summary>The name a keyed router's telemetry records: its key as text.</summary>
    private static string? RouterName(object? serviceKey) => serviceKey as string ?? serviceKey?.ToString();

    private static IChatClient Build(IServiceProvider provider, Action<IServiceProvider, LlmRouterBuilder> configure)
    {
        LlmRouterBuilder builder = new LlmRouterBuilder().UseServices(provider);
        configure(provider, builder);
        return builder.Build();
    }

    /// <summary>Runs the contributions of companion packages (<see cref="IRouterContribution"/>) to the default router, then the application's callback.</summary>
    private static Action<IServiceProvider, LlmRouterBuilder> WithContributions(Action<IServiceProvider, LlmRouterBuilder>? configure) => (provider, builder) =>
    {
        foreach (IRouterContribution contribution in provider.GetServices<IRouterContribution>())
        {
            contribution.Contribute(builder);
        }

        configure?.Invoke(provider, builder);
    };

    /// <summary>Adds what every registration shares: the health and spend views, the start-up build, the providers' HTTP client defaults.</summary>
    private static void Register(IServiceCollection services, object? serviceKey, bool keyed)
    {
        if (keyed)
        {
            services.TryAddKeyedSingleton<IRouterHealth>(serviceKey, static (provider, key) => Health(provider.GetRequiredKeyedService<IChatClient>(key)));
            services.TryAddKeyedSingleton<IRouterSpend>(serviceKey, static (provider, key) => Spend(provider.GetRequiredKeyedService<IChatClient>(key)));
            services.TryAddKeyedSingleton<IRouterFeedback>(serviceKey, static (provider, key) => Feedback(provider.GetRequiredKeyedService<IChatClient>(key)));
        }
        else
        {
            services.TryAddSingleton<IRouterHealth>(static provider => Health(provider.GetRequiredService<IChatClient>()));
            services.TryAddSingleton<IRouterSpend>(static provider => Spend(provider.GetRequiredService<IChatClient>()));
            services.TryAddSingleton<IRouterFeedback>(static provider => Feedback(provider.GetRequiredService<IChatClient>()));
        }

        string name = LlmRouterStartupValidator.NextName();
        services.AddOptions<LlmRouterStartupCheck>(name).ValidateOnStart();
        services.AddSingleton<IValidateOptions<LlmRouterStartupCheck>>(provider => new LlmRouterStartupValidator(provider, name, serviceKey, keyed));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<HttpClientFactoryOptions>, ProviderHttpClients>());
    }

    private static IRouterSpend Spend(IChatClient client) =>
        client.GetService<IRouterSpend>() ?? throw new InvalidOperationException(
            "The registered IChatClient does not lead to an LlmRouter (no step of its pipeline provides IRouterSpend): a step that answers " +
            "GetService itself must ask its inner client for types it does not know, as DelegatingChatClient does.");

    private static IRouterFeedback Feedback(IChatClient client) =>
        client.GetService<IRouterFeedback>() ?? throw new InvalidOperationException(
            "The registered IChatClient does not lead to an LlmRouter (no step of its pipeline provides IRouterFeedback): a step that answers " +
            "GetService itself must ask its inner client for types it does not know, as DelegatingChatClient does.");

    private static IRouterHealth Health(IChatClient client) =>
        client.GetService<IRouterHealth>() ?? throw new InvalidOperationException(
            "The registered IChatClient does not lead to an LlmRouter (no step of its pipeline provides IRouterHealth): a step that answers " +
            "GetService itself must ask its inner client for types it does not know, as DelegatingChatClient does.");
}
