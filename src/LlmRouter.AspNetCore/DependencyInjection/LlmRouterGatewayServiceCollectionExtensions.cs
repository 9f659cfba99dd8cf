using LlmRouter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the options of LlmRouter's OpenAI-compatible endpoint.</summary>
public static class LlmRouterGatewayServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="LlmRouterGatewayOptions"/> read from <paramref name="gateway"/> (usually
    /// <c>configuration.GetSection("LlmRouter:Gateway")</c>): <c>Keys:{name}:Hash|Caller|Routes|Budget|RateLimit</c>,
    /// <c>AllowAnonymous</c>, <c>MaxRequestBodySize</c>; then applies <paramref name="configure"/>. The options are validated at
    /// startup.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="gateway">The gateway's configuration section; an absent section configures no keys.</param>
    /// <param name="configure">Further settings in code, such as <see cref="LlmRouterGatewayOptions.Authenticate"/>; runs again on every reload.</param>
    /// <returns>The services, for chaining.</returns>
    /// <remarks>
    /// <para>
    /// Keys and <see cref="LlmRouterGatewayOptions.AllowAnonymous"/> follow the configuration: an added, removed or changed key
    /// applies to the next request; a change that does not validate is logged (event 81) and the last good keys stay.
    /// <see cref="LlmRouterGatewayOptions.MaxRequestBodySize"/> is read when the endpoints are mapped.
    /// </para>
    /// <para>
    /// A key's <see cref="GatewayKeyOptions.Budget"/> and <see cref="GatewayKeyOptions.RateLimit"/> become a caller budget and a
    /// caller rate limit of the default router for that key's caller alone, added each time the router is built: a router read
    /// from configuration applies changed ones with its own reload; a router built in code, at the next start. Call this once;
    /// a second call replaces the first.
    /// </para>
    /// </remarks>
    /// <exception cref="OptionsValidationException">At startup: a key's hash is malformed, or a value is out of range.</exception>
    public static IServiceCollection AddLlmRouterGateway(this IServiceCollection services, IConfiguration gateway, Action<LlmRouterGatewayOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(gateway);
        services.AddOptions<LlmRouterGatewayOptions>()
            .Configure(options =>
            {
                GatewayConfiguration.Read(gateway, options);
                configure?.Invoke(options);
            })
            .ValidateOnStart();
        return AddKeys(services, () =>
        {
            var options = new LlmRouterGatewayOptions();
            GatewayConfiguration.Read(gateway, options);
            configure?.Invoke(options);
            return options;
        }, gateway.GetReloadToken);
    }

    /// <summary>Registers <see cref="LlmRouterGatewayOptions"/> set in code; they are validated at startup.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">The settings.</param>
    /// <returns>The services, for chaining.</returns>
    /// <remarks>A key's budget and rate limit become the default router's, as with configuration; nothing reloads.</remarks>
    public static IServiceCollection AddLlmRouterGateway(this IServiceCollection services, Action<LlmRouterGatewayOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<LlmRouterGatewayOptions>().Configure(configure).ValidateOnStart();
        return AddKeys(services, () =>
        {
            var options = new LlmRouterGatewayOptions();
            configure(options);
            return options;
        }, changes: null);
    }

    private static IServiceCollection AddKeys(IServiceCollection services, Func<LlmRouterGatewayOptions> read, Func<IChangeToken?>? changes)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LlmRouterGatewayOptions>, GatewayOptionsValidation>());
        services.RemoveAll<GatewayKeySource>();
        services.AddSingleton(provider => new GatewayKeySource(
            read, changes, provider.GetService<ILoggerFactory>()?.CreateLogger("LlmRouter.Gateway") ?? NullLogger.Instance));
        for (int i = services.Count - 1; i >= 0; i--)
        {
            if (services[i].ServiceType == typeof(IRouterContribution) && services[i].ImplementationInstance is GatewayKeyLimits)
            {
                services.RemoveAt(i);
            }
        }

        services.AddSingleton<IRouterContribution>(new GatewayKeyLimits(read));
        return services;
    }
}
