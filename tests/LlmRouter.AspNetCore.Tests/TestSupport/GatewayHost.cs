using System.ClientModel;
using System.Net;
using LlmRouter.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenAI;

namespace LlmRouter.AspNetCore.Tests.TestSupport;

/// <summary>A gateway on a free loopback port: a router over scripted deployments behind the OpenAI-compatible endpoint.</summary>
internal sealed class GatewayHost : IAsyncDisposable
{
    /// <summary>The key of the test's virtual key "team-key", which runs as caller "team-a" on every route.</summary>
    public const string Key = "sk-llmrouter-test-0123456789";

    /// <summary>The key of "fast-only", which may use the route "fast" alone.</summary>
    public const string FastOnlyKey = "sk-llmrouter-fast-only";

    private readonly WebApplication _app;

    private GatewayHost(WebApplication app, Uri baseUri)
    {
        _app = app;
        BaseUri = baseUri;
    }

    /// <summary>Gets the server's root, such as <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseUri { get; }

    /// <summary>Gets the API's base URL, <c>{root}v1</c>, as OpenAI clients take it.</summary>
    public Uri ApiUri => new(BaseUri, "v1");

    public IServiceProvider Services => _app.Services;

    /// <summary>Starts a gateway whose route "fast" serves <paramref name="primary"/> then <paramref name="backup"/>, and "smart" the backup alone.</summary>
    public static Task<GatewayHost> StartAsync(
        ScriptedChatClient primary,
        ScriptedChatClient backup,
        Action<LlmRouterGatewayOptions>? gateway = null,
        Action<LlmRouterBuilder>? router = null,
        Action<IServiceCollection>? services = null,
        Action<WebApplication>? map = null,
        Action<Microsoft.Extensions.AI.ChatClientBuilder>? pipeline = null) =>
        StartAsync(
            builder =>
            {
                builder.AddDeployment("primary", primary, d => { d.Model = "model-a"; d.Price = new ModelPrice(1m, 2m); })
                    .AddDeployment("backup", backup, d => { d.Model = "model-b"; d.Price = new ModelPrice(3m, 6m); })
                    .AddRoute("fast", r => r.Deployments = ["primary", "backup"])
                    .AddRoute("smart", r => r.Deployments = ["backup"])
                    .ConfigureRetry(r => r.BaseDelay = TimeSpan.FromMilliseconds(1));
                router?.Invoke(builder);
            },
            gateway, services, map, pipeline);

    public static async Task<GatewayHost> StartAsync(
        Action<LlmRouterBuilder> router,
        Action<LlmRouterGatewayOptions>? gateway = null,
        Action<IServiceCollection>? services = null,
        Action<WebApplication>? map = null,
        Action<Microsoft.Extensions.AI.ChatClientBuilder>? pipeline = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        Microsoft.Extensions.AI.ChatClientBuilder chat = builder.Services.AddLlmRouter(router);
        pipeline?.Invoke(chat);
        builder.Services.AddLlmRouterGateway(options =>
        {
            options.Keys["team-key"] = new GatewayKeyOptions { Hash = GatewayKeyOptions.HashOf(Key), Caller = "team-a" };
            options.Keys["fast-only"] = new GatewayKeyOptions { Hash = GatewayKeyOptions.HashOf(FastOnlyKey), Routes = ["fast"] };
            gateway?.Invoke(options);
        });
        services?.Invoke(builder.Services);
        WebApplication app = builder.Build();
        app.MapLlmRouterOpenAI("/v1");
        map?.Invoke(app);
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new GatewayHost(app, new Uri(address.TrimEnd('/') + "/"));
    }

    /// <summary>An official OpenAI SDK client pointed at the gateway, with the SDK's own retries as configured.</summary>
    public OpenAIClient OpenAI(string key = Key, int? maxRetries = 0)
    {
        var options = new OpenAIClientOptions { Endpoint = ApiUri };
        if (maxRetries is { } retries)
        {
            options.RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(retries);
        }

        return new OpenAIClient(new ApiKeyCredential(key), options);
    }

    public HttpClient Http(string? key = Key)
    {
        var client = new HttpClient { BaseAddress = BaseUri };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
