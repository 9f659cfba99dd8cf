using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LlmRouter.AspNetCore.Tests.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRouter.AspNetCore.Tests.Dashboard;

public class DashboardEndpointTests
{
    [Fact]
    public async Task Stats_CountRequestsFailuresAndCostFromTheRoutersOwnMeasurements()
    {
        await using GatewayHost host = await StartAsync();
        using HttpClient http = host.Http();
        for (int i = 0; i < 6; i++)
        {
            using HttpResponseMessage response = await http.PostAsync("v1/chat/completions",
                JsonContent.Create(new { model = "fast", messages = new[] { new { role = "user", content = "Hi" } } }));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        JsonElement stats = JsonDocument.Parse(await http.GetStringAsync("llmrouter/api/stats")).RootElement;

        JsonElement primary = stats.GetProperty("deployments").EnumerateArray().Single(d => d.GetProperty("name").GetString() == "primary");
        JsonElement lastMinute = primary.GetProperty("windows").GetProperty("1m");
        Assert.Equal(6, lastMinute.GetProperty("requests").GetInt64());
        Assert.Equal(2, lastMinute.GetProperty("failures").GetInt64());
        Assert.Equal(2 / 6.0, lastMinute.GetProperty("failure_rate").GetDouble(), 6);
        Assert.NotEqual(JsonValueKind.Null, lastMinute.GetProperty("p50_ms").ValueKind);
        Assert.Equal(6, primary.GetProperty("spark").GetProperty("requests").EnumerateArray().Sum(v => v.GetInt64()));
        Assert.Equal(2, stats.GetProperty("fallbacks").EnumerateArray().Single().GetProperty("1m").GetInt64());
        JsonElement caller = Assert.Single(stats.GetProperty("cost").GetProperty("callers").EnumerateArray());
        Assert.Equal("team-a", caller.GetProperty("name").GetString());
        Assert.Equal(6, caller.GetProperty("calls").GetInt64());
        Assert.True(caller.GetProperty("cost_usd").GetDecimal() > 0);
        Assert.Contains(stats.GetProperty("cost").GetProperty("routes").EnumerateArray(), r => r.GetProperty("name").GetString() == "fast");
        JsonElement budget = Assert.Single(stats.GetProperty("budgets").EnumerateArray());
        Assert.True(budget.GetProperty("remaining_usd").GetDecimal() < 100m);
        Assert.Equal(JsonValueKind.Null, stats.GetProperty("cache").ValueKind);
    }

    [Fact]
    public async Task Page_IsOneSelfContainedDocument()
    {
        await using GatewayHost host = await StartAsync();
        using HttpClient http = host.Http(key: null);

        using HttpResponseMessage response = await http.GetAsync("llmrouter");
        string page = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("/api/stats", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<script src", page, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", page, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("10.0.0.5", true, 403)]
    [InlineData("127.0.0.1", true, 200)]
    [InlineData("10.0.0.1", true, 200)]
    [InlineData("10.0.0.5", false, 200)]
    public async Task Page_FromAnotherMachine_IsRefusedUnlessAllowed(string remote, bool localOnly, int expected)
    {
        await using GatewayHost host = await StartAsync(d => d.LocalRequestsOnly = localOnly);
        RequestDelegate page = host.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .Single(e => e.DisplayName == "LlmRouter dashboard").RequestDelegate!;
        var context = new DefaultHttpContext { RequestServices = host.Services };
        context.Connection.RemoteIpAddress = IPAddress.Parse(remote);
        context.Connection.LocalIpAddress = IPAddress.Parse("10.0.0.1");
        context.Response.Body = new MemoryStream();

        await page(context);

        Assert.Equal(expected, context.Response.StatusCode);
    }

    internal static Task<GatewayHost> StartAsync(Action<LlmRouterDashboardOptions>? dashboard = null) =>
        GatewayHost.StartAsync(
            router => router
                .AddDeployment("primary", new FlakyChatClient(failEvery: 3), d => { d.Model = "model-a"; d.Price = new ModelPrice(1m, 2m); })
                .AddDeployment("backup", new FlakyChatClient(failEvery: int.MaxValue), d => { d.Model = "model-b"; d.Price = new ModelPrice(3m, 6m); })
                .AddRoute("fast", r => r.Deployments = ["primary", "backup"])
                .AddBudget("daily", b => { b.LimitUsd = 100m; b.Window = BudgetWindow.Day; })
                .ConfigureCircuitBreaker(c => c.MinimumThroughput = 1000),
            map: app => app.MapLlmRouterDashboard("/llmrouter", dashboard));
}
