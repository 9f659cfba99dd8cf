using LlmRouter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the options of LlmRouter's OpenAI-compatible endpoint.</summary>
public static class LlmRouterGatewayServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="LlmRouterGatewayOptions"/> read from <paramref name="gateway"/> (usually
    /// <c>configuration.GetSection("LlmRouter:Gateway")</c>): <c>Keys:{name}:Hash|Caller|Routes</c>, <c>AllowAnonymous</c>,
    /// <c>MaxRequestBodySize</c>; then applies <paramref name="configure"/>. The options are validated at startup.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="gateway">The gateway's configuration section; an absent section configures no keys.</param>
    /// <param name="configure">Further settings in code, such as <see cref="LlmRouterGatewayOptions.Authenticate"/>.</param>
    /// <returns>The services, for chaining.</returns>
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
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LlmRouterGatewayOptions>, GatewayOptionsValidation>());
        return services;
    }

    /// <summary>Registers <see cref="LlmRouterGatewayOptions"/> set in code; they are validated at startup.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">The settings.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddLlmRouterGateway(this IServiceCollection services, Action<LlmRouterGatewayOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<LlmRouterGatewayOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LlmRouterGatewayOptions>, GatewayOptionsValidation>());
        return services;
    }
}
