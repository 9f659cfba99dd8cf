using System.Net;
using LlmRouter;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Quickstart;

namespace Gateway;

/// <summary>The gateway sample's application, built apart from Program so the tests start the same app on a free port.</summary>
public static class GatewayApp
{
    /// <summary>
    /// The demo key. Configuration holds only its hash (LlmRouter:Gateway:Keys:demo:Hash in appsettings.json); a real
    /// deployment hashes its own keys (<see cref="GatewayKeyOptions.HashOf"/>, or <c>printf %s "$KEY" | sha256sum</c>).
    /// </summary>
    public const string DemoKey = "sk-llmrouter-demo";

    public static WebApplication Build(string[] args)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(args);

        // Routes, budgets and keys come from appsettings.json; the simulated deployments are added in code.
        builder.Services.AddLlmRouter(builder.Configuration.GetSection("LlmRouter"), router => router
            .AddDeployment("simulated-primary", new SimulatedChatClient("simulated", "sim-large", EveryFourthCallFails()), d =>
            {
                d.Model = "sim-large";
                d.Price = new ModelPrice(2.50m, 10.00m);
            })
            .AddDeployment("simulated-backup", new SimulatedChatClient("simulated", "sim-small"), d =>
            {
                d.Model = "sim-small";
                d.Price = new ModelPrice(0.15m, 0.60m);
            }));
        builder.Services.AddLlmRouterGateway(builder.Configuration.GetSection("LlmRouter:Gateway"));
        builder.Services.AddHealthChecks().AddLlmRouter();

        WebApplication app = builder.Build();
        app.MapLlmRouterOpenAI("/v1");
        app.MapLlmRouterDashboard("/llmrouter");
        app.MapHealthChecks("/healthz");
        app.MapGet("/", () => Results.Redirect("/llmrouter"));
        return app;
    }

    private static Dictionary<int, SimulatedFailure> EveryFourthCallFails()
    {
        var failures = new Dictionary<int, SimulatedFailure>();
        for (int call = 4; call <= 100_000; call += 4)
        {
            failures[call] = new SimulatedFailure(HttpStatusCode.ServiceUnavailable);
        }

        return failures;
    }
}
