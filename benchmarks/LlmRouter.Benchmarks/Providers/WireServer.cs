using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LlmRouter.Benchmarks;

/// <summary>
/// A loopback Kestrel server that answers OpenAI chat completions with precomputed bytes: a JSON completion under
/// <c>/complete/v1</c>, and a stream of <see cref="StreamChunks"/> text chunks, a usage chunk and <c>[DONE]</c> under
/// <c>/stream/v1</c>. Both clients under comparison call the same server with the same payloads.
/// </summary>
internal sealed class WireServer : IAsyncDisposable
{
    public const int StreamChunks = 200;

    private static readonly byte[] Completion = Encoding.UTF8.GetBytes("""
        {"id":"chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG","object":"chat.completion","created":1741570283,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":"The image shows a wooden boardwalk path running through a lush green field or meadow. The sky is bright blue with some scattered clouds, giving the scene a serene and peaceful atmosphere. Trees and shrubs are visible in the background.","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":1117,"completion_tokens":46,"total_tokens":1163,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},"service_tier":"default","system_fingerprint":"fp_06737a9306"}
        """);

    private static readonly byte[] Stream = BuildStream();

    private readonly WebApplication _app;

    private WireServer(WebApplication app, Uri baseUri)
    {
        _app = app;
        BaseUri = baseUri;
    }

    public Uri BaseUri { get; }

    public Uri CompleteEndpoint => new(BaseUri, "/complete/v1");

    public Uri StreamEndpoint => new(BaseUri, "/stream/v1");

    public static WireServer Start()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        WebApplication app = builder.Build();
        app.Run(HandleAsync);
        app.StartAsync().GetAwaiter().GetResult();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new WireServer(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static async Task HandleAsync(HttpContext context)
    {
        // Drain the request body without looking at it: the server's cost must be the same for both clients.
        byte[] scratch = ArrayPool<byte>.Shared.Rent(4096);
        while (await context.Request.Body.ReadAsync(scratch).ConfigureAwait(false) > 0)
        {
        }

        ArrayPool<byte>.Shared.Return(scratch);
        bool stream = context.Request.Path.StartsWithSegments("/stream", StringComparison.Ordinal);
        byte[] body = stream ? Stream : Completion;
        context.Response.StatusCode = 200;
        context.Response.ContentType = stream ? "text/event-stream" : "application/json";
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body).ConfigureAwait(false);
    }

    private static byte[] BuildStream()
    {
        var text = new StringBuilder();
        const string Prefix = """data: {"id":"chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG","object":"chat.completion.chunk","created":1741570283,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_06737a9306","choices":[{"index":0,"delta":""";
        text.Append(Prefix).Append("""{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}""").Append("\n\n");
        for (int i = 0; i < StreamChunks; i++)
        {
            text.Append(Prefix).Append("""{"content":" word""").Append(i.ToString(CultureInfo.InvariantCulture)).Append("\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}").Append("\n\n");
        }

        text.Append(Prefix).Append("""{},"logprobs":null,"finish_reason":"stop"}],"usage":null}""").Append("\n\n");
        text.Append("""data: {"id":"chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG","object":"chat.completion.chunk","created":1741570283,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_06737a9306","choices":[],"usage":{"prompt_tokens":1117,"completion_tokens":200,"total_tokens":1317,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}""").Append("\n\n");
        text.Append("data: [DONE]\n\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
