using System.Net;
using System.Text;
using System.Text.Json;
using LlmRouter.AspNetCore.Tests.TestSupport;
using LlmRouter.Testing;

namespace LlmRouter.AspNetCore.Tests.OpenAI;

/// <summary>A key's own budget and rate limit: enforced by the router for that key's caller alone, answered with 429 and Retry-After.</summary>
public class GatewayKeyLimitTests
{
    private const string Hello = """{"model":"fast","messages":[{"role":"user","content":"Hi"}]}""";

    [Fact]
    public async Task KeyBudget_TooSmallForARequest_Is429BudgetExceededForThatKeyAlone()
    {
        using var primary = new ScriptedChatClient { DefaultOutcome = ScriptedOutcome.Text("ok").WithUsage(4, 2) };
        using var backup = new ScriptedChatClient();
        await using GatewayHost host = await GatewayHost.StartAsync(primary, backup, gateway: g =>
            g.Keys["team-key"].Budget = new GatewayKeyBudget { LimitUsd = 0.000001m, Window = BudgetWindow.Hour });
        using HttpClient team = host.Http();
        using HttpClient other = host.Http(GatewayHost.FastOnlyKey);

        using HttpResponseMessage refused = await team.PostAsync("v1/chat/completions", Json(Hello));
        using HttpResponseMessage served = await other.PostAsync("v1/chat/completions", Json(Hello));

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        JsonElement error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("budget_exceeded", error.GetProperty("code").GetString());
        Assert.Contains("gateway-key:team-key", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(1, primary.CallCount);
    }

    [Fact]
    public async Task KeyRateLimit_Reached_Is429WithRetryAfterForThatKeyAlone()
    {
        using var primary = new ScriptedChatClient { DefaultOutcome = ScriptedOutcome.Text("ok") };
        using var backup = new ScriptedChatClient();
        await using GatewayHost host = await GatewayHost.StartAsync(primary, backup, gateway: g =>
            g.Keys["team-key"].RateLimit = new GatewayKeyRateLimit { RequestsPerMinute = 1 });
        using HttpClient team = host.Http();
        using HttpClient other = host.Http(GatewayHost.FastOnlyKey);

        using HttpResponseMessage first = await team.PostAsync("v1/chat/completions", Json(Hello));
        using HttpResponseMessage second = await team.PostAsync("v1/chat/completions", Json(Hello));
        using HttpResponseMessage otherFirst = await other.PostAsync("v1/chat/completions", Json(Hello));
        using HttpResponseMessage otherSecond = await other.PostAsync("v1/chat/completions", Json(Hello));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.True(second.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal("rate_limit_exceeded", JsonDocument.Parse(await second.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.OK, otherFirst.StatusCode);
        Assert.Equal(HttpStatusCode.OK, otherSecond.StatusCode);
        Assert.Equal(3, primary.CallCount);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
