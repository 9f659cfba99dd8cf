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
        string model = ResolveModel(options);
        try
        {
            return GetResponseCoreAsync(messages, options, model, cancellationToken);
        }
        catch (ProviderException exception)
        {
            // A request that cannot be written fails the task, as every other failure of the call does.
            return Task.FromException<ChatResponse>(exception);
        }
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
    public override string ToString() => $"{GetType().Name}({Connection.ProviderName}, {EndpointText.Describe(Connection.Endpoint)}, {DefaultModel ?? "no default model"})";

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
            try
            {
                return convert(await ReadJsonAsync(response, typeInfo, cancellationToken).ConfigureAwait(false));
            }
            catch (Exception exception) when (Connection.TranslateRead(exception, cancellationToken) is { } translated)
            {
                throw translated;
            }
        }
    }

    /// <summary>
    /// Writes a request body with <paramref name="write"/> (pass a static lambda: no closure is allocated). A request that cannot
    /// be written (a null message, a number JSON cannot hold, a schema nested too deep) is a <see cref="ProviderException"/> of
    /// kind <see cref="ProviderErrorKind.BadRequest"/> that says what is wrong, thrown before anything is sent.
    /// </summary>
    protected JsonRequestContent WriteBody<TState>(TState state, Action<Utf8JsonWriter, TState> write, IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        try
        {
            return JsonRequestContent.Create(state, write);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            throw Connection.Failure(
                $"{Connection.ProviderName}: the request cannot be sent: {UnsendableRequest.Describe(messages, options, exception)}",
                ProviderErrorKind.BadRequest,
                exception);
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

    /// <summary>Reads a whole JSON response body, at most <see cref="ProviderConnection.MaxResponseBytes"/> of it; the caller translates failures.</summary>
    private async Task<T> ReadJsonAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
        where T : class
    {
        int limit = Connection.MaxResponseBytes;
        if (response.Content.Headers.ContentLength > limit)
        {
            throw new ResponseTooLargeException("the response body", limit);
        }

        // Counted even when the length is announced: over HTTP/2 the handler reads past a Content-Length that lies.
        var body = new BoundedReadStream(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), limit);
        return await JsonSerializer.DeserializeAsync(body, typeInfo, cancellationToken).ConfigureAwait(false)
            ?? throw Connection.Failure($"{Connection.ProviderName} answered with an empty JSON body.", ProviderErrorKind.InvalidResponse);
    }

    /// <summary>Opens the server-sent event stream of a successful response; the caller disposes the events, then the body.</summary>
    protected async Task<(IAsyncEnumerator<SseItem<T>> Events, Stream Body)> OpenEventsAsync<T>(HttpResponseMessage response, SseItemParser<T> parser, CancellationToken cancellationToken)
    {
        try
        {
            var body = new PooledReadStream(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), Connection.MaxResponseBytes);
            return (SseParser.Create(body, parser).EnumerateAsync(cancellationToken).GetAsyncEnumerator(cancellationToken), body);
        }
        catch (Exception exception) when (Connection.Translate(exception, cancellationToken) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>
    /// Moves to the next event; a broken connection, an event past the size limit, or an event that cannot be parsed (malformed
    /// JSON, invalid UTF-8, anything its parser throws) becomes a <see cref="ProviderException"/>.
    /// </summary>
    protected async ValueTask<bool> NextEventAsync<T>(IAsyncEnumerator<SseItem<T>> events, CancellationToken cancellationToken)
    {
        try
        {
            return await events.MoveNextAsync().ConfigureAwait(false);
        }
        catch (Exception exception) when (Connection.TranslateRead(exception, cancellationToken) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>Turns a failure while converting a streamed event into an update into a <see cref="ProviderException"/>, as reading does.</summary>
    protected Exception? TranslateRead(Exception exception, CancellationToken cancellationToken) => Connection.TranslateRead(exception, cancellationToken);

    /// <summary>A Unix time in seconds as a date, or <see langword="null"/> when absent or out of the range of dates.</summary>
    protected static DateTimeOffset? FromUnixSeconds(long? seconds) =>
        seconds is >= -62_135_596_800 and <= 253_402_300_799 ? DateTimeOffset.FromUnixTimeSeconds(seconds.Value) : null;

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
