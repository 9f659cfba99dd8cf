using System.ClientModel;
using System.Net;
using LlmRouter.AspNetCore.Tests.TestSupport;
using Microsoft.AspNetCore.Builder;
using OpenAI;
using OpenAI.Chat;

namespace LlmRouter.AspNetCore.Tests.Samples;

/// <summary>Starts samples/Gateway with its own appsettings.json on a loopback port and uses it as its README says.</summary>
public sealed class GatewaySampleTests : IAsyncLifetime
{
    private WebApplication? _app;

    public async Task InitializeAsync()
    {
        string sample = Path.Combine(ExternalPrograms.RepositoryRoot, "samples", "Gateway");
        _app = Gateway.GatewayApp.Build(["--contentRoot", sample, "--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default", "Warning"]);
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    [Fact]
    public async Task OpenAISdk_WithTheDemoKey_IsServedAndEveryFourthCallFailsOver()
    {
        var client = new OpenAIClient(new ApiKeyCredential(Gateway.GatewayApp.DemoKey), new OpenAIClientOptions { Endpoint = new Uri(_app!.Urls.Single() + "/v1") });
        ChatClient chat = client.GetChatClient("fast");
        var deployments = new List<string>();
        for (int i = 0; i < 4; i++)
        {
            ClientResult<ChatCompletion> result = await chat.CompleteChatAsync([new UserChatMessage("Hello")]);
            Assert.Contains("You asked: \"Hello\"", result.Value.Content[0].Text, StringComparison.Ordinal);
            result.GetRawResponse().Headers.TryGetValue("x-llmrouter-deployment", out string? deployment);
            deployments.Add(deployment!);
        }

        Assert.Equal(["simulated-primary", "simulated-primary", "simulated-primary", "simulated-backup"], deployments);
    }

    [Fact]
    public async Task DashboardAndHealth_AreServed()
    {
        using var http = new HttpClient { BaseAddress = new Uri(_app!.Urls.Single()) };

        using HttpResponseMessage dashboard = await http.GetAsync("/llmrouter");
        string health = await http.GetStringAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        Assert.Equal("Healthy", health);
    }
}
