using System.Net;
using System.Text;
using LlmRouter.AspNetCore.Tests.TestSupport;
using LlmRouter.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LlmRouter.AspNetCore.Tests.OpenAI;

/// <summary>A key's budget added to a router read from configuration follows that configuration: set, changed and removed without a restart.</summary>
public class GatewayKeyBudgetReloadTests
{
    private const string Key = "sk-tenant";

    [Fact]
    public async Task KeyBudgetChangesInConfiguration_RouterReloadAppliesIt()
    {
        var source = new ReloadableConfiguration(Settings(budget: null));
        IConfigurationRoot configuration = new ConfigurationBuilder().Add(source).Build();
        using var deployment = new ScriptedChatClient { DefaultOutcome = ScriptedOutcome.Text("ok").WithUsage(4, 2) };
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        builder.Services.AddLlmRouter(configuration.GetSection("LlmRouter"), router => router
            .AddDeployment("only", deployment, d => { d.Model = "model-a"; d.Price = new ModelPrice(1m, 2m); }));
        builder.Services.AddLlmRouterGateway(configuration.GetSection("LlmRouter:Gateway"));
        await using WebApplication app = builder.Build();
        app.MapLlmRouterOpenAI("/v1");
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/") };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Key);

        HttpStatusCode before = await StatusAsync(http);
        source.Replace(Settings(budget: "0.000001"));
        HttpStatusCode spent = await StatusAsync(http);
        source.Replace(Settings(budget: "100"));
        HttpStatusCode raised = await StatusAsync(http);
        source.Replace(Settings(budget: null));
        HttpStatusCode removed = await StatusAsync(http);

        Assert.Equal(
            [HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.OK, HttpStatusCode.OK],
            new[] { before, spent, raised, removed });
        Assert.Equal(3, deployment.CallCount);
        await app.StopAsync();
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient http)
    {
        using HttpResponseMessage response = await http.PostAsync(
            "v1/chat/completions", new StringContent("""{"model":"fast","messages":[{"role":"user","content":"Hi"}]}""", Encoding.UTF8, "application/json"));
        return response.StatusCode;
    }

    private static Dictionary<string, string?> Settings(string? budget)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["LlmRouter:Routes:fast:Deployments:0"] = "only",
            ["LlmRouter:Gateway:Keys:tenant:Hash"] = GatewayKeyOptions.HashOf(Key),
        };
        if (budget is not null)
        {
            settings["LlmRouter:Gateway:Keys:tenant:Budget:LimitUsd"] = budget;
        }

        return settings;
    }
}
