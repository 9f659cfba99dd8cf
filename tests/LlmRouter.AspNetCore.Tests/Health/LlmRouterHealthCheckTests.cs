using System.Net;
using LlmRouter.AspNetCore.Tests.TestSupport;
using LlmRouter.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LlmRouter.AspNetCore.Tests.Health;

public class LlmRouterHealthCheckTests
{
    [Fact]
    public async Task EveryDeploymentAvailable_IsHealthy()
    {
        using var primary = new ScriptedChatClient();
        using var backup = new ScriptedChatClient();
        await using GatewayHost host = await Start(primary, backup);

        HealthReport report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        HealthReportEntry entry = report.Entries["llmrouter"];
        Assert.Equal(HealthStatus.Healthy, entry.Status);
        var state = Assert.IsType<Dictionary<string, object>>(entry.Data["primary"]);
        Assert.Equal("Closed", state["circuit"]);
        Assert.Equal(true, state["available"]);
    }

    [Fact]
    public async Task DeploymentCoolingDown_IsDegraded_AndARouteWithNoneLeft_IsUnhealthy()
    {
        using var primary = new ScriptedChatClient();
        using var backup = new ScriptedChatClient();
        primary.Enqueue(ScriptedOutcome.Failure(HttpStatusCode.TooManyRequests, TimeSpan.FromMinutes(5)));
        backup.DefaultOutcome = ScriptedOutcome.Text("ok");
        await using GatewayHost degraded = await Start(primary, backup);
        IChatClient chat = degraded.Services.GetRequiredService<IChatClient>();

        await chat.GetResponseAsync("Hi", new ChatOptions { ModelId = "fast" });
        HealthReportEntry entry = (await degraded.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries["llmrouter"];

        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Contains("primary", entry.Description, StringComparison.Ordinal);
        var state = Assert.IsType<Dictionary<string, object>>(entry.Data["primary"]);
        Assert.Equal(false, state["available"]);
        Assert.True(state.ContainsKey("cooldown_until"));

        using var soloPrimary = new ScriptedChatClient();
        using var soloBackup = new ScriptedChatClient();
        soloPrimary.Enqueue(ScriptedOutcome.Failure(HttpStatusCode.TooManyRequests, TimeSpan.FromMinutes(5)));
        soloBackup.DefaultOutcome = ScriptedOutcome.Text("ok");
        await using GatewayHost unhealthy = await Start(soloPrimary, soloBackup, b => b.AddRoute("solo", r => r.Deployments = ["primary"]));
        await unhealthy.Services.GetRequiredService<IChatClient>().GetResponseAsync("Hi", new ChatOptions { ModelId = "fast" });

        HealthReportEntry solo = (await unhealthy.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries["llmrouter"];
        Assert.Equal(HealthStatus.Unhealthy, solo.Status);
        Assert.StartsWith("No available deployment on route(s) solo.", solo.Description, StringComparison.Ordinal);
    }

    private static Task<GatewayHost> Start(ScriptedChatClient primary, ScriptedChatClient backup, Action<LlmRouterBuilder>? router = null) =>
        GatewayHost.StartAsync(primary, backup, router: router, services: s => s.AddHealthChecks().AddLlmRouter());
}
