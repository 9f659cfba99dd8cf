using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LlmRouter.Tests.Providers;

/// <summary>
/// A Kestrel server on 127.0.0.1 and a free port that answers each request with the next scripted response and records
/// what it received. Streams are written event by event with a flush after each, so clients see them as a real provider sends them.
/// </summary>
internal sealed class LoopbackServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ScriptedResponse> _script = new();
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();

    private LoopbackServer(WebApplication app)
    {
        _app = app;
    }

    public Uri BaseUri { get; private init; } = null!;

    /// <summary>Completes when a request's connection was aborted by the client (a disposed response, a cancelled call).</summary>
    public TaskCompletionSource ClientAborted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the first request has been received and recorded.</summary>
    public TaskCompletionSource RequestReceived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyCollection<RecordedRequest> Requests => _requests;

    public RecordedRequest LastRequest => _requests.Last();

    public static async Task<LoopbackServer> StartAsync()
    {
        LoopbackServer? server = null;
        (WebApplication app, Uri address) = await StartKestrelAsync(context => server!.HandleAsync(context));
        server = new LoopbackServer(app) { BaseUri = address };
        return server;
    }

    /// <summary>Starts Kestrel on 127.0.0.1 and a free port, answering every request with <paramref name="handle"/>.</summary>
    public static async Task<(WebApplication App, Uri BaseUri)> StartKestrelAsync(RequestDelegate handle)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        WebApplication app = builder.Build();
        app.Run(handle);
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new Uri(address));
    }

    public LoopbackServer Enqueue(ScriptedResponse response)
    {
        _script.Enqueue(response);
        return this;
    }

    public LoopbackServer EnqueueJson(string body, int status = 200, params (string Name, string Value)[] headers) =>
        Enqueue(new ScriptedResponse { Status = status, Body = body, Headers = headers });

    public LoopbackServer EnqueueEvents(IEnumerable<string> events, params (string Name, string Value)[] headers) =>
        Enqueue(new ScriptedResponse { ContentType = "text/event-stream", Events = [.. events], Headers = headers });

    /// <summary>The URL of <paramref name="path"/> on this server, for endpoints that carry a version segment.</summary>
    public Uri Url(string path) => new(BaseUri, path);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        string body = await reader.ReadToEndAsync(context.RequestAborted);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues> header in context.Request.Headers)
        {
            headers[header.Key] = header.Value.ToString();
        }

        _requests.Enqueue(new RecordedRequest(context.Request.Method, context.Request.Path.Value ?? string.Empty, context.Request.QueryString.Value ?? string.Empty, headers, body));
        context.RequestAborted.Register(static state => ((TaskCompletionSource)state!).TrySetResult(), ClientAborted);
        RequestReceived.TrySetResult();

        if (!_script.TryDequeue(out ScriptedResponse? response))
        {
            context.Response.StatusCode = 599;
            return;
        }

        context.Response.StatusCode = response.Status;
        context.Response.ContentType = response.ContentType;
        foreach ((string name, string value) in response.Headers)
        {
            context.Response.Headers[name] = value;
        }

        try
        {
            if (response.Body is not null)
            {
                byte[] bytes = Encoding.UTF8.GetBytes(response.Body);
                if (response.AbortAfterBody)
                {
                    // Announce more than is sent, so the client sees a body cut short.
                    context.Response.ContentLength = bytes.Length + 100;
                }

                await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
            }

            if (response.Events is not null)
            {
                await context.Response.StartAsync(context.RequestAborted);
                foreach (string item in response.Events)
                {
                    await context.Response.WriteAsync(item, context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                }
            }

            if (response.EventBytes is not null)
            {
                await context.Response.StartAsync(context.RequestAborted);
                foreach (byte[] item in response.EventBytes)
                {
                    await context.Response.Body.WriteAsync(item, context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                }
            }

            if (response.Endless is not null)
            {
                byte[] chunk = Encoding.UTF8.GetBytes(response.Endless);
                while (true)
                {
                    await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                }
            }

            if (response.HoldOpen)
            {
                await context.Response.Body.FlushAsync(context.RequestAborted);
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }

            if (response.AbortAfterBody)
            {
                await context.Response.Body.FlushAsync(context.RequestAborted);
                context.Abort();
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException)
        {
            // The client went away; that is what the hold-open and endless responses wait for.
        }
    }
}

/// <summary>What the server answers to one request.</summary>
internal sealed record ScriptedResponse
{
    public int Status { get; init; } = 200;

    public string ContentType { get; init; } = "application/json";

    public string? Body { get; init; }

    /// <summary>Server-sent events (or any text) written one at a time, each flushed.</summary>
    public IReadOnlyList<string>? Events { get; init; }

    public IReadOnlyList<(string Name, string Value)> Headers { get; init; } = [];

    /// <summary>Events (or any bytes) written one at a time, each flushed, as they are: invalid UTF-8 included.</summary>
    public IReadOnlyList<byte[]>? EventBytes { get; init; }

    /// <summary>After the body or events, this text written again and again until the client aborts the response.</summary>
    public string? Endless { get; init; }

    /// <summary>After the body or events, keep the response open until the client aborts it.</summary>
    public bool HoldOpen { get; init; }

    /// <summary>After the body or events, break the connection instead of ending the response.</summary>
    public bool AbortAfterBody { get; init; }
}

/// <summary>One request the server received.</summary>
internal sealed record RecordedRequest(string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;
}

/// <summary>Helpers for writing server-sent events.</summary>
internal static class Sse
{
    public static string Data(string json) => "data: " + json + "\n\n";

    public static string Event(string type, string json) => "event: " + type + "\ndata: " + json + "\n\n";

    public const string Done = "data: [DONE]\n\n";
}
