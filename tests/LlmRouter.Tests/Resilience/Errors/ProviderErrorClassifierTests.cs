using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using NSubstitute;

namespace LlmRouter.Tests.Resilience;

public class ProviderErrorClassifierTests
{
    private static ProviderError Classify(Exception exception, params IProviderErrorClassifier[] custom) =>
        ProviderErrorClassifier.Classify(exception, custom);

    [Theory]
    [InlineData(400, ProviderErrorKind.BadRequest)]
    [InlineData(401, ProviderErrorKind.Authentication)]
    [InlineData(402, ProviderErrorKind.QuotaExceeded)]
    [InlineData(403, ProviderErrorKind.PermissionDenied)]
    [InlineData(404, ProviderErrorKind.NotFound)]
    [InlineData(408, ProviderErrorKind.Timeout)]
    [InlineData(409, ProviderErrorKind.ServerError)]
    [InlineData(413, ProviderErrorKind.ContextLengthExceeded)]
    [InlineData(418, ProviderErrorKind.BadRequest)]
    [InlineData(422, ProviderErrorKind.BadRequest)]
    [InlineData(429, ProviderErrorKind.RateLimited)]
    [InlineData(500, ProviderErrorKind.ServerError)]
    [InlineData(502, ProviderErrorKind.ServerError)]
    [InlineData(503, ProviderErrorKind.Overloaded)]
    [InlineData(504, ProviderErrorKind.Timeout)]
    [InlineData(529, ProviderErrorKind.Overloaded)]
    [InlineData(599, ProviderErrorKind.ServerError)]
    [InlineData(302, ProviderErrorKind.Unknown)]
    public void Classify_HttpStatus_MapsToKind(int status, ProviderErrorKind expected)
    {
        ProviderError error = Classify(new HttpRequestException("failed", null, (HttpStatusCode)status));

        Assert.Equal(new ProviderError(expected, status), error);
    }

    [Fact]
    public void Classify_ProviderException_TakesItsKindStatusAndRetryAfter()
    {
        var exception = new ProviderException("too long", ProviderErrorKind.ContextLengthExceeded, HttpStatusCode.BadRequest) { RetryAfter = TimeSpan.FromSeconds(3) };

        Assert.Equal(new ProviderError(ProviderErrorKind.ContextLengthExceeded, 400, TimeSpan.FromSeconds(3)), Classify(exception));
    }

    [Theory]
    [InlineData(HttpRequestError.ConnectionError, ProviderErrorKind.Transport)]
    [InlineData(HttpRequestError.NameResolutionError, ProviderErrorKind.Transport)]
    [InlineData(HttpRequestError.SecureConnectionError, ProviderErrorKind.Transport)]
    [InlineData(HttpRequestError.ResponseEnded, ProviderErrorKind.Transport)]
    [InlineData(HttpRequestError.InvalidResponse, ProviderErrorKind.InvalidResponse)]
    [InlineData(HttpRequestError.ConfigurationLimitExceeded, ProviderErrorKind.InvalidResponse)]
    public void Classify_HttpRequestExceptionWithoutStatus_UsesRequestError(HttpRequestError requestError, ProviderErrorKind expected)
    {
        Assert.Equal(expected, Classify(new HttpRequestException(requestError, "failed")).Kind);
    }

    public static TheoryData<Exception, ProviderErrorKind> ExceptionTypes => new()
    {
        { new TimeoutException(), ProviderErrorKind.Timeout },
        { new TaskCanceledException("HttpClient.Timeout elapsed", new TimeoutException()), ProviderErrorKind.Timeout },
        { new OperationCanceledException(), ProviderErrorKind.Timeout },
        { new IOException("reset"), ProviderErrorKind.Transport },
        { new SocketException((int)SocketError.ConnectionRefused), ProviderErrorKind.Transport },
        { new JsonException("unexpected end"), ProviderErrorKind.InvalidResponse },
        { new InvalidOperationException("wrapped", new HttpRequestException("x", null, HttpStatusCode.TooManyRequests)), ProviderErrorKind.RateLimited },
        { new AggregateException(new IOException("reset")), ProviderErrorKind.Transport },
        { new InvalidOperationException("who knows"), ProviderErrorKind.Unknown },
    };

    [Theory]
    [MemberData(nameof(ExceptionTypes))]
    public void Classify_ExceptionType_MapsToKind(Exception exception, ProviderErrorKind expected)
    {
        Assert.Equal(expected, Classify(exception).Kind);
    }

    [Fact]
    public void Classify_CustomClassifier_WinsOverBuiltInRulesAndSeesInnerExceptions()
    {
        IProviderErrorClassifier custom = Substitute.For<IProviderErrorClassifier>();
        custom.Classify(Arg.Any<Exception>()).Returns(call =>
            call.Arg<Exception>() is ArgumentException ? new ProviderError(ProviderErrorKind.QuotaExceeded, 429) : null);

        Assert.Equal(ProviderErrorKind.QuotaExceeded, Classify(new InvalidOperationException("outer", new ArgumentException("inner")), custom).Kind);
        Assert.Equal(ProviderErrorKind.Transport, Classify(new IOException(), custom).Kind);
    }

    [Fact]
    public void Classify_DeeplyNestedCause_StopsAfterAFewLevels()
    {
        Exception exception = new HttpRequestException("x", null, HttpStatusCode.ServiceUnavailable);
        for (int i = 0; i < 10; i++)
        {
            exception = new InvalidOperationException("wrapper", exception);
        }

        Assert.Equal(ProviderErrorKind.Unknown, Classify(exception).Kind);
    }
}
