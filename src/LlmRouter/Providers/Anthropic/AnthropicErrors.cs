using System.Text.Json;

namespace LlmRouter;

/// <summary>Reads Anthropic error bodies and <c>error</c> events and classifies them by error type and message.</summary>
internal static class AnthropicErrors
{
    public static readonly ErrorBodyParser Parser = Parse;

    public static ProviderErrorDetails Parse(ReadOnlySpan<byte> body)
    {
        try
        {
            AnthropicError? error = JsonSerializer.Deserialize(body, AnthropicJsonContext.Default.AnthropicErrorBody)?.Error;
            return error is null ? default : Describe(error);
        }
        catch (JsonException)
        {
            return default;
        }
    }

    public static ProviderErrorDetails Describe(AnthropicError? error) =>
        error is null ? default : new ProviderErrorDetails(error.Type, Code: null, error.Message, Classify(error));

    private static ProviderErrorKind? Classify(AnthropicError error)
    {
        // The message decides first: a too-long prompt is an invalid_request_error like any malformed request.
        if (ErrorText.IsContextLength(error.Message))
        {
            return ProviderErrorKind.ContextLengthExceeded;
        }

        if (ErrorText.IsContentFilter(error.Message))
        {
            return ProviderErrorKind.ContentFiltered;
        }

        // The documented error types; the status code agrees with them, but streamed error events have no status.
        return error.Type switch
        {
            "overloaded_error" => ProviderErrorKind.Overloaded,
            "rate_limit_error" => ProviderErrorKind.RateLimited,
            "api_error" => ProviderErrorKind.ServerError,
            "timeout_error" => ProviderErrorKind.Timeout,
            "authentication_error" => ProviderErrorKind.Authentication,
            "permission_error" => ProviderErrorKind.PermissionDenied,
            "not_found_error" => ProviderErrorKind.NotFound,
            "billing_error" => ProviderErrorKind.QuotaExceeded,
            "request_too_large" => ProviderErrorKind.ContextLengthExceeded,
            "invalid_request_error" => ProviderErrorKind.BadRequest,
            _ => null,
        };
    }
}
