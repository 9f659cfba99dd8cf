using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LlmRouter.Benchmarks;

/// <summary>
/// The three ways compared for the gateway, all ending at the same simulated provider (<see cref="WireServer"/>, loopback):
/// the router called in-process (the baseline), the gateway endpoint over loopback HTTP in front of a router of its own, and
/// a plain ASP.NET Core reverse proxy (the request body streamed through an <see cref="HttpClient"/>, the answer copied back).
/// Each serves a route <c>complete</c> (a JSON completion) and <c>stream</c> (200 streamed chunks).
/// </summary>
internal sealed class GatewayStack : IAsyncDisposable
{
    public const string Key = "sk-benchmark-gateway";

    private static readonly ChatMessage[] Messages = [new(ChatRole.System, "You are a helpful assistant."), new(ChatRole.User, "Describe the image in three sentences.")];
    private static readonly ChatOptions Complete = new() { ModelId = "complete" };
    private static readonly ChatOptions Stream = new() { ModelId = "stream" };

    private readonly WireServer _provider;
    private readonly WebApplication _gateway;
    private readonly WebApplication _proxy;
    private readonly HttpClient _proxyUpstream;

    private GatewayStack(WireServer provider, IChatClient router, WebApplication gateway, WebApplication proxy, HttpClient proxyUpstream, int connections)
    {
        _provider = provider;
        Router = router;
        _gateway = gateway;
        _proxy = proxy;
        _proxyUpstream = proxyUpstream;
        Client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan });
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        GatewayUri = new Uri(Address(gateway), "v1/chat/completions");
        ProxyCompleteUri = new Uri(Address(proxy), "complete/v1/chat/completions");
        ProxyStreamUri = new Uri(Address(proxy), "stream/v1/chat/completions");
    }

    /// <summary>Gets the router called in-process: the baseline.</summary>
    public IChatClient Router { get; }

    /// <summary>Gets the client that calls the gateway and the proxy, with up to the given number of connections.</summary>
    public HttpClient Client { get; }

    public Uri GatewayUri { get; }

    public Uri ProxyCompleteUri { get; }

    public Uri ProxyStreamUri { get; }

    public static GatewayStack Start(int connections = 64)
    {
        WireServer provider = WireServer.Start();
        IChatClient router = Build(new LlmRouterBuilder(), provider).Build();

        WebApplicationBuilder gatewayBuilder = Slim();
        gatewayBuilder.Services.AddLlmRouter(builder => Build(builder, provider));
        gatewayBuilder.Services.AddLlmRouterGateway(options => options.Keys["benchmark"] = new GatewayKeyOptions { Hash = GatewayKeyOptions.HashOf(Key) });
        WebApplication gateway = gatewayBuilder.Build();
        gateway.MapLlmRouterOpenAI("/v1");
        gateway.StartAsync().GetAwaiter().GetResult();

        var upstream = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan });
        WebApplication proxy = Slim().Build();
        proxy.MapPost("/{kind}/v1/chat/completions", (HttpContext context) => ForwardAsync(context, upstream, provider.BaseUri));
        proxy.StartAsync().GetAwaiter().GetResult();
        return new GatewayStack(provider, router, gateway, proxy, upstream, connections);
    }

    /// <summary>The body the gateway and the proxy are sent: the same two messages the router is given.</summary>
    public static ByteArrayContent Body(bool stream)
    {
        var content = new ByteArrayContent(stream ? StreamBody : CompleteBody);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    public async Task<int> DirectAsync(bool stream)
    {
        if (!stream)
        {
            ChatResponse response = await Router.GetResponseAsync(Messages, Complete).ConfigureAwait(false);
            return response.Text.Length;
        }

        int count = 0;
        await foreach (ChatResponseUpdate update in Router.GetStreamingResponseAsync(Messages, Stream).ConfigureAwait(false))
        {
            count += update.Contents.Count;
        }

        return count;
    }

    public Task<int> GatewayAsync(bool stream) => SendAsync(GatewayUri, stream);

    public Task<int> ProxyAsync(bool stream) => SendAsync(stream ? ProxyStreamUri : ProxyCompleteUri, stream);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Router.Dispose();
        await _gateway.StopAsync().ConfigureAwait(false);
        await _gateway.DisposeAsync().ConfigureAwait(false);
        await _proxy.StopAsync().ConfigureAwait(false);
        await _proxy.DisposeAsync().ConfigureAwait(false);
        _proxyUpstream.Dispose();
        await _provider.DisposeAsync().ConfigureAwait(false);
    }

    private static readonly byte[] CompleteBody = Encoding.UTF8.GetBytes(
        """{"model":"complete","messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"Describe the image in three sentences."}]}""");

    private static readonly byte[] StreamBody = Encoding.UTF8.GetBytes(
        """{"model":"stream","stream":true,"messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"Describe the image in three sentences."}]}""");

    /// <summary>Reads the whole answer, as a client does; returns its length so the work cannot be skipped.</summary>
    private async Task<int> SendAsync(Uri uri, bool stream)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = Body(stream) };
        using HttpResponseMessage response = await Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        using Stream body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int total = 0;
            int read;
            while ((read = await body.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                total += read;
            }

            return total;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static LlmRouterBuilder Build(LlmRouterBuilder builder, WireServer provider) => builder
        .AddDeployment("complete-deployment", ProviderClientFactory.CreateChatClient(new ProviderOptions { Type = ProviderTypes.OpenAI, Endpoint = provider.CompleteEndpoint, ApiKey = "sk-provider" }, "gpt-4o-mini"))
        .AddDeployment("stream-deployment", ProviderClientFactory.CreateChatClient(new ProviderOptions { Type = ProviderTypes.OpenAI, Endpoint = provider.StreamEndpoint, ApiKey = "sk-provider" }, "gpt-4o-mini"))
        .AddRoute("complete", r => r.Deployments = ["complete-deployment"])
        .AddRoute("stream", r => r.Deployments = ["stream-deployment"]);

    private static WebApplicationBuilder Slim()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        return builder;
    }

    private static Uri Address(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/");

    /// <summary>The plain reverse proxy: the same path on the provider, the body streamed up, the answer streamed back.</summary>
    private static async Task ForwardAsync(HttpContext context, HttpClient upstream, Uri provider)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(provider, context.Request.Path.Value))
        {
            Content = new StreamContent(context.Request.Body),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(context.Request.ContentType ?? "application/json");
        using HttpResponseMessage response = await upstream.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = (int)response.StatusCode;
        context.Response.ContentType = response.Content.Headers.ContentType?.ToString();
        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
    }
}
