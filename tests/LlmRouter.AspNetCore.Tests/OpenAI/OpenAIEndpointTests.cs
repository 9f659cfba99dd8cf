using System.Net;
using System.Text;
using System.Text.Json;
using LlmRouter.AspNetCore.Tests.TestSupport;
using LlmRouter.Testing;
using Microsoft.Extensions.AI;

namespace LlmRouter.AspNetCore.Tests.OpenAI;

/// <summary>The endpoint's wire behaviour seen as raw HTTP: what no SDK shows (the llmrouter object, SSE framing, limits).</summary>
public class OpenAIEndpointTests
{
    private const string Hello = """{"model":"fast","messages":[{"role":"user","content":"Hi"}]}""";

    [Fact]
    public async Task Complete_BodyCarriesTheLlmRouterObject()
    {
        using var primary = new ScriptedChatClient();
        using var backup = new ScriptedChatClient();
        primary.Enqueue(ScriptedOutcome.Text("hello").WithUsage(4, 2));
        await using GatewayHost host = await GatewayHost.StartAsync(primary, backup);
        using HttpClient http = host.Http();

        using HttpResponseMessage response = await http.PostAsync("v1/chat/completions", Json(Hello));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonElement body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("chat.completion", body.GetProperty("object").GetString());
        JsonElement router = body.GetProperty("llmrouter");
        Assert.Equal("fast", router.GetProperty("route").GetString());
        Assert.Equal("primary", router.GetProperty("deployment").GetString());
        Assert.Equal(1, router.GetProperty("attempts").GetInt32());
        Assert.True(router.GetProperty("cost_usd").GetDouble() > 0);
    }

    [Fact]
    public async Task Stream_IsServerSentEventsEndingWithFinishChunkRouterObjectAndDone()
    {
        using var primary = new ScriptedChatClient();
        using var backup = new ScriptedChatClient();
        primary.Enqueue(ScriptedOutcome.Chunks("a", "b"));
        await using GatewayHost host = await GatewayHost.StartAsync(primary, backup);
        using HttpClient http = host.Http();

        using HttpResponseMessage response = await http.PostAsync("v1/chat/completions", Json("""{"model":"fast","stream":true,"messages":[{"role":"user","content":"Hi"}]}"""));

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("fast", Assert.Single(response.Headers.GetValues("x-llmrouter-route")));
        List<string> events = Events(await response.Content.ReadAsStringAsync());
        Assert.Equal("[DONE]", events[^1]);
        JsonElement finish = JsonDocument.Parse(events[^2]).RootElement;
        Assert.Equal("stop", finish.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal("primary", finish.GetProperty("llmrouter").GetProperty("deployment").GetString());
        string text = string.Concat(events.SkipLast(2).Select(e => JsonDocument.Parse(e).RootElement.GetProperty("choices")[0].GetProperty("delta"))
            .Select(d => d.TryGetProperty("content", out JsonElement c) ? c.GetString() : null));
        Assert.Equal("ab", text);
        Assert.DoesNotContain(events, e => e.Contains("\"usage\":{", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stream_FailureAfterFirstChunk_IsAnErrorEventWithoutDone()
    {
        using var primary = new ScriptedChatClient();
        using var backup = new ScriptedChatClient();
        primary.Enqueue(ScriptedOutcome.Chunks("partial").ThenFail(HttpStatusCode.InternalServerError));
        await using GatewayHost host = await GatewayHost.StartAsync(primary, backup);
        using HttpClient http = host.Http();

        using HttpResponseMessage response = await http.PostAsync("v1/chat/completions", Json("""{"model":"fast","stream":true,"messages":[{"role":"user","content":"Hi"}]}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        List<string> events = Events(await response.Content.ReadAsStringAsync());
        Assert.Contains("partial", events[0], StringComparison.Ordinal);
        JsonElement error = JsonDocument.Parse(events[^1]).RootElement.GetProperty("error");
        Assert.Equal("server_error", error.GetProperty("type").GetString());
        Assert.DoesNotContain("[DONE]", events);
        await primary.WaitForStreamsClosedAsync();
    }

    [Fact]
    public async Task Stream_ClientGoesAway_DeploymentStreamIsClosed()
    {
        using var primary = new ScriptedChatClient();
        using var backup = new ScriptedChatClient();
        primary.Enqueue(ScriptedOutcome.Chunks("first").ThenStall());
        await using GatewayHost host = await GatewayHost.StartAsync(primary, backup);
        using HttpClient http = host.Http();
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = Json("""{"model":"fast","stream":true,"messages":[{"role":"user","content":"Hi"}]}"""),
        };

        using (HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            Assert.Contains("first", await reader.ReadLineAsync(), StringComparison.Ordinal);
        }

        await primary.WaitForStreamsClosedAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, primary.OpenStreams);
    }

    [Fact]
    public async Task Stream_FailureBeforeFirstChunk_IsAnHttpError()
    {
        using var primary = new ScriptedChatClient();
        using var backup = new ScriptedChatClient();
        primary.DefaultOutcome = ScriptedOutcome.Failure(HttpStatusCode.InternalServerError);
        backup.DefaultOutcome = ScriptedOutcome.Failure(HttpStatusCode.InternalServerError);
        await using GatewayHost host = await GatewayHost.StartAsync(primary, backup, router: b => b.ConfigureRetry(r => r.MaxAttempts = 1));
        using HttpClient http = host.Http();

        using HttpResponseMessage response = await http.PostAsync("v1/chat/completions", Json("""{"model":"fast","stream":true,"messages":[{"role":"user","content":"Hi"}]}"""));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
    }

    [Theory]
    [InlineData("""{"messages":[{"role":"user","content":"Hi"}]}""", "model")]
    [InlineData("""{"model":"fast","messages":[]}""", "messages")]
    [InlineData("""{"model":"fast","messages":[{"role":"robot","content":"Hi"}]}""", "messages[0].role")]
    [InlineData("""{"model":"fast","temperature":7,"messages":[{"role":"user","content":"Hi"}]}""", "temperature")]
    [InlineData("""{"model":"fast","n":2,"messages":[{"role":"user","content":"Hi"}]}""", "n")]
    [InlineData("""{"model":"fast","messages":[{"role":"user","content":[{"type":"video","url":"x"}]}]}""", "messages[0].content[0].type")]
    [InlineData("""{"model":"fast","response_format":{"type":"yaml"},"messages":[{"role":"user","content":"Hi"}]}""", "response_format.type")]
    [InlineData("""{"model":"fast","messages":[{"role":"user","content":"Hi"}""", "body")]
    public async Task InvalidRequest_Is400NamingTheField(string body, string param)
    {
        using var primary = new ScriptedChatClient();
        using var backup = new ScriptedChatClient();
        await using GatewayHost host = await GatewayHost.StartAsync(primary, backup);
        using HttpClient http = host.Http();

        using HttpResponseMessage response = await http.PostAsync("v1/chat/completions", Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        JsonElement error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Equal(0, primary.CallCount);
    }

    [Fact]
    public async Task UserMessageWithImage_ReachesDeploymentAsDataContent()
    {
        using var primary = new ScriptedChatClient();
        using var backup = new ScriptedChatClient();
        primary.Enqueue(ScriptedOutcome.Text("a red pixel"));
        await using GatewayHost host = await GatewayHost.StartAsync(primary, backup);
        using HttpClient http = host.Http();

        using HttpResponseMessage response = await http.PostAsync("v1/chat/completions", Json("""
            {"model":"fast","reasoning_effort":"low","messages":[{"role":"user","content":[
              {"type":"text","text":"What is this?"},
              {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]}]}
            """));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        ScriptedCall call = Assert.Single(primary.Calls);
        IList<AIContent> contents = Assert.Single(call.Messages).Contents;
        Assert.Equal("What is this?", Assert.IsType<TextContent>(contents[0]).Text);
        DataContent image = Assert.IsType<DataContent>(contents[1]);
        Assert.Equal("image/png", image.MediaType);
        Assert.Equal(ReasoningEffort.Low, call.Options!.Reasoning!.Effort);
    }

    [Fact]
    public async Task BodyOverTheLimit_Is413()
    {
        using var primary = new ScriptedChatClient();
        using var backup = new ScriptedChatClient();
        await using GatewayHost host = await GatewayHost.StartAsync(primary, backup, gateway: g => g.MaxRequestBodySize = 2048);
        using HttpClient http = host.Http();
        string big = $$"""{"model":"fast","messages":[{"role":"user","content":"{{new string('x', 4096)}}"}]}""";

        using HttpResponseMessage declared = await http.PostAsync("v1/chat/completions", Json(big));
        using var chunked = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big))) };
        chunked.Headers.TransferEncodingChunked = true;
        using HttpResponseMessage undeclared = await http.SendAsync(chunked);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, undeclared.StatusCode);
        Assert.Contains("2048 bytes", await undeclared.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, primary.CallCount);
    }

    [Theory]
    [InlineData(false, HttpStatusCode.Unauthorized)]
    [InlineData(true, HttpStatusCode.OK)]
    public async Task NoKey_IsRefusedUnlessAnonymousIsAllowed(bool allowAnonymous, HttpStatusCode expected)
    {
        using var primary = new ScriptedChatClient();
        using var backup = new ScriptedChatClient();
        primary.DefaultOutcome = ScriptedOutcome.Text("ok");
        await using GatewayHost host = await GatewayHost.StartAsync(primary, backup, gateway: g => g.AllowAnonymous = allowAnonymous);
        using HttpClient http = host.Http(key: null);

        using HttpResponseMessage response = await http.PostAsync("v1/chat/completions", Json(Hello));

        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task NoKeysConfigured_RefusesEveryKey()
    {
        using var primary = new ScriptedChatClient();
        using var backup = new ScriptedChatClient();
        await using GatewayHost host = await GatewayHost.StartAsync(primary, backup, gateway: g => g.Keys.Clear());
        using HttpClient http = host.Http();

        using HttpResponseMessage response = await http.PostAsync("v1/chat/completions", Json(Hello));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task AuthenticateCallback_GrantsAKeyNotConfigured()
    {
        using var primary = new ScriptedChatClient();
        using var backup = new ScriptedChatClient();
        backup.DefaultOutcome = ScriptedOutcome.Text("ok");
        await using GatewayHost host = await GatewayHost.StartAsync(primary, backup, gateway: g => g.Authenticate = (key, _) =>
            new ValueTask<GatewayKey?>(key == "from-database" ? new GatewayKey("db", "tenant-7", ["smart"]) : null));

        using HttpClient granted = host.Http("from-database");
        using HttpClient refused = host.Http("not-in-database");
        using HttpResponseMessage ok = await granted.PostAsync("v1/chat/completions", Json("""{"model":"smart","messages":[{"role":"user","content":"Hi"}]}"""));
        using HttpResponseMessage forbidden = await granted.PostAsync("v1/chat/completions", Json(Hello));
        using HttpResponseMessage unauthorized = await refused.PostAsync("v1/chat/completions", Json(Hello));

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ServiceTier_ReachesTheDeploymentAndTheAnswerSaysWhichServedAndIsBilledAtIt(bool stream)
    {
        using var primary = new ScriptedChatClient();
        primary.Enqueue(ScriptedOutcome.Stream(
            new ChatResponseUpdate(ChatRole.Assistant, "hello"),
            new ChatResponseUpdate
            {
                Contents = [new UsageContent(new UsageDetails { InputTokenCount = 1_000_000, OutputTokenCount = 0 })],
                AdditionalProperties = new() { ["service_tier"] = "flex" },
            }));
        await using GatewayHost host = await GatewayHost.StartAsync(builder => builder
            .AddDeployment("primary", primary, d =>
            {
                d.Model = "model-a";
                d.Price = new ModelPrice(1m, 2m) { ServiceTiers = new Dictionary<string, ModelPrice> { ["flex"] = new ModelPrice(0.5m, 1m) } };
            })
            .AddRoute("fast", r => r.Deployments = ["primary"]));
        using HttpClient http = host.Http();
        string body = stream
            ? """{"model":"fast","stream":true,"stream_options":{"include_usage":true},"service_tier":"flex","messages":[{"role":"user","content":"Hi"}]}"""
            : """{"model":"fast","service_tier":"flex","messages":[{"role":"user","content":"Hi"}]}""";

        using HttpResponseMessage response = await http.PostAsync("v1/chat/completions", Json(body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("flex", Assert.Single(primary.Calls).Options!.AdditionalProperties!["service_tier"]);
        string text = await response.Content.ReadAsStringAsync();
        JsonElement answer = JsonDocument.Parse(stream ? Events(text)[^2] : text).RootElement;
        Assert.Equal("flex", answer.GetProperty("service_tier").GetString());
        Assert.Equal(0.5, answer.GetProperty("llmrouter").GetProperty("cost_usd").GetDouble(), 6);
    }

    [Fact]
    public async Task ServiceTier_NotAString_Is400NamingTheField()
    {
        using var primary = new ScriptedChatClient();
        using var backup = new ScriptedChatClient();
        await using GatewayHost host = await GatewayHost.StartAsync(primary, backup);
        using HttpClient http = host.Http();

        using HttpResponseMessage response = await http.PostAsync("v1/chat/completions", Json("""{"model":"fast","service_tier":3,"messages":[{"role":"user","content":"Hi"}]}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        JsonElement error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("service_tier", error.GetProperty("param").GetString());
        Assert.Empty(primary.Calls);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    /// <summary>The data of each server-sent event, in order.</summary>
    private static List<string> Events(string stream) =>
        [.. stream.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => e.StartsWith("data: ", StringComparison.Ordinal) ? e[6..] : e)];
}
