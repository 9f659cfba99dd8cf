using LlmRouter;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Primitives;

namespace Microsoft.Extensions.AI;

/// <summary>Adds the response cache to a <see cref="ChatClientBuilder"/>, such as the one <c>AddLlmRouter</c> returns.</summary>
public static class ResponseCacheChatClientBuilderExtensions
{
    /// <summary>
    /// Adds the response cache in front of the clients added so far (the router, when called on the builder <c>AddLlmRouter</c>
    /// returns): a request answered before is served from the cache, with no cost and the stored call's usage; see
    /// <see cref="ResponseCacheOptions"/>.
    /// </summary>
    /// <param name="builder">The pipeline builder.</param>
    /// <param name="configure">Sets the cache's options; optional.</param>
    /// <returns><paramref name="builder"/>.</returns>
    /// <remarks>
    /// The store is the container's <see cref="IDistributedCache"/> when one is registered (a Redis one shares answers between
    /// processes), else an in-memory one of this step's own (at most 200 MB). Time comes from the container's
    /// <see cref="TimeProvider"/>, logs go to its <see cref="ILoggerFactory"/> under the category <c>LlmRouter</c>. Routes with a
    /// semantic cache (<see cref="ResponseCacheRouteOptions.Semantic"/>) embed with the container's
    /// <c>IEmbeddingGenerator&lt;string, Embedding&lt;float&gt;&gt;</c>, which must be registered (else building the pipeline throws
    /// <see cref="InvalidOperationException"/>), and look up in its <see cref="ISemanticCacheIndex"/>, else in a bounded in-memory one.
    /// </remarks>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem.</exception>
    public static ChatClientBuilder UseResponseCache(this ChatClientBuilder builder, Action<ResponseCacheOptions>? configure = null) =>
        builder.UseResponseCache(cache: null, configure);

    /// <summary>Adds the response cache over <paramref name="cache"/>; see <see cref="UseResponseCache(ChatClientBuilder, Action{ResponseCacheOptions}?)"/>.</summary>
    /// <param name="builder">The pipeline builder.</param>
    /// <param name="cache">The store of answers; <see langword="null"/> takes the container's, else an in-memory one. The caller keeps ownership: the step does not dispose it.</param>
    /// <param name="configure">Sets the cache's options; optional.</param>
    /// <returns><paramref name="builder"/>.</returns>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem.</exception>
    public static ChatClientBuilder UseResponseCache(this ChatClientBuilder builder, IDistributedCache? cache, Action<ResponseCacheOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new ResponseCacheOptions();
        configure?.Invoke(options);
        ResponseCacheSettings settings = ResponseCacheSettings.From(options);
        return builder.Use((inner, services) => Create(inner, services, cache, settings));
    }

    /// <summary>
    /// Adds the response cache read from the router's configuration section (<c>ResponseCache</c>) when the section is present when
    /// the pipeline is built. A change to the section (a reloaded file) applies to the requests that begin after it, as the router's
    /// own settings do; a changed section with a problem is logged and the previous settings stay; a removed section turns the
    /// cache off.
    /// </summary>
    /// <exception cref="LlmRouterConfigurationException">The section is invalid (when the pipeline is built); every problem is listed.</exception>
    internal static ChatClientBuilder UseConfiguredResponseCache(this ChatClientBuilder builder, IConfiguration configuration)
    {
        IConfigurationSection section = configuration.GetSection("ResponseCache");
        if (!section.Exists())
        {
            return builder;
        }

        return builder.Use((inner, services) =>
        {
            ResponseCacheChatClient client = Create(inner, services, cache: null, Read(section));
            client.OwnReloader(ChangeToken.OnChange(configuration.GetReloadToken, () =>
            {
                try
                {
                    client.UseSettings(Read(section));
                    CacheLog.Reloaded(client.Logger);
                }
#pragma warning disable CA1031 // A bad reload never takes the cache down: it is logged and the last good settings stay.
                catch (Exception exception)
#pragma warning restore CA1031
                {
                    CacheLog.ReloadRejected(client.Logger, exception);
                }
            }));
            return client;
        });
    }

    /// <summary>Reads the section's settings; an absent section is a cache turned off.</summary>
    /// <exception cref="LlmRouterConfigurationException">The section is invalid; every problem is listed.</exception>
    private static ResponseCacheSettings Read(IConfigurationSection section)
    {
        var reader = new ConfigurationReader();
        ResponseCacheOptions options = reader.ReadResponseCache(section) ?? new ResponseCacheOptions { Enabled = false };
        if (reader.Errors.Count > 0)
        {
            throw new LlmRouterConfigurationException(reader.Errors);
        }

        return ResponseCacheSettings.From(options);
    }

    private static ResponseCacheChatClient Create(IChatClient inner, IServiceProvider services, IDistributedCache? cache, ResponseCacheSettings settings)
    {
        // The embedding generator is taken whenever the container has one, so a reload may turn a route semantic.
        IEmbeddingGenerator<string, Embedding<float>>? embeddings = services.GetService<IEmbeddingGenerator<string, Embedding<float>>>();
        string[] semanticRoutes = [.. settings.SemanticRoutes];
        if (semanticRoutes.Length > 0 && embeddings is null)
        {
            throw new InvalidOperationException(
                $"The response cache of route(s) {string.Join(", ", semanticRoutes)} is semantic, but the container has no " +
                "IEmbeddingGenerator<string, Embedding<float>> to embed requests with. Register one (services.AddEmbeddingGenerator(…)), or turn Semantic off.");
        }

        ISemanticCacheIndex? index = embeddings is null
            ? null
            : services.GetService<ISemanticCacheIndex>() ?? new InMemorySemanticCacheIndex(settings.SemanticMaxEntries, settings.SemanticMaxBytes);

        return new ResponseCacheChatClient(
            inner,
            cache ?? services.GetService<IDistributedCache>() ?? new MemoryDistributedCache(Microsoft.Extensions.Options.Options.Create(new MemoryDistributedCacheOptions())),
            settings,
            services.GetService<TimeProvider>() ?? TimeProvider.System,
            services.GetService<ILoggerFactory>()?.CreateLogger(TelemetryConstants.SourceName) ?? NullLogger.Instance,
            embeddings,
            index);
    }
}
