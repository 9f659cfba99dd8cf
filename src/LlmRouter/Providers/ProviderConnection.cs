using System.Globalization;
using System.Net;
using System.Text;

namespace LlmRouter;

/// <summary>
/// One provider's endpoint, credentials and HTTP client, shared by the calls of one chat client: sends requests,
/// turns failed responses and transport failures into <see cref="ProviderException"/>, and owns the
/// <see cref="HttpClient"/> only when it created it.
/// </summary>
/// <remarks>Thread-safe: immutable after construction.</remarks>
internal sealed class ProviderConnection : IDisposable
{
    // Error bodies are a few hundred bytes; a proxy's HTML page is not worth reading whole.
    private const int MaxErrorBodyBytes = 64 * 1024;

    private readonly HttpClient? _client;
    private readonly bool _ownsClient;
    private readonly IHttpClientFactory? _factory;
    private readonly string _clientName;
    private readonly string? _apiKey;
    private readonly string? _userInfoSecret;
    private readonly string? _authValue;
    private readonly KeyValuePair<string, string>[] _headers;

    public ProviderConnection(
        ProviderPreset preset,
        Uri endpoint,
        string? apiKey,
        string? apiVersion,
        KeyValuePair<string, string>[] headers,
        HttpClient? client,
        bool ownsClient,
        IHttpClientFactory? factory,
        string? clientName,
        TimeProvider timeProvider,
        int maxResponseBytes)
    {
        Preset = preset;
        Endpoint = EndpointText.WithoutUserInfo(endpoint);
        BaseUrl = Endpoint.OriginalString.TrimEnd('/');
        _userInfoSecret = EndpointText.UserInfoSecret(endpoint);
        MaxResponseBytes = maxResponseBytes;
        ApiVersion = apiVersion;
        _apiKey = string.IsNullOrEmpty(apiKey) ? null : apiKey;
        _authValue = _apiKey is null ? null : preset.Auth == AuthStyle.Bearer ? "Bearer " + _apiKey : _apiKey;
        _headers = headers;
        _client = client;
        _ownsClient = ownsClient;
        _factory = factory;
        _clientName = clientName ?? string.Empty;
        Time = timeProvider;
    }

    public ProviderPreset Preset { get; }

    public string ProviderName => Preset.ProviderName;

    /// <summary>Gets the endpoint, without the user information (a credential) it may have been configured with.</summary>
    public Uri Endpoint { get; }

    /// <summary>Gets the most bytes read of a whole response body, or of one server-sent event (<see cref="ProviderOptions.MaxResponseBytes"/>).</summary>
    public int MaxResponseBytes { get; }

    /// <summary>Gets the endpoint without a trailing slash, for appending paths.</summary>
    public string BaseUrl { get; }

    public string? ApiVersion { get; }

    public TimeProvider Time { get; }

    /// <summary>Sends <paramref name="request"/> (disposed here) and returns the successful response, which the caller disposes.</summary>
    /// <exception cref="ProviderException">The provider answered with an error status, or the call failed or timed out.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, ErrorBodyParser parseError, CancellationToken cancellationToken)
    {
        if (_authValue is not null)
        {
            request.Headers.TryAddWithoutValidation(Preset.AuthHeader, _authValue);
        }

        if (Preset.Format == WireFormat.Anthropic)
        {
            request.Headers.TryAddWithoutValidation("anthropic-version", ApiVersion ?? ProviderPresets.DefaultAnthropicVersion);
        }

        foreach (KeyValuePair<string, string> header in _headers)
        {
            request.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        HttpResponseMessage response;
        try
        {
            HttpClient client = _factory?.CreateClient(_clientName) ?? _client!;
            response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (Translate(exception, cancellationToken) is { } translated)
        {
            request.Dispose();
            throw translated;
        }
        catch
        {
            request.Dispose();
            throw;
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        try
        {
            throw await ReadErrorAsync(response, parseError, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            response.Dispose();
            request.Dispose();
        }
    }

    /// <summary>
    /// Turns a failure while sending or reading into a <see cref="ProviderException"/>; returns <see langword="null"/> for the
    /// caller's own cancellation, for exceptions that already are provider exceptions, and for exceptions it does not know.
    /// </summary>
    public Exception? Translate(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        ProviderException => null,
        OperationCanceledException when cancellationToken.IsCancellationRequested => null,
        ResponseTooLargeException tooLarge => Failure(
            $"{ProviderName}: {tooLarge.What} is larger than {tooLarge.Limit} bytes, the limit set by ProviderOptions.MaxResponseBytes (configuration key MaxResponseBytes); " +
            "raise it if responses this large are expected.",
            ProviderErrorKind.InvalidResponse,
            exception),
        OperationCanceledException => Failure($"{ProviderName}: the request timed out.", ProviderErrorKind.Timeout, exception),
        HttpRequestException { HttpRequestError: HttpRequestError.InvalidResponse or HttpRequestError.ResponseEnded } http =>
            Failure($"{ProviderName}: the response was cut short or malformed ({http.HttpRequestError}).", ProviderErrorKind.InvalidResponse, exception),
        HttpRequestException http => Failure($"{ProviderName}: the connection failed ({http.HttpRequestError}).", ProviderErrorKind.Transport, exception),
        IOException => Failure($"{ProviderName}: the connection broke while reading the response.", ProviderErrorKind.Transport, exception),
        System.Text.Json.JsonException when IsInvalidUtf8(exception) => Failure($"{ProviderName}: the response is not valid UTF-8.", ProviderErrorKind.InvalidResponse, exception),
        System.Text.Json.JsonException json => Failure($"{ProviderName}: the response is not valid JSON ({json.Path}, line {json.LineNumber}).", ProviderErrorKind.InvalidResponse, exception),
        _ => null,
    };

    /// <summary>
    /// Turns a failure while reading or converting a successful response into a <see cref="ProviderException"/>: as
    /// <see cref="Translate"/>, and any other exception (invalid UTF-8, a value out of range, malformed base64) means the
    /// response is unusable. Returns <see langword="null"/> only for the caller's cancellation and for provider exceptions.
    /// </summary>
    public Exception? TranslateRead(Exception exception, CancellationToken cancellationToken)
    {
        if (Translate(exception, cancellationToken) is { } translated)
        {
            return translated;
        }

        if (exception is ProviderException || (exception is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            return null;
        }

        return IsInvalidUtf8(exception)
            ? Failure($"{ProviderName}: the response is not valid UTF-8.", ProviderErrorKind.InvalidResponse, exception)
            : Failure($"{ProviderName}: the response could not be read ({exception.GetType().Name}).", ProviderErrorKind.InvalidResponse, exception);
    }

    /// <summary>Creates an exception that is not tied to an HTTP status (a broken stream, an unusable body).</summary>
    public ProviderException Failure(string message, ProviderErrorKind kind, Exception? inner = null) =>
        new(message, kind, statusCode: null, inner) { ProviderName = ProviderName };

    /// <summary>Creates the exception for an error the provider reported inside a successful response or stream.</summary>
    public ProviderException StreamError(in ProviderErrorDetails details, ProviderErrorKind fallbackKind)
    {
        var message = new StringBuilder(ProviderName).Append(" reported an error");
        AppendDetails(message, details);
        return new ProviderException(message.ToString(), details.Kind ?? fallbackKind)
        {
            ProviderName = ProviderName,
            ErrorType = Clean(details.Type),
            ErrorCode = Clean(details.Code),
            RetryAfter = details.RetryAfter,
        };
    }

    public void Dispose()
    {
        if (_ownsClient)
        {
            _client!.Dispose();
        }
    }

    private async Task<ProviderException> ReadErrorAsync(HttpResponseMessage response, ErrorBodyParser parseError, CancellationToken cancellationToken)
    {
        int status = (int)response.StatusCode;
        ProviderErrorDetails details = default;
        try
        {
            byte[] body = await ReadBoundedAsync(response.Content, Math.Min(MaxErrorBodyBytes, MaxResponseBytes), cancellationToken).ConfigureAwait(false);
            details = parseError(body);
            if (details.Message is null && details.Type is null && body.Length > 0 && !body.AsSpan().TrimStart((byte)' ').StartsWith("<"u8))
            {
                details = details with { Message = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 300)) };
            }
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // The status code alone still classifies the failure; a body that cannot be read or parsed adds nothing.
            details = default;
        }

        cancellationToken.ThrowIfCancellationRequested();
        ProviderErrorKind kind = details.Kind ?? ProviderErrorClassifier.FromStatusCode(status);
        TimeSpan? retryAfter = RetryAfterHeaders.Parse(response.Headers, Time.GetUtcNow(), includeRateLimitResets: status == 429) ?? details.RetryAfter;

        var message = new StringBuilder(ProviderName).Append(" answered HTTP ").Append(status.ToString(CultureInfo.InvariantCulture));
        if (response.ReasonPhrase is { Length: > 0 } reason)
        {
            message.Append(' ').Append(reason);
        }

        AppendDetails(message, details);
        return new ProviderException(message.ToString(), kind, (HttpStatusCode)status)
        {
            ProviderName = ProviderName,
            ErrorType = Clean(details.Type),
            ErrorCode = Clean(details.Code),
            RetryAfter = retryAfter,
        };
    }

    private void AppendDetails(StringBuilder message, in ProviderErrorDetails details)
    {
        if (details.Type is not null || details.Code is not null)
        {
            message.Append(" (").Append(Clean(details.Type ?? details.Code));
            if (details.Type is not null && details.Code is not null && details.Code != details.Type)
            {
                message.Append(", ").Append(Clean(details.Code));
            }

            message.Append(')');
        }

        if (!string.IsNullOrWhiteSpace(details.Message))
        {
            message.Append(": ").Append(Clean(details.Message));
        }
        else
        {
            message.Append('.');
        }
    }

    private string? Clean(string? text) => ErrorText.Clean(text, _apiKey, _userInfoSecret);

    /// <summary>Reads at most <paramref name="limit"/> bytes of an error body; the rest is left unread (the response is disposed after).</summary>
    private static async Task<byte[]> ReadBoundedAsync(HttpContent content, int limit, CancellationToken cancellationToken)
    {
        Stream stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            byte[] buffer = new byte[(int)Math.Clamp(content.Headers.ContentLength ?? 4096, 1, limit)];
            int length = 0;
            while (length < limit)
            {
                if (length == buffer.Length)
                {
                    Array.Resize(ref buffer, (int)Math.Min(limit, buffer.Length * 2L));
                }

                int read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }

            return length == buffer.Length ? buffer : buffer[..length];
        }
    }

    private static bool IsInvalidUtf8(Exception exception)
    {
        for (Exception? inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is DecoderFallbackException)
            {
                return true;
            }
        }

        return false;
    }
}
