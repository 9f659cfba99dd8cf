using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace LlmRouter;

/// <summary>
/// An error the endpoint answers with, in OpenAI's terms: the HTTP status, the error's <c>type</c>, <c>code</c> and <c>param</c>,
/// and the <c>Retry-After</c> a client should wait. Built from the router's typed exceptions without their inner messages,
/// which could echo a provider's text: what a caller reads names deployments, kinds and statuses, never a key.
/// </summary>
internal readonly record struct GatewayError(int Status, string Type, string? Code, string Message, string? Param = null, TimeSpan? RetryAfter = null)
{
    public const string InvalidRequest = "invalid_request_error";

    public static GatewayError BadRequest(string message, string? param = null) =>
        new(StatusCodes.Status400BadRequest, InvalidRequest, "invalid_request", message, param);

    public static GatewayError Unauthorized(bool presented) =>
        new(StatusCodes.Status401Unauthorized, InvalidRequest, "invalid_api_key", presented
            ? "The API key is not valid for this gateway."
            : "No API key: send one as 'Authorization: Bearer <key>'.");

    public static GatewayError RouteNotAllowed(string key, string route) =>
        new(StatusCodes.Status403Forbidden, "permission_error", "model_not_allowed", $"Key '{key}' may not use model '{route}'.", "model");

    public static GatewayError UnknownModel(string model, string known) =>
        new(StatusCodes.Status404NotFound, InvalidRequest, "model_not_found", $"The model '{model}' does not exist. Known models: {known}.", "model");

    public static GatewayError TooLarge(long limit) =>
        new(StatusCodes.Status413PayloadTooLarge, InvalidRequest, "request_too_large",
            string.Create(CultureInfo.InvariantCulture, $"The request body is larger than this gateway accepts ({limit} bytes)."));

    /// <summary>Maps what the router threw to the answer; <see langword="null"/> for an exception it does not know, which is a 500.</summary>
    public static GatewayError FromException(Exception exception, TimeProvider time) => exception switch
    {
        RateLimitExceededException limited => new(StatusCodes.Status429TooManyRequests, "rate_limit_error", "rate_limit_exceeded", limited.Message, RetryAfter: limited.RetryAfter),
        BudgetExceededException budget => new(StatusCodes.Status429TooManyRequests, "rate_limit_error", "budget_exceeded", budget.Message,
            RetryAfter: budget.ResetsAt - time.GetUtcNow() is { Ticks: > 0 } wait ? wait : TimeSpan.Zero),
        LlmRouterException failed => FromFailure(failed),
        SensitiveDataException blocked => new(StatusCodes.Status400BadRequest, InvalidRequest, "sensitive_data_blocked", blocked.Message),
        ProviderException { Kind: ProviderErrorKind.BadRequest } invalid => BadRequest(invalid.Message),
        OpenAIRequestException invalid => BadRequest(invalid.Message, invalid.Param),
        ArgumentException invalid => BadRequest(invalid.Message),
        _ => new(StatusCodes.Status500InternalServerError, "server_error", "internal_error", "The gateway failed to serve the request."),
    };

    /// <summary>
    /// Every deployment failed or none could be tried: 400 when the request itself was refused, 503 with the soonest
    /// Retry-After when every attempt was turned away for load (or nothing could be tried), 502 otherwise.
    /// </summary>
    private static GatewayError FromFailure(LlmRouterException failed)
    {
        IReadOnlyList<RouterAttempt> attempts = failed.Attempts;
        string summary = FirstLine(failed.Message);
        if (attempts.Count == 0)
        {
            return new(StatusCodes.Status503ServiceUnavailable, "server_error", "no_deployment_available", summary);
        }

        var text = new StringBuilder(summary).Append(" Attempts: ");
        bool allLoad = true;
        TimeSpan? soonest = null;
        for (int i = 0; i < attempts.Count; i++)
        {
            RouterAttempt attempt = attempts[i];
            text.Append(i == 0 ? string.Empty : "; ").Append(attempt.ToShortString());
            allLoad &= attempt.Kind is ProviderErrorKind.RateLimited or ProviderErrorKind.Overloaded;
            if (attempt.RetryAfter is { } wait && (soonest is null || wait < soonest))
            {
                soonest = wait;
            }
        }

        text.Append('.');
        ProviderErrorKind last = attempts[^1].Kind;
        if (last is ProviderErrorKind.BadRequest or ProviderErrorKind.ContextLengthExceeded)
        {
            return new(StatusCodes.Status400BadRequest, InvalidRequest, last == ProviderErrorKind.BadRequest ? "invalid_request" : "context_length_exceeded", text.ToString());
        }

        if (last is ProviderErrorKind.ContentFiltered)
        {
            return new(StatusCodes.Status400BadRequest, InvalidRequest, "content_filter", text.ToString());
        }

        return allLoad
            ? new(StatusCodes.Status503ServiceUnavailable, "server_error", "upstream_unavailable", text.ToString(), RetryAfter: soonest)
            : new(StatusCodes.Status502BadGateway, "server_error", "upstream_failed", text.ToString());
    }

    private static string FirstLine(string message)
    {
        int end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }

    /// <summary>The <c>Retry-After</c> header value: whole seconds, rounded up, at least 1 when any wait is due.</summary>
    public string? RetryAfterHeader() =>
        RetryAfter is { } wait ? Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture) : null;
}
