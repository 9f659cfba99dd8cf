using System.Net;
using LlmRouter;
using Microsoft.Extensions.AI;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Quickstart;

namespace WebApi;

/// <summary>The sample's application, built apart from <c>Program</c> so that a test can start it on a loopback port.</summary>
public static class WebApiApp
{
    public static WebApplication Build(string[] args)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(args);

        builder.Services.AddLlmRouter(builder.Configuration.GetSection("LlmRouter"), router => router
            .AddDeployment("simulated-primary", new SimulatedChatClient("simulated", "sim-large", new Dictionary<int, SimulatedFailure>
            {
                [2] = new(HttpStatusCode.TooManyRequests, TimeSpan.FromSeconds(1)),
                [5] = new(HttpStatusCode.ServiceUnavailable),
            }))
            .AddDeployment("simulated-backup", new SimulatedChatClient("simulated", "sim-small")));

        // OpenTelemetry over OTLP, only when an endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT, e.g. http://localhost:4317).
        if (!string.IsNullOrEmpty(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddSingleton(Sdk.CreateTracerProviderBuilder().AddSource("LlmRouter").AddOtlpExporter().Build());
            builder.Services.AddSingleton(Sdk.CreateMeterProviderBuilder().AddMeter("LlmRouter").AddOtlpExporter().Build());
        }

        WebApplication app = builder.Build();

        // POST /chat {"message": "Hello", "route": "default"} answers with the text and who served it.
        app.MapPost("/chat", async (ChatRequest request, IChatClient chat, CancellationToken cancellationToken) =>
        {
            if (string.IsNullOrWhiteSpace(request.Message))
            {
                return Results.BadRequest(new { error = "Set message." });
            }

            try
            {
                ChatResponse response = await chat.GetResponseAsync(request.Message, new ChatOptions { ModelId = request.Route }, cancellationToken);
                return Results.Ok(new ChatAnswer(
                    response.Text,
                    response.ModelId,
                    response.AdditionalProperties?[LlmRouterProperties.Deployment] as string,
                    response.AdditionalProperties?[LlmRouterProperties.Attempts] as int? ?? 1,
                    response.AdditionalProperties?.TryGetValue(LlmRouterProperties.FallbackReasons, out object? reasons) == true ? reasons as string : null));
            }
            catch (ArgumentException exception)
            {
                return Results.BadRequest(new { error = exception.Message });
            }
            catch (LlmRouterException exception)
            {
                return Results.Problem(exception.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        });

        // GET /health lists every deployment's circuit, cooldown and calls in flight.
        app.MapGet("/health", (IRouterHealth health) =>
        {
            IReadOnlyList<DeploymentHealth> deployments = health.GetDeployments();
            bool available = deployments.Any(d => d.IsAvailable);
            return Results.Json(
                deployments.Select(d => new { d.Name, d.Provider, d.Model, Circuit = d.Circuit.ToString(), d.InFlight, d.IsAvailable, d.UnavailableReason }),
                statusCode: available ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });

        return app;
    }
}

internal sealed record ChatRequest(string? Message, string? Route);

internal sealed record ChatAnswer(string Text, string? Model, string? Deployment, int Attempts, string? FallbackReasons);
