using System.Net;

namespace LlmRouter.Tests.Resilience;

public class ProviderExceptionTests
{
    [Fact]
    public void Constructor_FromStatusCode_DerivesKindAndDescribesStatus()
    {
        var exception = new ProviderException(HttpStatusCode.TooManyRequests);

        Assert.Equal(ProviderErrorKind.RateLimited, exception.Kind);
        Assert.Equal(HttpStatusCode.TooManyRequests, exception.StatusCode);
        Assert.Equal("The provider answered HTTP 429 (TooManyRequests).", exception.Message);
    }

    [Fact]
    public void Constructor_ExplicitKind_IsAnHttpRequestExceptionWithMatchingRequestError()
    {
        HttpRequestException exception = new ProviderException("stream cut", ProviderErrorKind.InvalidResponse);

        Assert.Equal(HttpRequestError.InvalidResponse, exception.HttpRequestError);
        Assert.Null(exception.StatusCode);
    }

    [Fact]
    public void Properties_CarryProviderDetails()
    {
        var exception = new ProviderException("ctx", ProviderErrorKind.ContextLengthExceeded, HttpStatusCode.BadRequest)
        {
            ProviderName = "openai",
            ErrorType = "invalid_request_error",
            ErrorCode = "context_length_exceeded",
            RetryAfter = null,
        };

        Assert.Equal(("openai", "invalid_request_error", "context_length_exceeded"), (exception.ProviderName, exception.ErrorType, exception.ErrorCode));
    }
}
