using Microsoft.Extensions.AI;
using static LlmRouter.Tests.Providers.ProviderTestClients;

namespace LlmRouter.Tests.Providers;

/// <summary>The API key must never surface: not in messages, not in ToString, not when the provider echoes it back.</summary>
public sealed class ProviderConnectionTests : IAsyncLifetime
{
    private LoopbackServer _server = null!;

    public async Task InitializeAsync() => _server = await LoopbackServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public static TheoryData<string, string> Scenarios()
    {
        var data = new TheoryData<string, string>();
        foreach (string type in new[] { ProviderTypes.OpenAI, ProviderTypes.Anthropic, ProviderTypes.Gemini })
        {
            foreach (string scenario in new[] { "success", "400", "401", "403", "404", "429", "500", "503", "529", "stream-error", "truncated", "malformed", "broken", "html" })
            {
                data.Add(type, scenario);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task Call_AnyOutcome_NeverExposesTheApiKey(string type, string scenario)
    {
        // Providers echo keys back in auth errors; every error body here carries the whole key.
        string echoed = "Incorrect API key provided: " + ApiKey + ".";
        string errorBody = type switch
        {
            ProviderTypes.Anthropic => $$$"""{"type":"error","error":{"type":"{{{ApiKey}}}","message":"{{{echoed}}}"}}""",
            ProviderTypes.Gemini => $$$"""{"error":{"code":400,"message":"{{{echoed}}}","status":"{{{ApiKey}}}"}}""",
            _ => $$$"""{"error":{"message":"{{{echoed}}}","type":"{{{ApiKey}}}","code":"{{{ApiKey}}}"}}""",
        };
        foreach (bool streaming in new[] { false, true })
        {
            Enqueue(type, scenario, streaming, errorBody);
            using IChatClient client = Create(type, Endpoint(type));
            Assert.DoesNotContain(ApiKey, client.ToString(), StringComparison.Ordinal);

            Exception? error = await Record.ExceptionAsync(() => CallAsync(client, streaming, Hello));

            if (scenario == "success")
            {
                Assert.Null(error);
                continue;
            }

            ProviderException provider = Assert.IsType<ProviderException>(error);
            Assert.DoesNotContain(ApiKey, provider.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain(ApiKey, provider.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(ApiKey, provider.ErrorType ?? string.Empty, StringComparison.Ordinal);
            Assert.DoesNotContain(ApiKey, provider.ErrorCode ?? string.Empty, StringComparison.Ordinal);
        }

        Assert.All(_server.Requests, r => Assert.DoesNotContain(ApiKey, r.Path + r.Query, StringComparison.Ordinal));
    }

    [Fact]
    public void ToString_OptionsWithKey_ShowsOnlyThatAKeyIsSet()
    {
        var options = new ProviderOptions { Type = ProviderTypes.OpenAI, ApiKey = ApiKey, Endpoint = new Uri("https://api.openai.com/v1?key=" + ApiKey) };

        string text = options.ToString();

        Assert.DoesNotContain(ApiKey, text, StringComparison.Ordinal);
        Assert.Contains("ApiKey=(set)", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_EndpointWithUserInfo_NeverShowsIt(bool streaming)
    {
        const string Secret = "hunter2-passw0rd";
        string authority = _server.BaseUri.Authority;
        var options = new ProviderOptions { Type = ProviderTypes.OpenAICompatible, Endpoint = new Uri($"http://admin:{Secret}@{authority}/v1") };
        _server.EnqueueJson($$$"""{"error":{"message":"bad credentials admin:{{{Secret}}} for http://admin:{{{Secret}}}@{{{authority}}}/v1","type":"authentication_error"}}""", 401);
        using IChatClient client = Create(options);

        ProviderException error = Assert.IsType<ProviderException>(await Record.ExceptionAsync(() => CallAsync(client, streaming, Hello)));

        Assert.Equal($"Type=OpenAICompatible, Endpoint=http://{authority}/v1, ApiKey=(not set)", options.ToString());
        Assert.Equal($"OpenAIChatClient(openai_compatible, http://{authority}/v1, test-model)", client.ToString());
        Uri reported = client.GetService<ChatClientMetadata>()!.ProviderUri!;
        Assert.Equal(new Uri($"http://{authority}/v1"), reported);
        Assert.Empty(reported.UserInfo);
        Assert.Equal(ProviderErrorKind.Authentication, error.Kind);
        Assert.DoesNotContain(Secret, error.ToString(), StringComparison.Ordinal);
        Assert.Contains("bad credentials admin:[redacted] for http://admin:[redacted]@", error.Message, StringComparison.Ordinal);
        Assert.Equal("/v1/chat/completions", _server.LastRequest.Path);
        Assert.False(_server.LastRequest.Headers.ContainsKey("Authorization"));
    }

    [Theory]
    [InlineData("ftp://admin:hunter2-passw0rd@example.com/v1")]
    [InlineData("https://admin:hunter2-passw0rd@example.com/v1?key=hunter2-passw0rd")]
    public void CreateChatClient_InvalidOptionsWithUserInfo_ErrorNeverShowsIt(string endpoint)
    {
        var options = new ProviderOptions { Type = ProviderTypes.OpenAI, Endpoint = new Uri(endpoint), DefaultMaxOutputTokens = 0 };

        var error = Assert.Throws<LlmRouterConfigurationException>(() => ProviderClientFactory.Create(options, "m", null, null, null, TimeProvider.System, _ => null));

        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("admin", error.Message, StringComparison.Ordinal);
        Assert.Contains("example.com/v1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Call_ShortPlaceholderKey_LeavesTheProvidersErrorTextWhole()
    {
        // Local servers take any key; "x" is no secret, and removing it would garble the provider's words.
        _server.EnqueueJson("""{"error":{"message":"Rate limit exceeded, try again in 2s","type":"requests","code":"rate_limit_exceeded"}}""", 429);
        using IChatClient client = Create(new ProviderOptions { Type = ProviderTypes.OpenAICompatible, Endpoint = _server.Url("/v1"), ApiKey = "x" });

        ProviderException error = await Assert.ThrowsAsync<ProviderException>(() => client.GetResponseAsync(Hello, null, Guard()));

        Assert.Equal("rate_limit_exceeded", error.ErrorCode);
        Assert.Equal(ProviderErrorKind.RateLimited, error.Kind);
        Assert.Contains("(requests, rate_limit_exceeded): Rate limit exceeded, try again in 2s", error.Message, StringComparison.Ordinal);
    }

    private Uri Endpoint(string type) => type switch
    {
        ProviderTypes.Anthropic => _server.BaseUri,
        ProviderTypes.Gemini => _server.Url("/v1beta"),
        _ => _server.Url("/v1"),
    };

    private void Enqueue(string type, string scenario, bool streaming, string errorBody)
    {
        switch (scenario)
        {
            case "success" when streaming:
                _server.EnqueueEvents(SuccessEvents(type));
                break;
            case "success":
                _server.EnqueueJson(SuccessBody(type));
                break;
            case "stream-error" when !streaming:
                _server.EnqueueJson(errorBody, 200);
                break;
            case "truncated" when !streaming:
                _server.Enqueue(new ScriptedResponse { Body = "{\"id\":\"x\",", AbortAfterBody = true });
                break;
            case "malformed" when !streaming:
                _server.EnqueueJson("{\"id\":");
                break;
            case "stream-error":
                _server.EnqueueEvents([type == ProviderTypes.Anthropic ? Sse.Event("error", errorBody) : Sse.Data(errorBody)]);
                break;
            case "truncated":
                _server.EnqueueEvents([]);
                break;
            case "malformed":
                _server.EnqueueEvents([Sse.Data("{\"id\":")]);
                break;
            case "broken":
                _server.Enqueue(new ScriptedResponse { Body = "{\"id\":\"x\"", AbortAfterBody = true, ContentType = streaming ? "text/event-stream" : "application/json" });
                break;
            case "html":
                _server.EnqueueJson("<html>" + ApiKey + "</html>", 502);
                break;
            default:
                _server.EnqueueJson(errorBody, int.Parse(scenario, System.Globalization.CultureInfo.InvariantCulture));
                break;
        }
    }

    private static string SuccessBody(string type) => type switch
    {
        ProviderTypes.Anthropic => """{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"Hi"}],"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":1}}""",
        ProviderTypes.Gemini => """{"candidates":[{"content":{"parts":[{"text":"Hi"}],"role":"model"},"finishReason":"STOP"}]}""",
        _ => """{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}]}""",
    };

    private static string[] SuccessEvents(string type) => type switch
    {
        ProviderTypes.Anthropic =>
        [
            Sse.Event("message_start", """{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"m","usage":{"input_tokens":1,"output_tokens":1}}}"""),
            Sse.Event("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}"""),
            Sse.Event("message_stop", """{"type":"message_stop"}"""),
        ],
        ProviderTypes.Gemini => [Sse.Data("""{"candidates":[{"content":{"parts":[{"text":"Hi"}],"role":"model"},"finishReason":"STOP"}]}""")],
        _ => [Sse.Data("""{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":"stop"}]}"""), Sse.Done],
    };
}
