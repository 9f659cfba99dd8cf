using System.Text;
using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// The provider clients of a configured router, by everything that shapes them (provider settings, model, HTTP client), so
/// a reload reuses the client of a deployment whose provider and model did not change and keeps its connections.
/// A reload works on a generation: <see cref="Commit"/> keeps what it used, <see cref="Rollback"/> disposes what it created.
/// </summary>
/// <remarks>Used under the reloading lock only; not thread-safe.</remarks>
internal sealed class ProviderClientCache
{
    private readonly Dictionary<string, IChatClient> _clients = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IChatClient> _used = new(StringComparer.Ordinal);
    private readonly List<IChatClient> _created = [];
    private readonly Func<ProviderOptions, string?, string, IChatClient> _create;

    public ProviderClientCache(Func<ProviderOptions, string?, string, IChatClient> create) => _create = create;

    /// <summary>Returns the client for these settings: the cached one, or a new one.</summary>
    public IChatClient Get(ProviderOptions options, string? model, string httpClientName)
    {
        string key = Key(options, model, httpClientName);
        if (!_clients.TryGetValue(key, out IChatClient? client))
        {
            client = _create(options, model, httpClientName);
            _clients[key] = client;
            _created.Add(client);
        }

        _used[key] = client;
        return client;
    }

    /// <summary>Tells whether the cache created <paramref name="client"/>.</summary>
    public bool Owns(IChatClient client) => _clients.ContainsValue(client);

    /// <summary>The new model is in service: forgets the clients it does not use (the router disposes them once drained).</summary>
    public void Commit()
    {
        _clients.Clear();
        foreach (KeyValuePair<string, IChatClient> entry in _used)
        {
            _clients[entry.Key] = entry.Value;
        }

        _used.Clear();
        _created.Clear();
    }

    /// <summary>The new model was rejected: disposes the clients created for it and keeps the others.</summary>
    public void Rollback()
    {
        foreach (IChatClient client in _created)
        {
            client.Dispose();
            foreach (KeyValuePair<string, IChatClient> entry in _clients)
            {
                if (ReferenceEquals(entry.Value, client))
                {
                    _clients.Remove(entry.Key);
                    break;
                }
            }
        }

        _used.Clear();
        _created.Clear();
    }

    private static string Key(ProviderOptions options, string? model, string httpClientName)
    {
        var key = new StringBuilder()
            .Append(options.Type).Append('\n')
            .Append(options.Endpoint?.OriginalString).Append('\n')
            .Append(options.ApiKey).Append('\n')
            .Append(options.ApiVersion).Append('\n')
            .Append(options.Timeout?.Ticks).Append('\n')
            .Append(options.DefaultMaxOutputTokens).Append('\n')
            .Append(options.MaxResponseBytes).Append('\n')
            .Append(options.CompletionTokensIncludeReasoning).Append('\n')
            .Append(options.PromptCaching).Append('\n')
            .Append(model).Append('\n')
            .Append(httpClientName);
        foreach (KeyValuePair<string, string> header in options.Headers.OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase))
        {
            key.Append('\n').Append(header.Key).Append('=').Append(header.Value);
        }

        return key.ToString();
    }
}
