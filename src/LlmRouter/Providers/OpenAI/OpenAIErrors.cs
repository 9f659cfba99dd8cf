using System.Globalization;
using System.Text.Json;

namespace LlmRouter;

/// <summary>Reads OpenAI-style error bodies, <c>{"error": {"message", "type", "param", "code"}}</c>, and classifies them.</summary>
internal static class OpenAIErrors
{
    public static readonly ErrorBodyParser Parser = Parse;

    public static ProviderErrorDetails Parse(ReadOnlySpan<byte> body)
    {
        try
        {
            OpenAIError? error = JsonSerializer.Deserialize(body, OpenAIJsonContext.Default.OpenAIErrorBody)?.Error;
            return error is null ? default : Describe(error);
        }
        catch (JsonException)
        {
            return default;
        }
    }

    public static ProviderErrorDetails Describe(OpenAIError error)
    {
        string? code = error.Code.ValueKind switch
        {
            JsonValueKind.String => error.Code.GetString(),
            JsonValueKind.Number => error.Code.GetRawText(),
            _ => null,
        };

        return new ProviderErrorDetails(error.Type, code, error.Message, Classify(error, code));
    }

    private static ProviderErrorKind? Classify(OpenAIError error, string? code)
    {
        if (code is "insufficient_quota" || error.Type is "insufficient_quota")
        {
            return ProviderErrorKind.QuotaExceeded;
        }

        if (code is "invalid_api_key" || error.Type is "authentication_error")
        {
            return ProviderErrorKind.Authentication;
        }

        if (code is "model_not_found")
        {
            return ProviderErrorKind.NotFound;
        }

        if (code is "rate_limit_exceeded")
        {
            return ProviderErrorKind.RateLimited;
        }

        if (ErrorText.IsContextLength(code) || ErrorText.IsContextLength(error.Message))
        {
            return ProviderErrorKind.ContextLengthExceeded;
        }

        if (ErrorText.IsContentFilter(code) || ErrorText.IsContentFilter(error.Type) || ErrorText.IsContentFilter(error.Innererror?.Code)
            || ErrorText.IsContentFilter(error.Message))
        {
            return ProviderErrorKind.ContentFiltered;
        }

        // Compatible servers reporting an error inside a stream put the HTTP status they would have sent in "code".
        if (error.Code.ValueKind == JsonValueKind.Number && error.Code.TryGetInt32(out int status) && status is >= 400 and < 600)
        {
            return ProviderErrorClassifier.FromStatusCode(status);
        }

        if (code is not null && int.TryParse(code, NumberStyles.None, CultureInfo.InvariantCulture, out status) && status is >= 400 and < 600)
        {
            return ProviderErrorClassifier.FromStatusCode(status);
        }

        return null;
    }
}
