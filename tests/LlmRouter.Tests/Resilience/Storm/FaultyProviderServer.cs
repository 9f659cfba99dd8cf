using System.Text;
using LlmRouter.Tests.Providers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace LlmRouter.Tests.Resilience.Storm;

/// <summary>What an OpenAI-compatible loopback provider does with one request.</summary>
internal enum Fault
{
    Answer,
    Slow,
    Overloaded,
    ServerError,
    RateLimited,
    InvalidUtf8BeforeContent,
    InvalidUtf8AfterContent,
    TruncatedStream,
    EmptyAnswer,
    Stall,
}

/// <summary>
/// A Kestrel server on 127.0.0.1 speaking the OpenAI chat-completions format, which answers each request with a fault drawn
/// from its mix (seeded), and counts the requests still open so a test can check every response was disposed.
/// </summary>
internal sealed class FaultyProviderServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly (Fault Fault, double Share)[] _mix;
    private readonly Random _random;
    private int _open;
    private int _received;

    private FaultyProviderServer(WebApplication app, (Fault, double)[] mix, int seed)
    {
        _app = app;
        _mix = mix;
        _random = new Random(seed);
    }

    public Uri BaseUri { get; private init; } = null!;

    /// <summary>Gets the requests whose handling has not finished: a response not yet written or a connection not yet closed.</summary>
    public int Open => Volatile.Read(ref _open);

    public int Received => Volatile.Read(ref _received);

    public static async Task<FaultyProviderServer> StartAsync(int seed, params (Fault Fault, double Share)[] mix)
    {
        FaultyProviderServer? server = null;
        (WebApplication app, Uri address) = await LoopbackServer.StartKestrelAsync(context => server!.HandleAsync(context));
        server = new FaultyProviderServer(app, mix, seed) { BaseUri = new Uri(address, "/v1/") };
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private Fault Draw()
    {
        double draw;
        lock (_random)
        {
            draw = _random.NextDouble();
        }

        foreach ((Fault fault, double share) in _mix)
        {
            if ((draw -= share) < 0)
            {
                return fault;
            }
        }

        return Fault.Answer;
    }

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _open);
        Interlocked.Increment(ref _received);
        try
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            string body = await reader.ReadToEndAsync(context.RequestAborted);
            bool stream = body.Contains("\"stream\":true", StringComparison.Ordinal);
            await RespondAsync(context, Draw(), stream);
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException)
        {
            // The client went away: a cancelled or timed-out attempt, or a disposed stream.
        }
        finally
        {
            Interlocked.Decrement(ref _open);
        }
    }

    private static async Task RespondAsync(HttpContext context, Fault fault, bool stream)
    {
        HttpResponse response = context.Response;
        CancellationToken aborted = context.RequestAborted;
        switch (fault)
        {
            case Fault.Overloaded:
                response.StatusCode = 503;
                await response.WriteAsync("""{"error":{"message":"Overloaded","type":"server_error"}}""", aborted);
                return;

            case Fault.ServerError:
                response.StatusCode = 500;
                await response.WriteAsync("""{"error":{"message":"Internal error","type":"server_error"}}""", aborted);
                return;

            case Fault.RateLimited:
                response.StatusCode = 429;
                response.Headers.RetryAfter = "1";
                await response.WriteAsync("""{"error":{"message":"Rate limit reached","type":"rate_limit_exceeded"}}""", aborted);
                return;

            case Fault.Stall:
                await response.StartAsync(aborted);
                await Task.Delay(Timeout.Infinite, aborted);
                return;

            case Fault.Slow:
                await Task.Delay(150, aborted);
                break;
        }

        if (!stream)
        {
            response.ContentType = "application/json";
            string content = fault == Fault.EmptyAnswer ? "null" : "\"Hello from the storm.\"";
            byte[] bytes = Encoding.UTF8.GetBytes(
                $$$"""{"id":"c1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":{{{content}}}},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":4,"total_tokens":9}}""");
            if (fault is Fault.InvalidUtf8BeforeContent or Fault.InvalidUtf8AfterContent)
            {
                bytes[bytes.Length / 2] = 0xC3;
                bytes[(bytes.Length / 2) + 1] = 0x28;
            }

            await response.Body.WriteAsync(bytes, aborted);
            return;
        }

        response.ContentType = "text/event-stream";
        await response.StartAsync(aborted);
        await Event(response, """{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}""", aborted);
        if (fault == Fault.InvalidUtf8BeforeContent)
        {
            await RawEvent(response, aborted);
            return;
        }

        if (fault != Fault.EmptyAnswer)
        {
            await Event(response, """{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hello from "},"finish_reason":null}]}""", aborted);
            if (fault == Fault.InvalidUtf8AfterContent)
            {
                await RawEvent(response, aborted);
                return;
            }

            if (fault == Fault.TruncatedStream)
            {
                await response.Body.FlushAsync(aborted);
                context.Abort();
                return;
            }

            await Event(response, """{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"the storm."},"finish_reason":null}]}""", aborted);
        }

        await Event(response, """{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":4,"total_tokens":9}}""", aborted);
        await response.WriteAsync("data: [DONE]\n\n", aborted);
    }

    private static async Task Event(HttpResponse response, string json, CancellationToken aborted)
    {
        await response.WriteAsync("data: " + json + "\n\n", aborted);
        await response.Body.FlushAsync(aborted);
    }

    /// <summary>A chunk whose text holds a byte sequence that is not UTF-8.</summary>
    private static async Task RawEvent(HttpResponse response, CancellationToken aborted)
    {
        byte[] head = Encoding.UTF8.GetBytes("""data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"bad """);
        byte[] tail = Encoding.UTF8.GetBytes(""" text"},"finish_reason":null}]}""" + "\n\n");
        await response.Body.WriteAsync(head, aborted);
        await response.Body.WriteAsync(new byte[] { 0xC3, 0x28, 0xFF }, aborted);
        await response.Body.WriteAsync(tail, aborted);
        await response.Body.FlushAsync(aborted);
    }
}
