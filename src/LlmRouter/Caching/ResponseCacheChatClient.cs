using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;

namespace LlmRouter;

/// <summary>
/// The response cache: a step before routing that answers a request from an <see cref="IDistributedCache"/> when the same request
/// (<see cref="ResponseCacheKey"/>) was answered before, and stores the router's complete, successful answers otherwise.
/// </summary>
/// <remarks>
/// <para>
/// This step owns the lookup, what is stored and how a hit reads; the router owns everything else and never sees a hit. Streamed
/// and non-streamed requests share entries: a stream is stored once it ended and was read to its end, as the answer its updates
/// make (<see cref="ChatResponseExtensions.ToChatResponse(IEnumerable{ChatResponseUpdate})"/>), and a hit on a streaming call is
/// replayed as updates with the same messages, usage and properties. On a route with a semantic cache, an exact miss is followed by
/// a lookup by meaning (<see cref="ISemanticCacheIndex"/>) whose match points at an answer stored the same way.
/// </para>
/// <para>
/// It is written beside Microsoft.Extensions.AI's <c>DistributedCachingChatClient</c> rather than derived from it: that client stores
/// every answer with one expiry and keys the whole options object, while this one decides per answer what may be stored, per request
/// how long, and keys only what changes the answer. A store that fails (unreachable, a bad entry) is a miss, logged once until it
/// works again; it never fails the request. Thread-safe.
/// </para>
/// </remarks>
internal sealed class ResponseCacheChatClient : DelegatingChatClient
{
    /// <summary>The value of <see cref="LlmRouterProperties.CacheHit"/> for a semantic hit.</summary>
    private const string SemanticHit = "semantic";

    private readonly IDistributedCache _cache;
    private ResponseCacheSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IEmbeddingGenerator<string, Embedding<float>>? _embeddings;
    private readonly ISemanticCacheIndex? _index;
    private readonly CacheTelemetry _telemetry = new();
    private RouterSpend? _spend;
    private bool _spendResolved;
    private int _readFailing;
    private int _writeFailing;
    private int _semanticFailing;
    private IDisposable? _reloader;

    public ResponseCacheChatClient(
        IChatClient innerClient,
        IDistributedCache cache,
        ResponseCacheSettings settings,
        TimeProvider time,
        ILogger logger,
        IEmbeddingGenerator<string, Embedding<float>>? embeddings = null,
        ISemanticCacheIndex? index = null)
        : base(innerClient)
    {
        _cache = cache;
        _settings = settings;
        _time = time;
        _logger = logger;
        _embeddings = embeddings;
        _index = index;
    }

    /// <summary>Gets the step's telemetry, for tests that listen to this step only.</summary>
    internal CacheTelemetry Telemetry => _telemetry;

    /// <summary>Gets the logger of the step's events.</summary>
    internal ILogger Logger => _logger;

    /// <summary>Gets the settings in force.</summary>
    internal ResponseCacheSettings Settings => Volatile.Read(ref _settings);

    /// <summary>Puts <paramref name="settings"/> in force for the requests that begin from now on (a configuration reload).</summary>
    /// <exception cref="InvalidOperationException">A route is semantic but the step has no embedding generator.</exception>
    internal void UseSettings(ResponseCacheSettings settings)
    {
        if (_embeddings is null && settings.SemanticRoutes.Any())
        {
            throw new InvalidOperationException(
                $"The response cache of route(s) {string.Join(", ", settings.SemanticRoutes)} is semantic, but the container has no " +
                "IEmbeddingGenerator<string, Embedding<float>> to embed requests with.");
        }

        Volatile.Write(ref _settings, settings);
    }

    /// <summary>Takes ownership of the registration that reloads the settings; disposed with the step.</summary>
    internal void OwnReloader(IDisposable reloader) => _reloader = reloader;

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        Lookup lookup = Begin(messages, options);
        if (lookup.Key is null)
        {
            _telemetry.Record(null, TelemetryConstants.Cache.Bypass, lookup.Route);
            return await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }

        SemanticProbe probe = default;
        if (lookup.Directive.Read)
        {
            Activity? span = _telemetry.StartLookup(lookup.Route);
            (ChatResponse? hit, decimal? saved) = await ReadAsync(lookup.Key, cancellationToken).ConfigureAwait(false);
            if (hit is not null)
            {
                Served(span, lookup.Route, hit, saved, similarity: null);
                return hit;
            }

            probe = await ProbeAsync(messages, options, lookup, cancellationToken).ConfigureAwait(false);
            if (probe.Hit is not null)
            {
                Served(span, lookup.Route, probe.Hit, probe.SavedUsd, probe.Similarity);
                return probe.Hit;
            }

            _telemetry.Record(span, TelemetryConstants.Cache.Miss, lookup.Route);
        }
        else
        {
            _telemetry.Record(null, TelemetryConstants.Cache.Bypass, lookup.Route);
            probe = await ProbeAsync(messages, options, lookup, cancellationToken).ConfigureAwait(false);
        }

        ChatResponse response = await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        await StoreAsync(lookup, probe, response, cancellationToken).ConfigureAwait(false);
        return response;
    }

    /// <inheritdoc />
    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        Lookup lookup = Begin(messages, options);
        if (lookup.Key is null)
        {
            _telemetry.Record(null, TelemetryConstants.Cache.Bypass, lookup.Route);
            return base.GetStreamingResponseAsync(messages, options, cancellationToken);
        }

        return StreamAsync(messages, options, lookup, cancellationToken);
    }

    /// <inheritdoc />
    public override object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType.IsInstanceOfType(this) ? this : base.GetService(serviceType, serviceKey);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _reloader?.Dispose();
            _telemetry.Dispose();
        }

        base.Dispose(disposing);
    }

    private async IAsyncEnumerable<ChatResponseUpdate> StreamAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options, Lookup lookup, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        SemanticProbe probe = default;
        if (lookup.Directive.Read)
        {
            Activity? span = _telemetry.StartLookup(lookup.Route);
            (ChatResponse? hit, decimal? saved) = await ReadAsync(lookup.Key!, cancellationToken).ConfigureAwait(false);
            double? similarity = null;
            if (hit is null)
            {
                probe = await ProbeAsync(messages, options, lookup, cancellationToken).ConfigureAwait(false);
                (hit, saved, similarity) = (probe.Hit, probe.SavedUsd, probe.Similarity);
            }

            if (hit is not null)
            {
                Served(span, lookup.Route, hit, saved, similarity);
                foreach (ChatResponseUpdate update in Replay(hit))
                {
                    yield return update;
                }

                yield break;
            }

            _telemetry.Record(span, TelemetryConstants.Cache.Miss, lookup.Route);
        }
        else
        {
            _telemetry.Record(null, TelemetryConstants.Cache.Bypass, lookup.Route);
            probe = await ProbeAsync(messages, options, lookup, cancellationToken).ConfigureAwait(false);
        }

        var updates = new List<ChatResponseUpdate>();
        await foreach (ChatResponseUpdate update in base.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
        {
            updates.Add(update);
            yield return update;
        }

        // Reached only when the stream ended without an error and the caller read it to its end: a broken or abandoned stream is never stored.
        await StoreAsync(lookup, probe, Coalesce(updates), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The answer a stream's updates make. <see cref="ChatResponseExtensions.ToChatResponse(IEnumerable{ChatResponseUpdate})"/> puts
    /// the updates' properties on the message; the router's contract puts them on the last update, so they go on the response here.
    /// </summary>
    private static ChatResponse Coalesce(List<ChatResponseUpdate> updates)
    {
        ChatResponse response = updates.ToChatResponse();
        AdditionalPropertiesDictionary? properties = null;
        foreach (ChatResponseUpdate update in updates)
        {
            if (update.AdditionalProperties is { Count: > 0 } set)
            {
                properties ??= [];
                foreach (KeyValuePair<string, object?> property in set)
                {
                    properties[property.Key] = property.Value;
                }
            }
        }

        if (properties is not null)
        {
            response.AdditionalProperties = properties;
            foreach (ChatMessage message in response.Messages)
            {
                message.AdditionalProperties = null;
            }
        }

        return response;
    }

    /// <summary>Decides what the cache does with a request; a <see langword="null"/> key means it passes by.</summary>
    private Lookup Begin(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        CacheDirective directive = CacheDirective.Of(options);
        string? route = options?.ModelId ?? (InnerClient.GetService(typeof(ChatClientMetadata)) as ChatClientMetadata)?.DefaultModelId;
        ResponseCacheSettings settings = Volatile.Read(ref _settings);
        CachePolicy policy = settings.For(route);
        if (!policy.Enabled || (!directive.Read && !directive.Store) || Stateful(options))
        {
            return new Lookup(null, route, null, policy, directive);
        }

        string? scope = policy.Scope == ResponseCacheScope.Shared ? null : Caller(options, settings.CallerProperty) ?? string.Empty;
        return new Lookup(ResponseCacheKey.Create(messages, options, route, scope), route, scope, policy, directive);
    }

    /// <summary>Requests whose answer depends on state kept elsewhere (a provider-side conversation, a background response) are never cached.</summary>
    private static bool Stateful(ChatOptions? options) =>
        options is not null
        && (options.ConversationId is not null || options.ContinuationToken is not null || options.AllowBackgroundResponses == true || options.RawRepresentationFactory is not null);

    private static string? Caller(ChatOptions? options, string callerProperty)
    {
        if (options?.AdditionalProperties is not { } properties || !properties.TryGetValue(callerProperty, out object? value))
        {
            return null;
        }

        return value switch
        {
            null => null,
            string text => text,
            JsonElement { ValueKind: JsonValueKind.String } element => element.GetString(),
            JsonElement element => element.GetRawText(),
            _ => Convert.ToString(value, CultureInfo.InvariantCulture),
        };
    }

    private async ValueTask<(ChatResponse? Response, decimal? SavedUsd)> ReadAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            byte[]? bytes = await _cache.GetAsync(key, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _readFailing, 0);
            if (bytes is null || !CacheEntry.TryRead(bytes, _time.GetUtcNow(), out ChatResponse? response, out decimal? saved))
            {
                return default;
            }

            return (response, saved);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // A cache that fails is a miss: the router answers instead.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            if (Interlocked.Exchange(ref _readFailing, 1) == 0)
            {
                CacheLog.ReadFailed(_logger, exception);
            }

            return default;
        }
    }

    /// <summary>
    /// For a route with a semantic cache, embeds the request's last user turn and, when <paramref name="lookup"/> reads, looks for
    /// the nearest stored answer among those with the same fingerprint (the key of everything but that turn). An embedding or
    /// index that fails is a miss, logged once until it works again.
    /// </summary>
    private async ValueTask<SemanticProbe> ProbeAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, Lookup lookup, CancellationToken cancellationToken)
    {
        if (!lookup.Policy.Semantic || _embeddings is null || _index is null || !LastUserTurn(messages, out List<ChatMessage>? earlier, out string? text))
        {
            return default;
        }

        string fingerprint = ResponseCacheKey.Create(earlier, options, lookup.Route, lookup.Scope);
        try
        {
            GeneratedEmbeddings<Embedding<float>> generated = await _embeddings.GenerateAsync([text], cancellationToken: cancellationToken).ConfigureAwait(false);
            ReadOnlyMemory<float> vector = generated[0].Vector;
            if (!lookup.Directive.Read)
            {
                return new SemanticProbe(fingerprint, vector, null, null, null);
            }

            SemanticCacheMatch? match = await _index.FindAsync(fingerprint, vector, lookup.Policy.SimilarityThreshold, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _semanticFailing, 0);
            if (match is { } found)
            {
                (ChatResponse? hit, decimal? saved) = await ReadAsync(found.EntryKey, cancellationToken).ConfigureAwait(false);
                return new SemanticProbe(fingerprint, vector, hit, saved, found.Similarity);
            }

            return new SemanticProbe(fingerprint, vector, null, null, null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // A semantic lookup that fails is a miss: the router answers instead.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            if (Interlocked.Exchange(ref _semanticFailing, 1) == 0)
            {
                CacheLog.SemanticFailed(_logger, exception);
            }

            return default;
        }
    }

    /// <summary>Splits off the last message when it is a user turn with text: the part of a request a semantic lookup compares by meaning.</summary>
    private static bool LastUserTurn(IEnumerable<ChatMessage> messages, [NotNullWhen(true)] out List<ChatMessage>? earlier, [NotNullWhen(true)] out string? text)
    {
        earlier = [.. messages];
        text = null;
        if (earlier.Count == 0 || earlier[^1].Role != ChatRole.User || earlier[^1].Text is not { Length: > 0 } last)
        {
            earlier = null;
            return false;
        }

        earlier.RemoveAt(earlier.Count - 1);
        text = last;
        return true;
    }

    private async ValueTask StoreAsync(Lookup lookup, SemanticProbe probe, ChatResponse response, CancellationToken cancellationToken)
    {
        if (!lookup.Directive.Store || !Storable(response, lookup.Policy))
        {
            return;
        }

        try
        {
            TimeSpan ttl = lookup.Directive.Ttl ?? lookup.Policy.Ttl;
            decimal? cost = response.AdditionalProperties?.TryGetValue(LlmRouterProperties.CostUsd, out object? value) == true && value is decimal usd ? usd : null;
            DateTimeOffset expires = _time.GetUtcNow() + ttl;
            byte[] entry = CacheEntry.Write(response, expires, cost);
            await _cache.SetAsync(lookup.Key!, entry, new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = ttl }, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _writeFailing, 0);
            if (probe.Fingerprint is not null)
            {
                await _index!.AddAsync(probe.Fingerprint, probe.Vector, lookup.Key!, expires, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The caller has its answer and has gone: the answer is simply not kept.
        }
#pragma warning disable CA1031 // Storing is best effort: the caller already has the router's answer.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            _telemetry.RecordStoreFailed(lookup.Route);
            if (Interlocked.Exchange(ref _writeFailing, 1) == 0)
            {
                CacheLog.WriteFailed(_logger, exception);
            }
        }
    }

    /// <summary>
    /// Only complete, successful, stateless answers are stored: not a <c>length</c> or <c>content_filter</c> finish (nor any other
    /// than stop, or tool calls when the route caches them), not an empty answer, not one tied to a provider-side conversation.
    /// </summary>
    private static bool Storable(ChatResponse response, CachePolicy policy)
    {
        if (response.ConversationId is not null || response.ContinuationToken is not null || response.Messages.Count == 0)
        {
            return false;
        }

        ChatFinishReason? finish = response.FinishReason;
        bool toolCalls = finish == ChatFinishReason.ToolCalls;
        bool content = false;
        // Indexed loops: an interface's enumerator would be allocated for each list on every stored answer.
        IList<ChatMessage> messages = response.Messages;
        for (int m = 0; m < messages.Count; m++)
        {
            IList<AIContent> contents = messages[m].Contents;
            for (int c = 0; c < contents.Count; c++)
            {
                content = true;
                toolCalls |= contents[c] is FunctionCallContent;
            }
        }

        if (!content || (toolCalls && !policy.CacheToolCalls))
        {
            return false;
        }

        return finish is null || finish == ChatFinishReason.Stop || finish == ChatFinishReason.ToolCalls;
    }

    /// <summary>Turns a stored answer into a hit: no cost, the stored call's usage, what it saved; counts it.</summary>
    private void Served(Activity? span, string? route, ChatResponse hit, decimal? saved, double? similarity)
    {
        AdditionalPropertiesDictionary properties = [];
        if (hit.AdditionalProperties is { } stored)
        {
            foreach (KeyValuePair<string, object?> property in stored)
            {
                // Who served is kept as text; the store hands back JSON values.
                properties[property.Key] = property.Key.StartsWith("llmrouter.", StringComparison.Ordinal) && property.Value is JsonElement { ValueKind: JsonValueKind.String } text
                    ? text.GetString()
                    : property.Value;
            }
        }

        properties[LlmRouterProperties.CacheHit] = similarity is null ? true : SemanticHit;
        if (similarity is { } similar)
        {
            properties[LlmRouterProperties.CacheSimilarity] = similar;
        }

        properties[LlmRouterProperties.CostUsd] = 0m;
        properties[LlmRouterProperties.Attempts] = 0;
        if (saved is { } savedUsd)
        {
            properties[LlmRouterProperties.CostSavedUsd] = savedUsd;
        }

        hit.AdditionalProperties = properties;
        Spend()?.RecordCacheHit(saved);
        _telemetry.Record(span, TelemetryConstants.Cache.Hit, route, saved);
    }

    /// <summary>The router's spend counters, when the inner client leads to a router.</summary>
    private RouterSpend? Spend()
    {
        if (!Volatile.Read(ref _spendResolved))
        {
            _spend = InnerClient.GetService(typeof(IRouterSpend)) as RouterSpend;
            Volatile.Write(ref _spendResolved, true);
        }

        return _spend;
    }

    /// <summary>A stored answer as a stream: one update per message, the last with the finish reason, usage and properties.</summary>
    private static IEnumerable<ChatResponseUpdate> Replay(ChatResponse response)
    {
        IList<ChatMessage> messages = response.Messages;
        for (int i = 0; i < messages.Count; i++)
        {
            ChatMessage message = messages[i];
            bool last = i == messages.Count - 1;
            List<AIContent> contents = [.. message.Contents];
            if (last && response.Usage is { } usage)
            {
                contents.Add(new UsageContent(usage));
            }

            yield return new ChatResponseUpdate(message.Role, contents)
            {
                AuthorName = message.AuthorName,
                MessageId = message.MessageId,
                ResponseId = response.ResponseId,
                ModelId = response.ModelId,
                CreatedAt = message.CreatedAt ?? response.CreatedAt,
                FinishReason = last ? response.FinishReason : null,
                AdditionalProperties = last ? response.AdditionalProperties : null,
            };
        }
    }

    /// <summary>What the cache does with one request.</summary>
    private readonly record struct Lookup(string? Key, string? Route, string? Scope, CachePolicy Policy, CacheDirective Directive);

    /// <summary>A semantic lookup: the fingerprint and embedding to index the answer under, and the answer found, if any.</summary>
    private readonly record struct SemanticProbe(string? Fingerprint, ReadOnlyMemory<float> Vector, ChatResponse? Hit, decimal? SavedUsd, double? Similarity);
}
