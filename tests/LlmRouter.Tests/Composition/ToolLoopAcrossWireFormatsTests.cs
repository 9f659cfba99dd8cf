using System.Text.Json;
using LlmRouter.Tests.Providers;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRouter.Tests.Composition;

/// <summary>
/// A tool loop through <c>UseFunctionInvocation</c> whose model calls each route and fail over on their own: begun on an
/// OpenAI-format deployment, continued on Anthropic and Gemini after failures, and finished on OpenAI again, all on loopback
/// servers. Each format must receive the tool calls and results the others produced, ids paired as it requires.
/// </summary>
public sealed class ToolLoopAcrossWireFormatsTests : IAsyncLifetime
{
    private const string Overloaded = """{"error":{"message":"overloaded","type":"server_error"}}""";

    private LoopbackServer _openAI = null!;
    private LoopbackServer _anthropic = null!;
    private LoopbackServer _gemini = null!;

    public async Task InitializeAsync()
    {
        _openAI = await LoopbackServer.StartAsync();
        _anthropic = await LoopbackServer.StartAsync();
        _gemini = await LoopbackServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _openAI.DisposeAsync();
        await _anthropic.DisposeAsync();
        await _gemini.DisposeAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task UseFunctionInvocation_EachModelCallFailsOverOnItsOwn_ConversationContinuesAcrossFormats(bool streaming)
    {
        if (streaming)
        {
            ScriptStreams();
        }
        else
        {
            ScriptResponses();
        }

        var services = new ServiceCollection();
        services.AddLlmRouter(builder => builder.WithoutRetries()
                .AddDeployment("openai", ProviderTestClients.Create(ProviderTypes.OpenAI, ProviderTestClients.EndpointFor(ProviderTypes.OpenAI, _openAI.BaseUri), "gpt-4o-mini"))
                .AddDeployment("anthropic", ProviderTestClients.Create(ProviderTypes.Anthropic, ProviderTestClients.EndpointFor(ProviderTypes.Anthropic, _anthropic.BaseUri), "claude-haiku-4-5"))
                .AddDeployment("gemini", ProviderTestClients.Create(ProviderTypes.Gemini, ProviderTestClients.EndpointFor(ProviderTypes.Gemini, _gemini.BaseUri), "gemini-2.5-flash"))
                .AddRoute("agent", r => r.Deployments = ["openai", "anthropic", "gemini"]))
            .UseFunctionInvocation();
        await using ServiceProvider provider = services.BuildServiceProvider();
        IChatClient chat = provider.GetRequiredService<IChatClient>();
        var weather = new Dictionary<string, string> { ["Lisbon"] = "18C", ["Porto"] = "16C", ["Faro"] = "22C" };
        var options = new ChatOptions
        {
            ModelId = "agent",
            Tools = [AIFunctionFactory.Create((string city) => weather[city], "get_weather", "Gets the weather in a city.")],
        };

        ChatResponse response = await ProviderTestClients.CallAsync(chat, streaming, [new ChatMessage(ChatRole.User, "Weather in Lisbon, Porto and Faro?")], options);

        Assert.Equal("Lisbon 18C, Porto 16C, Faro 22C.", response.Text);
        Assert.Equal((4, 2, 1), (_openAI.Requests.Count, _anthropic.Requests.Count, _gemini.Requests.Count));

        // Anthropic got OpenAI's call as a tool_use and its result as a tool_result with the same id.
        JsonElement[] toAnthropic = [.. _anthropic.Requests.First().Json.GetProperty("messages").EnumerateArray()];
        Assert.Equal("""{"type":"tool_use","id":"call_1","name":"get_weather","input":{"city":"Lisbon"}}""", toAnthropic[1].GetProperty("content")[0].GetRawText());
        // The tool's return value goes out as JSON, a JSON string here, in every format.
        Assert.Equal(("tool_result", "call_1", "\"18C\""), Result(toAnthropic[2].GetProperty("content")[0]));

        // Gemini got both calls as functionCall parts and both results as functionResponse parts, by name.
        JsonElement[] toGemini = [.. _gemini.LastRequest.Json.GetProperty("contents").EnumerateArray()];
        Assert.Equal(["user", "model", "user", "model", "user"], toGemini.Select(c => c.GetProperty("role").GetString()));
        Assert.Equal("Porto", toGemini[3].GetProperty("parts")[0].GetProperty("functionCall").GetProperty("args").GetProperty("city").GetString());
        Assert.Equal("get_weather", toGemini[4].GetProperty("parts")[0].GetProperty("functionResponse").GetProperty("name").GetString());

        // Anthropic's signed thinking is Anthropic's alone: the other formats are not sent it.
        Assert.DoesNotContain("Porto next.", _gemini.LastRequest.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("Porto next.", _openAI.LastRequest.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("sig-2", _openAI.LastRequest.Body, StringComparison.Ordinal);

        // Back on OpenAI: every call, whichever format produced it, paired with its result by tool_call_id.
        JsonElement[] toOpenAI = [.. _openAI.LastRequest.Json.GetProperty("messages").EnumerateArray()];
        string[] callIds = [.. toOpenAI.Where(m => m.TryGetProperty("tool_calls", out _)).Select(m => m.GetProperty("tool_calls")[0].GetProperty("id").GetString()!)];
        string[] resultIds = [.. toOpenAI.Where(m => m.GetProperty("role").GetString() == "tool").Select(m => m.GetProperty("tool_call_id").GetString()!)];
        Assert.Equal(3, callIds.Length);
        Assert.Equal(["call_1", "toolu_2"], callIds[..2]);
        Assert.False(string.IsNullOrEmpty(callIds[2]));
        Assert.Equal(callIds, resultIds);
        Assert.Equal(["\"18C\"", "\"16C\"", "\"22C\""], toOpenAI.Where(m => m.GetProperty("role").GetString() == "tool").Select(m => m.GetProperty("content").GetString()));
    }

    /// <summary>Non-streaming: OpenAI asks for Lisbon; overloaded, Anthropic asks for Porto; both overloaded, Gemini asks for Faro; OpenAI answers.</summary>
    private void ScriptResponses()
    {
        _openAI.EnqueueJson("""{"id":"c1","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Lisbon\"}"}}]},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":20,"completion_tokens":5,"total_tokens":25}}""");
        _openAI.EnqueueJson(Overloaded, 503);
        _anthropic.EnqueueJson("""{"id":"msg_2","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[{"type":"thinking","thinking":"Porto next.","signature":"sig-2"},{"type":"tool_use","id":"toolu_2","name":"get_weather","input":{"city":"Porto"}}],"stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":30,"output_tokens":6}}""");
        _openAI.EnqueueJson(Overloaded, 503);
        _anthropic.EnqueueJson(AnthropicOverloaded, 529);
        _gemini.EnqueueJson(GeminiCall);
        _openAI.EnqueueJson("""{"id":"c4","object":"chat.completion","created":4,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Lisbon 18C, Porto 16C, Faro 22C."},"finish_reason":"stop"}],"usage":{"prompt_tokens":60,"completion_tokens":12,"total_tokens":72}}""");
    }

    /// <summary>The same conversation streamed: each format's own events; failures before the first event, so each call fails over.</summary>
    private void ScriptStreams()
    {
        _openAI.EnqueueEvents(
        [
            Sse.Data("""{"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}]}"""),
            Sse.Data("""{"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":\"Lisbon\"}"}}]},"finish_reason":null}]}"""),
            Sse.Data("""{"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"""),
            Sse.Done,
        ]);
        _openAI.EnqueueJson(Overloaded, 503);
        _anthropic.EnqueueEvents(
        [
            Sse.Event("message_start", """{"type":"message_start","message":{"id":"msg_2","type":"message","role":"assistant","model":"claude-haiku-4-5","stop_sequence":null,"usage":{"input_tokens":30,"output_tokens":1},"content":[],"stop_reason":null}}"""),
            Sse.Event("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}"""),
            Sse.Event("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Porto next."}}"""),
            Sse.Event("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"sig-2"}}"""),
            Sse.Event("content_block_stop", """{"type":"content_block_stop","index":0}"""),
            Sse.Event("content_block_start", """{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_2","name":"get_weather","input":{}}}"""),
            Sse.Event("content_block_delta", """{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"city\": \"Porto\"}"}}"""),
            Sse.Event("content_block_stop", """{"type":"content_block_stop","index":1}"""),
            Sse.Event("message_delta", """{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":6}}"""),
            Sse.Event("message_stop", """{"type":"message_stop"}"""),
        ]);
        _openAI.EnqueueJson(Overloaded, 503);
        _anthropic.EnqueueJson(AnthropicOverloaded, 529);
        _gemini.EnqueueEvents([Sse.Data(GeminiCall)]);
        _openAI.EnqueueEvents(
        [
            Sse.Data("""{"id":"c4","object":"chat.completion.chunk","created":4,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":"Lisbon 18C, Porto 16C, "},"finish_reason":null}]}"""),
            Sse.Data("""{"id":"c4","object":"chat.completion.chunk","created":4,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Faro 22C."},"finish_reason":"stop"}]}"""),
            Sse.Done,
        ]);
    }

    private const string AnthropicOverloaded = """{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}""";

    private const string GeminiCall =
        """{"candidates":[{"content":{"parts":[{"functionCall":{"name":"get_weather","args":{"city":"Faro"}}}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":40,"candidatesTokenCount":6,"totalTokenCount":46},"modelVersion":"gemini-2.5-flash","responseId":"r3"}""";

    private static (string?, string?, string?) Result(JsonElement block) =>
        (block.GetProperty("type").GetString(), block.GetProperty("tool_use_id").GetString(), block.GetProperty("content").ValueKind == JsonValueKind.String
            ? block.GetProperty("content").GetString()
            : block.GetProperty("content")[0].GetProperty("text").GetString());
}
