using LlmRouter;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps LlmRouter's endpoints: the OpenAI-compatible API and the dashboard.</summary>
public static class LlmRouterEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps an OpenAI-compatible API over the router registered as the container's <see cref="IChatClient"/> (the pipeline
    /// <c>AddLlmRouter</c> returns): <c>POST {prefix}/chat/completions</c>, whole or streamed, and <c>GET {prefix}/models</c>.
    /// Existing OpenAI SDK code calls the router by changing its base URL to <paramref name="prefix"/>.
    /// </summary>
    /// <param name="endpoints">The application's endpoints.</param>
    /// <param name="prefix">The path the API lives under. The default is <c>/v1</c>.</param>
    /// <returns>The group of endpoints, to add conventions to (authorization, rate limiting, CORS).</returns>
    /// <remarks>
    /// Requests authenticate with a virtual key (<see cref="LlmRouterGatewayOptions"/>, configured by
    /// <c>AddLlmRouterGateway</c>); with no keys configured every request is refused unless anonymous access is allowed.
    /// The keys and the request size limit follow their configuration (see <c>AddLlmRouterGateway</c>); everything is
    /// validated when the endpoints are mapped and again on every reload.
    /// </remarks>
    /// <exception cref="InvalidOperationException">No router is registered as the <see cref="IChatClient"/>.</exception>
    /// <exception cref="OptionsValidationException">The gateway options are invalid; the message lists every problem.</exception>
    public static RouteGroupBuilder MapLlmRouterOpenAI(this IEndpointRouteBuilder endpoints, string prefix = "/v1")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        IServiceProvider services = endpoints.ServiceProvider;
        IChatClient chat = services.GetService<IChatClient>() ?? throw NoRouter();
        LlmRouterClient router = chat.GetService<LlmRouterClient>() ?? throw NoRouter();
        LlmRouterGatewayOptions options = services.GetService<IOptions<LlmRouterGatewayOptions>>()?.Value ?? new LlmRouterGatewayOptions();
        GatewayKeySource keys = services.GetService<GatewayKeySource>() ?? new GatewayKeySource(() => options, changes: null, NullLogger.Instance);
        var endpoint = new OpenAIEndpoint(chat, router, keys, services.GetService<TimeProvider>() ?? TimeProvider.System);

        RouteGroupBuilder group = endpoints.MapGroup(prefix);
        group.MapPost("/chat/completions", endpoint.ChatCompletionsAsync).WithDisplayName("LlmRouter chat completions");
        group.MapGet("/models", endpoint.ModelsAsync).WithDisplayName("LlmRouter models");
        return group;
    }

    /// <summary>
    /// Maps the dashboard of the router registered as the container's <see cref="IChatClient"/>: a self-contained page at
    /// <paramref name="prefix"/> (no CDN, no build step) refreshing every two seconds from <c>{prefix}/api/stats</c>. Per
    /// deployment it shows circuit, cooldown, in flight, requests, failure rate, p50/p95 latency and time to first token over
    /// the last 1, 5 and 15 minutes with 15-minute sparklines; then fallbacks by reason, cost by route, deployment and caller,
    /// budgets with what is left, and the cache hit rate when a cache is on.
    /// </summary>
    /// <param name="endpoints">The application's endpoints.</param>
    /// <param name="prefix">The page's path. The default is <c>/llmrouter</c>.</param>
    /// <param name="configure">Sets the dashboard's options; by default only local requests are served.</param>
    /// <returns>The group of endpoints, to add conventions to (<c>RequireAuthorization</c>).</returns>
    /// <remarks>
    /// The sliding windows live in memory, fed by a <see cref="System.Diagnostics.Metrics.MeterListener"/> on the router's own
    /// meter from the moment the dashboard is mapped; no OpenTelemetry SDK is needed. They stop when the application stops.
    /// </remarks>
    /// <exception cref="InvalidOperationException">No router is registered as the <see cref="IChatClient"/>.</exception>
    public static RouteGroupBuilder MapLlmRouterDashboard(this IEndpointRouteBuilder endpoints, string prefix = "/llmrouter", Action<LlmRouterDashboardOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        IServiceProvider services = endpoints.ServiceProvider;
        IChatClient chat = services.GetService<IChatClient>() ?? throw NoRouter();
        LlmRouterClient router = chat.GetService<LlmRouterClient>() ?? throw NoRouter();
        var options = new LlmRouterDashboardOptions();
        configure?.Invoke(options);
        DashboardStatistics statistics = DashboardStatistics.For(router, services.GetService<TimeProvider>() ?? TimeProvider.System);
        services.GetService<IHostApplicationLifetime>()?.ApplicationStopped.Register(statistics.Dispose);
        var dashboard = new DashboardEndpoint(chat, statistics, options.LocalRequestsOnly);

        RouteGroupBuilder group = endpoints.MapGroup(prefix);
        group.MapGet("/", dashboard.PageAsync).WithDisplayName("LlmRouter dashboard");
        group.MapGet("/api/stats", dashboard.StatsAsync).WithDisplayName("LlmRouter dashboard statistics");
        return group;
    }

    private static InvalidOperationException NoRouter() => new(
        "LlmRouter's endpoints serve the router registered as the IChatClient, and the container's IChatClient is not one. " +
        "Register it with services.AddLlmRouter(configuration.GetSection(\"LlmRouter\")) or services.AddLlmRouter(builder => ...).");
}
