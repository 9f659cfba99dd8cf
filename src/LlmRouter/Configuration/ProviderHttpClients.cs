using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;

namespace LlmRouter;

/// <summary>
/// The named HTTP clients of providers read from configuration, when the container has an <see cref="IHttpClientFactory"/>:
/// <c>LlmRouter.{provider}</c> unless the provider sets <c>HttpClientName</c>. Their timeout defaults to 10 minutes instead of
/// <see cref="HttpClient"/>'s 100 seconds, which a long non-streaming generation would exceed; configuration added with
/// <c>AddHttpClient</c> for the same name runs after this and wins.
/// </summary>
internal sealed class ProviderHttpClients : IConfigureNamedOptions<HttpClientFactoryOptions>
{
    public const string Prefix = "LlmRouter.";

    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(10);

    public void Configure(string? name, HttpClientFactoryOptions options)
    {
        if (name is not null && name.StartsWith(Prefix, StringComparison.Ordinal))
        {
            options.HttpClientActions.Insert(0, static client => client.Timeout = DefaultTimeout);
        }
    }

    public void Configure(HttpClientFactoryOptions options) => Configure(Options.DefaultName, options);
}
