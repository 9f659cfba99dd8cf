using System.Text.Json;

namespace LlmRouter;

/// <summary>Reads Google API error bodies and classifies them by status, reason and message.</summary>
internal static class GeminiErrors
{
    public static readonly ErrorBodyParser Parser = Parse;

    public static ProviderErrorDetails Parse(ReadOnlySpan<byte> body)
    {
        try
        {
            // Streaming endpoints sometimes wrap the error in an array.
            GeminiError? error = body.TrimStart(" \r\n\t"u8).StartsWith("["u8)
                ? JsonSerializer.Deserialize(body, GeminiJsonContext.Default.ListGeminiErrorBody) is [{ } first, ..] ? first.Error : null
                : JsonSerializer.Deserialize(body, GeminiJsonContext.Default.GeminiErrorBody)?.Error;
            return Describe(error);
        }
        catch (JsonException)
        {
            return default;
        }
    }

    public static ProviderErrorDetails Describe(GeminiError? error)
    {
        if (error is null)
        {
            return default;
        }

        string? reason = null;
        TimeSpan? retryAfter = null;
        if (error.Details is { } details)
        {
            foreach (GeminiErrorDetail detail in details)
            {
                reason ??= detail.Reason;
                if (detail.RetryDelay is { } delay && RetryAfterHeaders.TryParseDuration(delay, out TimeSpan wait))
                {
                    retryAfter = wait;
                }
            }
        }

        return new ProviderErrorDetails(error.Status, reason, error.Message, Classify(error, reason), retryAfter);
    }

    private static ProviderErrorKind? Classify(GeminiError error, string? reason)
    {
        if (reason is "API_KEY_INVALID" or "API_KEY_EXPIRED" || error.Status is "UNAUTHENTICATED")
        {
            return ProviderErrorKind.Authentication;
        }

        if (ErrorText.IsContextLength(error.Message))
        {
            return ProviderErrorKind.ContextLengthExceeded;
        }

        if (ErrorText.IsContentFilter(error.Message))
        {
            return ProviderErrorKind.ContentFiltered;
        }

        return error.Status switch
        {
            "RESOURCE_EXHAUSTED" => ProviderErrorKind.RateLimited,
            "UNAVAILABLE" => ProviderErrorKind.Overloaded,
            "INTERNAL" or "UNKNOWN" or "ABORTED" => ProviderErrorKind.ServerError,
            "DEADLINE_EXCEEDED" => ProviderErrorKind.Timeout,
            "PERMISSION_DENIED" => ProviderErrorKind.PermissionDenied,
            "NOT_FOUND" => ProviderErrorKind.NotFound,
            "INVALID_ARGUMENT" or "OUT_OF_RANGE" => ProviderErrorKind.BadRequest,

            // "User location is not supported", "billing not enabled": this deployment cannot serve, another may.
            "FAILED_PRECONDITION" => ProviderErrorKind.PermissionDenied,
            _ => error.Code is >= 400 and < 600 ? ProviderErrorClassifier.FromStatusCode(error.Code.Value) : null,
        };
    }
}
