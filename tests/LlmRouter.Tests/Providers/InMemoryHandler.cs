using System.Net;

namespace LlmRouter.Tests.Providers;

/// <summary>
/// An <see cref="HttpMessageHandler"/> that answers every request in memory with the response <see cref="Respond"/> makes, and
/// counts the requests; fast enough to serve thousands of fuzzed responses.
/// </summary>
internal sealed class InMemoryHandler(Func<HttpRequestMessage, HttpResponseMessage> respond) : HttpMessageHandler
{
    private int _requests;

    public Func<HttpRequestMessage, HttpResponseMessage> Respond { get; } = respond;

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>A response with <paramref name="body"/> as its content, as given (invalid UTF-8 included).</summary>
    public static HttpResponseMessage Bytes(HttpStatusCode status, byte[] body, string mediaType = "application/json")
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(mediaType);
        return new HttpResponseMessage(status) { Content = content };
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _requests);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Respond(request));
    }
}
