using System.Net.Sockets;
using System.Text.Json;

namespace LlmRouter;

/// <summary>The built-in classification rules; custom classifiers run before them.</summary>
internal static class ProviderErrorClassifier
{
    // SDKs wrap transport failures a few levels deep; deeper chains are not worth walking.
    private const int MaxInnerDepth = 4;

    public static ProviderError Classify(Exception exception, IProviderErrorClassifier[] customClassifiers)
    {
        Exception? current = exception;
        for (int depth = 0; current is not null && depth <= MaxInnerDepth; depth++, current = current.InnerException)
        {
            foreach (IProviderErrorClassifier classifier in customClassifiers)
            {
                if (classifier.Classify(current) is { } custom)
                {
                    return custom;
                }
            }

            if (TryClassifyKnown(current, out ProviderError known))
            {
                return known;
            }
        }

        return new ProviderError(ProviderErrorKind.Unknown);
    }

    public static ProviderErrorKind FromStatusCode(int statusCode) => statusCode switch
    {
        400 or 422 => ProviderErrorKind.BadRequest,
        401 => ProviderErrorKind.Authentication,
        402 => ProviderErrorKind.QuotaExceeded,
        403 => ProviderErrorKind.PermissionDenied,
        404 => ProviderErrorKind.NotFound,
        408 => ProviderErrorKind.Timeout,
        409 => ProviderErrorKind.ServerError,
        413 => ProviderErrorKind.ContextLengthExceeded,
        429 => ProviderErrorKind.RateLimited,
        503 or 529 => ProviderErrorKind.Overloaded,
        504 => ProviderErrorKind.Timeout,
        >= 500 and < 600 => ProviderErrorKind.ServerError,
        >= 400 and < 500 => ProviderErrorKind.BadRequest,
        _ => ProviderErrorKind.Unknown,
    };

    private static bool TryClassifyKnown(Exception exception, out ProviderError error)
    {
        switch (exception)
        {
            case ProviderException provider:
                error = new ProviderError(provider.Kind, (int?)provider.StatusCode, provider.RetryAfter);
                return true;

            case HttpRequestException http when http.StatusCode is { } status:
                error = new ProviderError(FromStatusCode((int)status), (int)status);
                return true;

            case HttpRequestException http:
                error = new ProviderError(http.HttpRequestError switch
                {
                    HttpRequestError.InvalidResponse or HttpRequestError.ConfigurationLimitExceeded => ProviderErrorKind.InvalidResponse,
                    _ => ProviderErrorKind.Transport,
                });
                return true;

            case System.ClientModel.ClientResultException result when ClientResultErrors.TryClassify(result, out error):
                return true;

            case TimeoutException:
            case OperationCanceledException:
                // The caller's own cancellation is recognised before classification, so a cancellation
                // reaching this point came from a timeout inside the client (HttpClient.Timeout, a linked token).
                error = new ProviderError(ProviderErrorKind.Timeout);
                return true;

            case IOException:
            case SocketException:
                error = new ProviderError(ProviderErrorKind.Transport);
                return true;

            case JsonException:
                error = new ProviderError(ProviderErrorKind.InvalidResponse);
                return true;

            default:
                error = default;
                return false;
        }
    }
}
