using System.Net.ServerSentEvents;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// What the built-in provider clients share: the connection, the default model, metadata, disposal and the reading of
/// JSON bodies and server-sent events with every failure turned into a <see cref="ProviderException"/>.
/// </summary>
/// <remarks>
/// Thread-safe: no state is kept between calls. Built-in clients never retry; the router does.
/// Disposing the client disposes the <see cref="HttpClient"/> only when the client created it.
/// </remarks>
internal abstract class ProviderChatClient : IChatClient
{
    private readonly ChatClientMetadata _metadata;

    protected ProviderChatClient(ProviderConnection connection, string? defaultModel)
    {
        Connection = connection;
        DefaultModel = string.IsNullOrWhiteSpace(defaultModel) ? null : defaultModel;
        _metadata = new ChatClientMetadata(connection.ProviderName, connection.Endpoint, DefaultModel);
    }

    protected ProviderConnection Connection { get; }

    protected string? DefaultModel { get; }

    /// <inheritdoc />
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return GetResponseCoreAsync(messages, options, ResolveModel(options), cancellationToken);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return GetStreamingResponseCoreAsync(messages, options, ResolveModel(options), cancellationToken);
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(ChatClientMetadata))
        {
            return _metadata;
        }

        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <inheritdoc />
    public void Dispose() => Connection.Dispose();

    /// <summary>Describes the client without credentials.</summary>
    public override string ToString() => $"{GetType().Name}({Connection.ProviderName}, {Connection.Endpoint.GetLeftPart(UriPartial.Path)}, {DefaultModel ?? "no default model"})";

    protected abstract Task<ChatResponse> GetResponseCoreAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, string model, CancellationToken cancellationToken);

    protected abstract IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseCoreAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, string model, CancellationToken cancellationToken);

    /// <summary>
    /// Sends a request, reads its whole JSON response and converts it; disposes both messages, and turns any failure into a
    /// <see cref="ProviderException"/>. One async method for the whole call, so a response costs one state machine.
    /// </summary>
    protected async Task<ChatResponse> SendForResponseAsync<T>(
        HttpRequestMessage request, ErrorBodyParser parseError, JsonTypeInfo<T> typeInfo, Func<T, ChatResponse> convert, CancellationToken cancellationToken)
        where T : class
    {
        using HttpResponseMessage response = await Connection.SendAsync(request, parseError, cancellationToken).ConfigureAwait(false);
        using (request)
        {
            return convert(await ReadJsonAsync(response, typeInfo, cancellationToken).ConfigureAwait(false));
        }
    }

    /// <summary>Disposes what a streamed call holds, innermost first: the event reader, the body, the response, then the request.</summary>
    protected static async ValueTask CloseStreamAsync<T>(IAsyncEnumerator<SseItem<T>>? events, Stream? body, HttpResponseMessage response, HttpRequestMessage request)
    {
        if (events is not null)
        {
            await events.DisposeAsync().ConfigureAwait(false);
        }

        body?.Dispose();
        response.Dispose();
        request.Dispose();
    }

    /// <summary>Reads a whole JSON response body; any failure becomes a <see cref="ProviderException"/>.</summary>
    protected async Task<T> ReadJsonAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            Stream body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            return await JsonSerializer.DeserializeAsync(body, typeInfo, cancellationToken).ConfigureAwait(false)
                ?? throw Connection.Failure($"{Connection.ProviderName} answered with an empty JSON body.", ProviderErrorKind.InvalidResponse);
        }
        catch (Exception exception) when (Connection.Translate(exception, cancellationToken) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>Opens the server-sent event stream of a successful response; the caller disposes the events, then the body.</summary>
    protected async Task<(IAsyncEnumerator<SseItem<T>> Events, Stream Body)> OpenEventsAsync<T>(HttpResponseMessage response, SseItemParser<T> parser, CancellationToken cancellationToken)
    {
        try
        {
            var body = new PooledReadStream(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
            return (SseParser.Create(body, parser).EnumerateAsync(cancellationToken).GetAsyncEnumerator(cancellationToken), body);
        }
        catch (Exception exception) when (Connection.Translate(exception, cancellationToken) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>Moves to the next event; a broken connection or malformed event becomes a <see cref="ProviderException"/>.</summary>
    protected async ValueTask<bool> NextEventAsync<T>(IAsyncEnumerator<SseItem<T>> events, CancellationToken cancellationToken)
    {
        try
        {
            return await events.MoveNextAsync().ConfigureAwait(false);
        }
        catch (Exception exception) when (Connection.Translate(exception, cancellationToken) is { } translated)
        {
            throw translated;
        }
    }

    protected ProviderException Truncated() =>
        Connection.Failure($"{Connection.ProviderName}'s stream ended before the response was complete.", ProviderErrorKind.InvalidResponse);

    private string ResolveModel(ChatOptions? options)
    {
        string? model = options?.ModelId;
        if (string.IsNullOrWhiteSpace(model))
        {
            model = DefaultModel;
        }

        return model ?? throw new InvalidOperationException(
            $"No model id for provider '{Connection.ProviderName}': set ChatOptions.ModelId, or pass a model id when creating the client.");
    }
}
