using System.Net;
using System.Text;
using Microsoft.Extensions.AI;
using static LlmRouter.Tests.Providers.ProviderTestClients;

namespace LlmRouter.Tests.Providers;

/// <summary>
/// What the built-in clients share when reading a response: every way a body can be unusable (invalid UTF-8, too large) is a
/// <see cref="ProviderException"/> of kind InvalidResponse, before or after the first streamed update, for every wire format.
/// </summary>
public sealed class ProviderChatClientTests : IAsyncLifetime
{
    private static readonly byte[] InvalidUtf8 = [0xFF, 0xC3, 0x28];

    private LoopbackServer _server = null!;

    public static TheoryData<string> Types => new() { ProviderTypes.OpenAI, ProviderTypes.Anthropic, ProviderTypes.Gemini };

    public static TheoryData<string, bool> TypesAndModes()
    {
        var data = new TheoryData<string, bool>();
        foreach (string type in new[] { ProviderTypes.OpenAI, ProviderTypes.Anthropic, ProviderTypes.Gemini })
        {
            data.Add(type, false);
            data.Add(type, true);
        }

        return data;
    }

    public async Task InitializeAsync() => _server = await LoopbackServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [MemberData(nameof(Types))]
    public async Task GetStreamingResponseAsync_InvalidUtf8BeforeTheFirstUpdate_ThrowsInvalidResponse(string type)
    {
        _server.Enqueue(new ScriptedResponse { ContentType = "text/event-stream", EventBytes = [.. Start(type), InvalidTextEvent(type)] });
        using IChatClient client = Create(type, EndpointFor(type, _server.BaseUri));

        (List<ChatResponseUpdate> updates, Exception? error) = await ReadUntilErrorAsync(client.GetStreamingResponseAsync(Hello, null, Guard()));

        Assert.Empty(updates);
        AssertInvalidUtf8(error);
    }

    [Theory]
    [MemberData(nameof(Types))]
    public async Task GetStreamingResponseAsync_InvalidUtf8AfterTheFirstUpdate_ThrowsInvalidResponse(string type)
    {
        _server.Enqueue(new ScriptedResponse { ContentType = "text/event-stream", EventBytes = [.. Start(type), Utf8(TextEvent(type, "Hi")), InvalidTextEvent(type)] });
        using IChatClient client = Create(type, EndpointFor(type, _server.BaseUri));

        (List<ChatResponseUpdate> updates, Exception? error) = await ReadUntilErrorAsync(client.GetStreamingResponseAsync(Hello, null, Guard()));

        Assert.Equal("Hi", Assert.Single(updates).Text);
        AssertInvalidUtf8(error);
    }

    [Theory]
    [MemberData(nameof(Types))]
    public async Task GetResponseAsync_InvalidUtf8Body_ThrowsInvalidResponse(string type)
    {
        string text = type switch
        {
            ProviderTypes.Anthropic => """{"id":"msg","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"bad INVALID"}],"stop_reason":"end_turn"}""",
            ProviderTypes.Gemini => """{"candidates":[{"content":{"parts":[{"text":"bad INVALID"}],"role":"model"},"finishReason":"STOP"}]}""",
            _ => """{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"bad INVALID"},"finish_reason":"stop"}]}""",
        };
        var handler = new InMemoryHandler(_ => InMemoryHandler.Bytes(HttpStatusCode.OK, WithInvalidUtf8(text)));
        using var http = new HttpClient(handler);
        using IChatClient client = Create(new ProviderOptions { Type = type, ApiKey = ApiKey }, "m", http);

        Exception? error = await Record.ExceptionAsync(() => client.GetResponseAsync(Hello, null, Guard()));

        AssertInvalidUtf8(error);
    }

    [Theory]
    [MemberData(nameof(TypesAndModes))]
    public async Task Call_ErrorBodyWithInvalidUtf8_IsClassifiedByItsStatus(string type, bool streaming)
    {
        // OpenAI's parser reads the code as text, where the invalid bytes are.
        string text = """{"error":{"message":"slow down","type":"rate_limit_error","code":"rate_limit INVALID","status":"RESOURCE_EXHAUSTED"}}""";
        var handler = new InMemoryHandler(_ => InMemoryHandler.Bytes(HttpStatusCode.TooManyRequests, WithInvalidUtf8(text)));
        using var http = new HttpClient(handler);
        using IChatClient client = Create(new ProviderOptions { Type = type, ApiKey = ApiKey }, "m", http);

        ProviderException error = Assert.IsType<ProviderException>(await Record.ExceptionAsync(() => CallAsync(client, streaming, Hello)));

        Assert.Equal(ProviderErrorKind.RateLimited, error.Kind);
        Assert.Equal(HttpStatusCode.TooManyRequests, error.StatusCode);
    }

    [Theory]
    [MemberData(nameof(TypesAndModes))]
    public async Task Call_ResponseThatNeverEnds_FailsPastMaxResponseBytesAndClosesTheResponse(string type, bool streaming)
    {
        // One body, or one event, that the server never finishes: the client must give up at the limit, not wait for an end.
        _server.Enqueue(new ScriptedResponse
        {
            ContentType = streaming ? "text/event-stream" : "application/json",
            Body = streaming ? "data: {\"text\":\"" : "{\"id\":\"",
            Endless = new string('a', 1024),
        });
        using IChatClient client = Create(new ProviderOptions { Type = type, Endpoint = EndpointFor(type, _server.BaseUri), ApiKey = ApiKey, MaxResponseBytes = 8 * 1024 });

        ProviderException error = Assert.IsType<ProviderException>(await Record.ExceptionAsync(() => CallAsync(client, streaming, Hello)));

        Assert.Equal(ProviderErrorKind.InvalidResponse, error.Kind);
        Assert.Contains("8192 bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("MaxResponseBytes", error.Message, StringComparison.Ordinal);
        Assert.Contains(streaming ? "a server-sent event is larger" : "the response body is larger", error.Message, StringComparison.Ordinal);
        await _server.ClientAborted.Task.WaitAsync(Guard());
    }

    [Theory]
    [MemberData(nameof(Types))]
    public async Task GetStreamingResponseAsync_EventOfEndlessLines_FailsPastMaxResponseBytes(string type)
    {
        // Many short lines with no blank line between them are one event, which the event parser would buffer whole.
        _server.Enqueue(new ScriptedResponse { ContentType = "text/event-stream", Endless = "data: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n" });
        using IChatClient client = Create(new ProviderOptions { Type = type, Endpoint = EndpointFor(type, _server.BaseUri), ApiKey = ApiKey, MaxResponseBytes = 4096 });

        ProviderException error = await Assert.ThrowsAsync<ProviderException>(() => ReadAllAsync(client.GetStreamingResponseAsync(Hello, null, Guard())));

        Assert.Equal(ProviderErrorKind.InvalidResponse, error.Kind);
        Assert.Contains("4096 bytes", error.Message, StringComparison.Ordinal);
        await _server.ClientAborted.Task.WaitAsync(Guard());
    }

    [Theory]
    [MemberData(nameof(Types))]
    public async Task GetStreamingResponseAsync_StreamLargerThanTheLimitInSmallEvents_IsReadWhole(string type)
    {
        // The limit is per event: a long answer in many small events is fine.
        var events = new List<string>(Start(type).Select(Encoding.UTF8.GetString));
        for (int i = 0; i < 100; i++)
        {
            events.Add(TextEvent(type, "word "));
        }

        events.AddRange(End(type));
        _server.EnqueueEvents(events);
        using IChatClient client = Create(new ProviderOptions { Type = type, Endpoint = EndpointFor(type, _server.BaseUri), ApiKey = ApiKey, MaxResponseBytes = 1024 });

        ChatResponse response = (await ReadAllAsync(client.GetStreamingResponseAsync(Hello, null, Guard()))).ToChatResponse();

        Assert.Equal(string.Concat(Enumerable.Repeat("word ", 100)), response.Text);
    }

    [Theory]
    [MemberData(nameof(Types))]
    public async Task GetResponseAsync_ContentLengthPastTheLimit_FailsWithoutReadingAndDisposesTheResponse(string type)
    {
        var content = new TrackingContent(new byte[64 * 1024]);
        var handler = new InMemoryHandler(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = content });
        using var http = new HttpClient(handler);
        using IChatClient client = Create(new ProviderOptions { Type = type, ApiKey = ApiKey, MaxResponseBytes = 1024 }, "m", http);

        ProviderException error = await Assert.ThrowsAsync<ProviderException>(() => client.GetResponseAsync(Hello, null, Guard()));

        Assert.Equal(ProviderErrorKind.InvalidResponse, error.Kind);
        Assert.Contains("the response body is larger than 1024 bytes", error.Message, StringComparison.Ordinal);
        Assert.False(content.Read);
        Assert.True(content.Disposed);
    }

    [Theory]
    [MemberData(nameof(TypesAndModes))]
    public async Task Call_ErrorBodyThatNeverEnds_IsClassifiedByItsStatus(string type, bool streaming)
    {
        _server.Enqueue(new ScriptedResponse { Status = 503, Body = "{\"error\":{\"message\":\"", Endless = new string('a', 1024) });
        using IChatClient client = Create(type, EndpointFor(type, _server.BaseUri));

        ProviderException error = Assert.IsType<ProviderException>(await Record.ExceptionAsync(() => CallAsync(client, streaming, Hello)));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.Equal(ProviderErrorKind.Overloaded, error.Kind);
        await _server.ClientAborted.Task.WaitAsync(Guard());
    }

    private static void AssertInvalidUtf8(Exception? error)
    {
        ProviderException provider = Assert.IsType<ProviderException>(error);
        Assert.Equal(ProviderErrorKind.InvalidResponse, provider.Kind);
        Assert.Contains("not valid UTF-8", provider.Message, StringComparison.Ordinal);
    }

    private static async Task<(List<ChatResponseUpdate> Updates, Exception? Error)> ReadUntilErrorAsync(IAsyncEnumerable<ChatResponseUpdate> stream)
    {
        var updates = new List<ChatResponseUpdate>();
        Exception? error = await Record.ExceptionAsync(async () =>
        {
            await foreach (ChatResponseUpdate update in stream)
            {
                updates.Add(update);
            }
        });
        return (updates, error);
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>The bytes of <paramref name="text"/> with its <c>INVALID</c> replaced by bytes that are not UTF-8.</summary>
    private static byte[] WithInvalidUtf8(string text)
    {
        int at = text.IndexOf("INVALID", StringComparison.Ordinal);
        return [.. Utf8(text[..at]), .. InvalidUtf8, .. Utf8(text[(at + "INVALID".Length)..])];
    }

    /// <summary>The events a stream of <paramref name="type"/> starts with, before any text.</summary>
    private static byte[][] Start(string type) => type == ProviderTypes.Anthropic
        ? [Utf8(Sse.Event("message_start", """{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"m","usage":{"input_tokens":1,"output_tokens":1}}}"""))]
        : [];

    private static string[] End(string type) => type switch
    {
        ProviderTypes.Anthropic =>
        [
            Sse.Event("message_delta", """{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":100}}"""),
            Sse.Event("message_stop", """{"type":"message_stop"}"""),
        ],
        ProviderTypes.Gemini => [Sse.Data("""{"candidates":[{"content":{"parts":[{"text":""}],"role":"model"},"finishReason":"STOP"}]}""")],
        _ => [Sse.Data("""{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"""), Sse.Done],
    };

    private static string TextEvent(string type, string text) => type switch
    {
        ProviderTypes.Anthropic => Sse.Event("content_block_delta", $$$"""{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"{{{text}}}"}}"""),
        ProviderTypes.Gemini => Sse.Data($$$"""{"candidates":[{"content":{"parts":[{"text":"{{{text}}}"}],"role":"model"}}]}"""),
        _ => Sse.Data($$$"""{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"{{{text}}}"},"finish_reason":null}]}"""),
    };

    private static byte[] InvalidTextEvent(string type) => WithInvalidUtf8(TextEvent(type, "bad INVALID"));

    /// <summary>Content of a known length that records whether it was read and disposed.</summary>
    private sealed class TrackingContent(byte[] body) : HttpContent
    {
        public bool Read { get; private set; }

        public bool Disposed { get; private set; }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            Read = true;
            return stream.WriteAsync(body).AsTask();
        }

        protected override Task<Stream> CreateContentReadStreamAsync()
        {
            Read = true;
            return Task.FromResult<Stream>(new MemoryStream(body));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = body.Length;
            return true;
        }

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }
}
