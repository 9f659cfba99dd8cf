using LlmRouter;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
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
    /// The options are read, and validated, when the endpoints are mapped.
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
        var endpoint = new OpenAIEndpoint(chat, router, options, services.GetService<TimeProvider>() ?? TimeProvider.System);

        RouteGroupBuilder group = endpoints.MapGroup(prefix);
        group.MapPost("/chat/completions", endpoint.ChatCompletionsAsync).WithDisplayName("LlmRouter chat completions");
        group.MapGet("/models", endpoint.ModelsAsync).WithDisplayName("LlmRouter models");
        return group;
    }

    private static InvalidOperationException NoRouter() => new(
        "MapLlmRouterOpenAI serves the router registered as the IChatClient, and the container's IChatClient is not one. " +
        "Register it with services.AddLlmRouter(configuration.GetSection(\"LlmRouter\")) or services.AddLlmRouter(builder => ...).");
}
