using System.Net;
using Anthropic.Exceptions;

namespace LlmRouter.Tests.Providers.Anthropic;

/// <summary>
/// Classifies the official Anthropic SDK's exceptions for the router: the recipe for using that SDK's <c>AsIChatClient</c> as a
/// deployment. It lives with the user's code (here, the tests) so the core library depends on neither the SDK nor reflection.
/// </summary>
/// <remarks>
/// The SDK throws <see cref="AnthropicApiException"/> subclasses carrying <see cref="AnthropicApiException.StatusCode"/> and the raw
/// response body, but not derived from <see cref="HttpRequestException"/>, so the built-in rules never see the status code; its
/// mid-stream <c>error</c> events arrive as <see cref="AnthropicSseException"/> with no status at all.
/// </remarks>
internal sealed class AnthropicSdkErrorClassifier : IProviderErrorClassifier
{
    public ProviderError? Classify(Exception exception) => exception switch
    {
        AnthropicApiException api => new ProviderError(Kind((int)api.StatusCode, api.ResponseBody), (int)api.StatusCode),
        AnthropicSseException sse => new ProviderError(Kind(null, sse.Message)),
        AnthropicIOException => new ProviderError(ProviderErrorKind.Transport),
        AnthropicInvalidDataException => new ProviderError(ProviderErrorKind.InvalidResponse),
        _ => null,
    };

    private static ProviderErrorKind Kind(int? status, string? body)
    {
        body ??= string.Empty;
        if (body.Contains("prompt is too long", StringComparison.OrdinalIgnoreCase) || body.Contains("context limit", StringComparison.OrdinalIgnoreCase))
        {
            return ProviderErrorKind.ContextLengthExceeded;
        }

        if (body.Contains("overloaded_error", StringComparison.Ordinal))
        {
            return ProviderErrorKind.Overloaded;
        }

        return status switch
        {
            400 or 422 => ProviderErrorKind.BadRequest,
            401 => ProviderErrorKind.Authentication,
            402 => ProviderErrorKind.QuotaExceeded,
            403 => ProviderErrorKind.PermissionDenied,
            404 => ProviderErrorKind.NotFound,
            413 => ProviderErrorKind.ContextLengthExceeded,
            429 => ProviderErrorKind.RateLimited,
            503 or 529 => ProviderErrorKind.Overloaded,
            504 => ProviderErrorKind.Timeout,
            >= 500 => ProviderErrorKind.ServerError,
            _ => body.Contains("rate_limit_error", StringComparison.Ordinal) ? ProviderErrorKind.RateLimited : ProviderErrorKind.ServerError,
        };
    }
}
