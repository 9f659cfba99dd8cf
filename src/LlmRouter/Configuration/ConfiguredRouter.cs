using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Primitives;

namespace LlmRouter;

/// <summary>
/// Builds a router from configuration (plus the application's code) and rebuilds its model when the configuration changes:
/// new requests use the new model, requests in flight finish on theirs, deployments that still exist keep their state, and
/// an invalid change is logged and ignored.
/// </summary>
/// <remarks>
/// The application's <c>configure</c> callback runs again on every reload, after the configuration is read. Clients it adds
/// belong to the router: an instance passed again is kept; one no longer passed is disposed once no request uses it.
/// </remarks>
internal sealed class ConfiguredRouter
{
    private readonly IServiceProvider _services;
    private readonly IConfiguration _configuration;
    private readonly Action<IServiceProvider, LlmRouterBuilder>? _configure;
    private readonly Func<string, string?> _environment;
    private readonly ProviderClientCache _clients;
    private readonly ILogger _logger;
    private readonly Lock _reloading = new();
    private LlmRouterClient? _router;

    /// <summary>The name telemetry records when the configuration gives none (a keyed registration's key).</summary>
    private readonly string? _routerName;

    public ConfiguredRouter(
        IServiceProvider services, IConfiguration configuration, Action<IServiceProvider, LlmRouterBuilder>? configure, Func<string, string?>? environment = null, string? routerName = null)
    {
        _routerName = routerName;
        _services = services;
        _configuration = configuration;
        _configure = configure;
        _environment = environment ?? Environment.GetEnvironmentVariable;
        _logger = (services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("LlmRouter");
        TimeProvider time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        IHttpClientFactory? httpClients = services.GetService<IHttpClientFactory>();
        _clients = new ProviderClientCache((options, model, name) => ProviderClientFactory.Create(
            options, model, httpClient: null, httpClients, httpClients is null ? null : name, time, _environment));
    }

    /// <summary>Builds the router and starts watching the configuration.</summary>
    /// <exception cref="LlmRouterConfigurationException">The configuration is invalid; every problem is listed.</exception>
    public LlmRouterClient Build()
    {
        lock (_reloading)
        {
            try
            {
                _router = Configure().BuildClient(reloadable: true);
                _clients.Commit();
            }
            catch
            {
                _clients.Rollback();
                throw;
            }
        }

        _router.OwnReloader(ChangeToken.OnChange(_configuration.GetReloadToken, Reload));
        return _router;
    }

    /// <summary>Reads the configuration again and swaps the router's model; keeps the current one when anything is wrong.</summary>
    public void Reload()
    {
        lock (_reloading)
        {
            LlmRouterClient router = _router!;
            LlmRouterBuilder? builder = null;
            try
            {
                builder = Configure();
                RouterModel next = builder.BuildModel(router.Model);
                router.Telemetry.EnableSensitiveData = builder.Telemetry.EnableSensitiveData;
                _clients.Commit();
                router.Swap(next);
                Log.Reloaded(_logger, next.Deployments.Length, next.RouteCount, builder.KeptStates);
            }
#pragma warning disable CA1031 // A bad reload must never take the router down: it is logged and the last good model stays.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                DisposeUnadopted(builder, router.Model);
                _clients.Rollback();
                Log.ReloadRejected(_logger, exception);
            }
        }
    }

    private LlmRouterBuilder Configure()
    {
        var builder = new LlmRouterBuilder();
        if (_routerName is not null)
        {
            builder.ConfigureTelemetry(t => t.RouterName = _routerName);
        }

        builder.UseServices(_services);
        var reader = new ConfigurationReader();
        reader.Read(_configuration, builder, _clients.Get, _environment);
        if (reader.Errors.Count > 0)
        {
            throw new LlmRouterConfigurationException(reader.Errors);
        }

        _configure?.Invoke(_services, builder);
        return builder;
    }

    /// <summary>Disposes the clients the application's code added for a rejected reload, unless the router uses them.</summary>
    private void DisposeUnadopted(LlmRouterBuilder? builder, RouterModel current)
    {
        if (builder is null)
        {
            return;
        }

        var inUse = new HashSet<IChatClient>(ReferenceEqualityComparer.Instance);
        foreach (Deployment deployment in current.Deployments)
        {
            inUse.Add(deployment.Source);
        }

        foreach (IChatClient client in builder.Clients.Distinct(ReferenceEqualityComparer.Instance).Cast<IChatClient>())
        {
            if (!inUse.Contains(client) && !_clients.Owns(client))
            {
                client.Dispose();
            }
        }
    }
}
