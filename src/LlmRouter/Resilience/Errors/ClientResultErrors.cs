using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net.Http.Headers;

namespace LlmRouter;

/// <summary>
/// Classifies <see cref="ClientResultException"/>, which the OpenAI and Azure OpenAI SDKs (and every SDK built on
/// System.ClientModel) throw for a failed response: the kind from the status code and the OpenAI-style error body
/// (<see cref="OpenAIErrors"/>: context length, content filter, insufficient quota, …), the wait from the response's
/// <c>Retry-After</c>, <c>retry-after-ms</c> and rate-limit reset headers (<see cref="RetryAfterHeaders"/>).
/// </summary>
/// <remarks>
/// The exception also carries failures that never got a response, such as a connection reset in the middle of a stream:
/// its status is 0 and its inner exception (an <see cref="HttpRequestException"/> or <see cref="IOException"/>) says what
/// happened, so those are left to the rules that walk inner exceptions.
/// </remarks>
internal static class ClientResultErrors
{
    /// <summary>Classifies a failure that came with an HTTP status; returns <see langword="false"/> for one that did not.</summary>
    public static bool TryClassify(ClientResultException exception, out ProviderError error)
    {
        PipelineResponse? response = exception.GetRawResponse();
        int status = exception.Status != 0 ? exception.Status : response?.Status ?? 0;
        if (status == 0)
        {
            error = default;
            return false;
        }

        ProviderErrorDetails details = response is null ? default : OpenAIErrors.Parse(Body(response));
        ProviderErrorKind kind = details.Kind ?? ProviderErrorClassifier.FromStatusCode(status);
        error = new ProviderError(kind, status, response is null ? null : RetryAfter(response.Headers, status));
        return true;
    }

    private static ReadOnlySpan<byte> Body(PipelineResponse response)
    {
        try
        {
            return response.Content.ToMemory().Span;
        }
        catch (InvalidOperationException)
        {
            // The body was not buffered (the SDK streams it); the status code alone classifies the failure.
            return default;
        }
    }

    private static TimeSpan? RetryAfter(PipelineResponseHeaders headers, int status)
    {
        // The header rules read HttpHeaders; a failed response's few headers are copied once, on the failure path only.
        using var carrier = new HttpResponseMessage();
        HttpResponseHeaders copy = carrier.Headers;
        foreach (KeyValuePair<string, string> header in headers)
        {
            copy.TryAddWithoutValidation(header.Key, header.Value);
        }

        // Dates and reset timestamps are measured against the response's own Date, the clock that wrote them; classification
        // has no injected clock, and a delay in seconds (the usual form) does not depend on it.
        DateTimeOffset now = copy.Date ?? TimeProvider.System.GetUtcNow();
        return RetryAfterHeaders.Parse(copy, now, includeRateLimitResets: status == 429);
    }
}
