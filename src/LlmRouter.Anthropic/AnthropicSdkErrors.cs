using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Anthropic.Exceptions;

namespace LlmRouter;

/// <summary>
/// Classifies the official Anthropic SDK's exceptions with the rules the built-in Anthropic client uses: the kind from the error
/// body's type and message (<see cref="AnthropicErrors"/>: a too-long prompt, an overloaded model, a billing error, …), else
/// from the status code.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><see cref="AnthropicApiException"/> and its subclasses: a failed response, with its status code and body.</item>
/// <item><see cref="AnthropicSseException"/>: an <c>error</c> event in the middle of a stream, with no status code.</item>
/// <item><see cref="AnthropicIOException"/>: the connection failed or broke (<see cref="ProviderErrorKind.Transport"/>).</item>
/// <item><see cref="AnthropicInvalidDataException"/>: a response or event that could not be read (<see cref="ProviderErrorKind.InvalidResponse"/>).</item>
/// </list>
/// The SDK keeps no response headers on its exceptions, so a <c>Retry-After</c> is known only when the client was created with
/// <see cref="AnthropicClientRouterExtensions.AsRouterChatClient"/>, which reads it from the response itself.
/// </remarks>
internal static class AnthropicSdkErrors
{
    public const string ProviderName = "anthropic";

    /// <summary>Classifies <paramref name="exception"/>, or returns <see langword="null"/> when it is not one of the SDK's.</summary>
    public static ProviderError? Classify(Exception exception, TimeSpan? retryAfter = null) => exception switch
    {
        AnthropicApiException api when (int)api.StatusCode is > 0 and var status =>
            new ProviderError(Details(api).Kind ?? ProviderErrorClassifier.FromStatusCode(status), status, retryAfter),
        // An error event carries no status; one the rules do not recognise is the provider failing mid-answer.
        AnthropicSseException sse => new ProviderError(Details(sse).Kind ?? ProviderErrorKind.ServerError, RetryAfter: retryAfter),
        AnthropicIOException => new ProviderError(ProviderErrorKind.Transport),
        AnthropicInvalidDataException => new ProviderError(ProviderErrorKind.InvalidResponse),
        _ => null,
    };

    /// <summary>
    /// Turns one of the SDK's exceptions into a <see cref="ProviderException"/> the router classifies without a classifier, with
    /// the provider's error type and a message shortened and cleaned of <paramref name="apiKey"/>; returns <see langword="null"/>
    /// for any other exception.
    /// </summary>
    public static ProviderException? Translate(Exception exception, TimeSpan? retryAfter, string? apiKey)
    {
        if (Classify(exception, retryAfter) is not { } error)
        {
            return null;
        }

        ProviderErrorDetails details = exception is AnthropicServiceException service ? Details(service) : default;
        var message = new StringBuilder(ProviderName);
        switch (exception)
        {
            case AnthropicApiException:
                message.Append(" answered HTTP ").Append(error.StatusCode!.Value.ToString(CultureInfo.InvariantCulture));
                break;
            case AnthropicSseException:
                message.Append(" reported an error in the stream");
                break;
            case AnthropicIOException:
                message.Append(": the connection failed or broke");
                break;
            default:
                message.Append(": the response could not be read");
                break;
        }

        if (details.Type is not null)
        {
            message.Append(" (").Append(ErrorText.Clean(details.Type, apiKey)).Append(')');
        }

        if (!string.IsNullOrWhiteSpace(details.Message))
        {
            message.Append(": ").Append(ErrorText.Clean(details.Message, apiKey));
        }
        else
        {
            message.Append('.');
        }

        return new ProviderException(message.ToString(), error.Kind, (HttpStatusCode?)error.StatusCode, exception)
        {
            ProviderName = ProviderName,
            ErrorType = ErrorText.Clean(details.Type, apiKey),
            RetryAfter = error.RetryAfter,
        };
    }

    private static ProviderErrorDetails Details(AnthropicServiceException exception)
    {
        if (exception is AnthropicApiException { ResponseBody: { Length: > 0 } body })
        {
            return AnthropicErrors.Parse(Encoding.UTF8.GetBytes(body));
        }

        try
        {
            return exception.Body.ValueKind == JsonValueKind.Object ? AnthropicErrors.Parse(JsonMarshal.GetRawUtf8Value(exception.Body)) : default;
        }
        catch (ObjectDisposedException)
        {
            // The event's document was released; the status code or the stream fallback still classifies the failure.
            return default;
        }
    }
}
