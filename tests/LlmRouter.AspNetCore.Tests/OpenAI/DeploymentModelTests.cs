using System.Net;
using System.Text;
using System.Text.Json;
using LlmRouter.AspNetCore.Tests.TestSupport;
using LlmRouter.Testing;

namespace LlmRouter.AspNetCore.Tests.OpenAI;

/// <summary>
/// A request's <c>model</c> naming a deployment's model (or a deployment) rather than a route: served by that deployment alone,
/// through the first route the key may use that holds it; 404 when the key may use no such route.
/// </summary>
public class DeploymentModelTests
{
    [Theory]
    [InlineData("model-b")]
    [InlineData("MODEL-B")]
    [InlineData("backup")]
    public async Task DeploymentModel_IsServedByThatDeploymentAlone(string model)
    {
        using var primary = new ScriptedChatClient { DefaultOutcome = ScriptedOutcome.Text("primary") };
        using var backup = new ScriptedChatClient { DefaultOutcome = ScriptedOutcome.Text("backup") };
        await using GatewayHost host = await GatewayHost.StartAsync(primary, backup);
        using HttpClient http = host.Http();

        using HttpResponseMessage response = await http.PostAsync("v1/chat/completions", Body(model));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("fast", Assert.Single(response.Headers.GetValues("x-llmrouter-route")));
        Assert.Equal("backup", Assert.Single(response.Headers.GetValues("x-llmrouter-deployment")));
        Assert.Equal(0, primary.CallCount);
    }

    [Fact]
    public async Task DeploymentModelFails_RetriedOnItButNeverFallsBackToTheRouteAndFinally502()
    {
        using var primary = new ScriptedChatClient { DefaultOutcome = ScriptedOutcome.Text("primary") };
        using var backup = new ScriptedChatClient { DefaultOutcome = ScriptedOutcome.Failure(HttpStatusCode.InternalServerError) };
        await using GatewayHost host = await GatewayHost.StartAsync(primary, backup);
        using HttpClient http = host.Http();

        using HttpResponseMessage response = await http.PostAsync("v1/chat/completions", Body("model-b"));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.True(backup.CallCount > 1, $"the deployment was called {backup.CallCount} time(s); its retries should have run");
        Assert.Equal(0, primary.CallCount);
    }

    [Fact]
    public async Task DeploymentModelInNoRouteTheKeyMayUse_Is404()
    {
        using var primary = new ScriptedChatClient();
        using var backup = new ScriptedChatClient();
        using var solo = new ScriptedChatClient { DefaultOutcome = ScriptedOutcome.Text("solo") };
        await using GatewayHost host = await GatewayHost.StartAsync(primary, backup, router: b => b
            .AddDeployment("solo", solo, d => { d.Model = "model-s"; d.Price = new ModelPrice(1m, 1m); })
            .AddRoute("solo-route", r => r.Deployments = ["solo"]));
        using HttpClient fastOnly = host.Http(GatewayHost.FastOnlyKey);
        using HttpClient everything = host.Http();

        using HttpResponseMessage refused = await fastOnly.PostAsync("v1/chat/completions", Body("model-s"));
        using HttpResponseMessage unknown = await everything.PostAsync("v1/chat/completions", Body("model-z"));
        using HttpResponseMessage served = await everything.PostAsync("v1/chat/completions", Body("model-s"));

        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        JsonElement error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("model", error.GetProperty("param").GetString());
        Assert.DoesNotContain("model-s", error.GetProperty("message").GetString()!.Split("Known models:")[1], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(1, solo.CallCount);
    }

    [Fact]
    public async Task Models_ListsRoutesThenTheDeploymentModelsTheKeyMayUse()
    {
        using var primary = new ScriptedChatClient();
        using var backup = new ScriptedChatClient();
        using var solo = new ScriptedChatClient();
        await using GatewayHost host = await GatewayHost.StartAsync(primary, backup, router: b => b
            .AddDeployment("solo", solo, d => { d.Model = "model-s"; d.Price = new ModelPrice(1m, 1m); })
            .AddRoute("solo-route", r => r.Deployments = ["solo"]));
        using HttpClient fastOnly = host.Http(GatewayHost.FastOnlyKey);
        using HttpClient everything = host.Http();

        List<string> limited = await IdsAsync(fastOnly);
        List<string> all = await IdsAsync(everything);

        Assert.Equal(["fast", "model-a", "model-b"], limited);
        Assert.Equal(["fast", "smart", "solo-route", "model-a", "model-b", "model-s"], all);
    }

    private static async Task<List<string>> IdsAsync(HttpClient http)
    {
        using HttpResponseMessage response = await http.GetAsync("v1/models");
        JsonElement data = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("data");
        return [.. data.EnumerateArray().Select(m => m.GetProperty("id").GetString()!)];
    }

    private static StringContent Body(string model) =>
        new($$"""{"model":"{{model}}","messages":[{"role":"user","content":"Hi"}]}""", Encoding.UTF8, "application/json");
}
