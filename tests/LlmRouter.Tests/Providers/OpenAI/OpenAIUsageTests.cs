using System.Net;
using System.Text;
using Microsoft.Extensions.AI;
using static LlmRouter.Tests.Providers.ProviderTestClients;

namespace LlmRouter.Tests.Providers.OpenAI;

/// <summary>
/// Usage from OpenAI-compatible servers, mapped so that the cost is right: output is the whole output (reasoning included,
/// whether the server counts it inside <c>completion_tokens</c> or beside it), cache reads are the larger of the two ways
/// servers report them, and a stream reports its usage once.
/// </summary>
public sealed class OpenAIUsageTests
{
    // xAI's usage: reasoning_tokens beside completion_tokens (prompt + completion + reasoning = total).
    private const string XaiUsage = """
        {"prompt_tokens":10120,"completion_tokens":1499,"total_tokens":14428,
         "prompt_tokens_details":{"text_tokens":10120,"audio_tokens":0,"image_tokens":0,"cached_tokens":128},
         "completion_tokens_details":{"reasoning_tokens":2809,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0},
         "num_sources_used":0}
        """;

    // OpenAI's usage for a reasoning model: reasoning_tokens inside completion_tokens (prompt + completion = total).
    private const string OpenAIUsage = """
        {"prompt_tokens":75,"completion_tokens":1186,"total_tokens":1261,
         "prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},
         "completion_tokens_details":{"reasoning_tokens":1024,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}
        """;

    /// <summary>Each OpenAI-format type, whether it counts reasoning inside completion_tokens (documented per provider).</summary>
    public static TheoryData<string, bool> Presets => new()
    {
        { ProviderTypes.OpenAI, true },
        { ProviderTypes.AzureOpenAI, true },
        { ProviderTypes.OpenAICompatible, true },
        { ProviderTypes.DeepSeek, true },
        { ProviderTypes.Mistral, true },
        { ProviderTypes.Groq, true },
        { ProviderTypes.Together, true },
        { ProviderTypes.Fireworks, true },
        { ProviderTypes.OpenRouter, true },
        { ProviderTypes.XAI, false },
        { ProviderTypes.Qwen, true },
        { ProviderTypes.Ollama, true },
        { ProviderTypes.VLlm, true },
        { ProviderTypes.LMStudio, true },
    };

    public static TheoryData<bool> Modes => new() { false, true };

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Call_XaiReasoningBesideCompletion_ReportsTheWholeOutputAndBillsItOnce(bool streaming)
    {
        using IChatClient client = Client(new ProviderOptions { Type = ProviderTypes.XAI, ApiKey = ApiKey }, streaming, XaiUsage);

        UsageDetails usage = (await CallAsync(client, streaming, Hello)).Usage!;

        Assert.Equal(4308, usage.OutputTokenCount);
        Assert.Equal(2809, usage.ReasoningTokenCount);
        Assert.Equal(10120, usage.InputTokenCount);
        Assert.Equal(128, usage.CachedInputTokenCount);
        Assert.Equal(14428, usage.TotalTokenCount);

        // grok-4 at $3 / $15 per million, cache reads at $0.75: every output token once, the reasoning among them.
        decimal cost = CostCalculator.Calculate(usage, new ModelPrice(3m, 15m) { CachedInput = 0.75m });
        Assert.Equal(((10120m - 128m) * 3m + 128m * 0.75m + 4308m * 15m) / 1_000_000m, cost);
    }

    [Theory]
    [MemberData(nameof(Presets))]
    public async Task GetResponseAsync_ReasoningTokens_AreInTheOutputOnceWhateverThePresetsConvention(string type, bool reasoningInCompletion)
    {
        // The body is each provider's own shape: reasoning counted in completion_tokens, or beside it.
        string body = reasoningInCompletion ? OpenAIUsage : XaiUsage;
        using IChatClient client = Client(new ProviderOptions { Type = type, Endpoint = new Uri("https://llm.example/v1"), ApiKey = ApiKey }, false, body);

        UsageDetails usage = (await client.GetResponseAsync(Hello, null, Guard())).Usage!;

        Assert.Equal(reasoningInCompletion ? (1186L, 1024L) : (4308L, 2809L), (usage.OutputTokenCount!.Value, usage.ReasoningTokenCount!.Value));
    }

    [Theory]
    [InlineData(ProviderTypes.OpenAICompatible, false, 4308L)]
    [InlineData(ProviderTypes.OpenAICompatible, null, 1499L)]
    [InlineData(ProviderTypes.XAI, true, 1499L)]
    [InlineData(ProviderTypes.XAI, null, 4308L)]
    public async Task GetResponseAsync_CompletionTokensIncludeReasoningSet_OverridesThePreset(string type, bool? included, long output)
    {
        var options = new ProviderOptions { Type = type, Endpoint = new Uri("https://llm.example/v1"), ApiKey = ApiKey, CompletionTokensIncludeReasoning = included };
        using IChatClient client = Client(options, false, XaiUsage);

        UsageDetails usage = (await client.GetResponseAsync(Hello, null, Guard())).Usage!;

        Assert.Equal(output, usage.OutputTokenCount);
        Assert.Equal(2809, usage.ReasoningTokenCount);
    }

    [Theory]
    [InlineData("""{"prompt_tokens":100,"completion_tokens":5,"prompt_tokens_details":{"cached_tokens":64},"prompt_cache_hit_tokens":80}""", 80L)]
    [InlineData("""{"prompt_tokens":100,"completion_tokens":5,"prompt_tokens_details":{"cached_tokens":64},"prompt_cache_hit_tokens":10}""", 64L)]
    [InlineData("""{"prompt_tokens":100,"completion_tokens":5,"prompt_cache_hit_tokens":80,"prompt_cache_miss_tokens":20}""", 80L)]
    [InlineData("""{"prompt_tokens":100,"completion_tokens":5,"prompt_tokens_details":{"cached_tokens":0},"prompt_cache_hit_tokens":80}""", 80L)]
    public async Task GetResponseAsync_CachedTokensReportedTwice_TakesTheLarger(string usageJson, long cached)
    {
        using IChatClient client = Client(new ProviderOptions { Type = ProviderTypes.DeepSeek, ApiKey = ApiKey }, false, usageJson);

        UsageDetails usage = (await client.GetResponseAsync(Hello, null, Guard())).Usage!;

        Assert.Equal(cached, usage.CachedInputTokenCount);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_UsageOnEveryChunk_YieldsOneUsageWithTheLastValues()
    {
        // Gemini's OpenAI-compatible endpoint repeats the running usage on every chunk; summing them would bill four times.
        string stream = string.Concat(
            Chunk("""{"content":"The"}""", null, """{"prompt_tokens":8,"completion_tokens":1,"total_tokens":9}"""),
            Chunk("""{"content":" answer"}""", null, """{"prompt_tokens":8,"completion_tokens":2,"total_tokens":10}"""),
            Chunk("""{"content":" is"}""", null, """{"prompt_tokens":8,"completion_tokens":3,"total_tokens":11}"""),
            Chunk("""{"content":" 42."}""", "\"stop\"", """{"prompt_tokens":8,"completion_tokens":4,"total_tokens":12,"completion_tokens_details":{"reasoning_tokens":2}}"""),
            Sse.Done);
        var handler = new InMemoryHandler(_ => InMemoryHandler.Bytes(HttpStatusCode.OK, Encoding.UTF8.GetBytes(stream), "text/event-stream"));
        using var http = new HttpClient(handler);
        using IChatClient client = Create(new ProviderOptions { Type = ProviderTypes.OpenAICompatible, Endpoint = new Uri("https://llm.example/v1") }, "m", http);

        List<ChatResponseUpdate> updates = await ReadAllAsync(client.GetStreamingResponseAsync(Hello, null, Guard()));

        UsageContent usage = Assert.Single(updates.SelectMany(u => u.Contents).OfType<UsageContent>());
        Assert.Same(usage, Assert.Single(updates[^1].Contents));
        Assert.Equal(ChatFinishReason.Stop, updates[^1].FinishReason);
        Assert.Equal((8L, 4L, 12L, 2L), (usage.Details.InputTokenCount!.Value, usage.Details.OutputTokenCount!.Value, usage.Details.TotalTokenCount!.Value, usage.Details.ReasoningTokenCount!.Value));
        ChatResponse combined = updates.ToChatResponse();
        Assert.Equal("The answer is 42.", combined.Text);
        Assert.Equal(4, combined.Usage!.OutputTokenCount);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ToolCallsEndingWithoutFinishReason_YieldsCallsAndUsageLast()
    {
        string stream = string.Concat(
            Sse.Data("""{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"get_time","arguments":"{}"}}]},"finish_reason":null}],"usage":{"prompt_tokens":8,"completion_tokens":3,"total_tokens":11}}"""),
            Sse.Done);
        var handler = new InMemoryHandler(_ => InMemoryHandler.Bytes(HttpStatusCode.OK, Encoding.UTF8.GetBytes(stream), "text/event-stream"));
        using var http = new HttpClient(handler);
        using IChatClient client = Create(new ProviderOptions { Type = ProviderTypes.OpenAICompatible, Endpoint = new Uri("https://llm.example/v1") }, "m", http);

        List<ChatResponseUpdate> updates = await ReadAllAsync(client.GetStreamingResponseAsync(Hello, null, Guard()));

        ChatResponseUpdate last = Assert.Single(updates);
        Assert.Equal(ChatFinishReason.ToolCalls, last.FinishReason);
        Assert.Equal("get_time", Assert.IsType<FunctionCallContent>(last.Contents[0]).Name);
        Assert.Equal(3, Assert.IsType<UsageContent>(last.Contents[1]).Details.OutputTokenCount);
    }

    private static string Chunk(string delta, string? finishReason, string usage) =>
        Sse.Data($$"""{"id":"c","object":"chat.completion.chunk","created":1,"model":"gemini-2.5-flash","choices":[{"index":0,"delta":{{delta}},"finish_reason":{{finishReason ?? "null"}}}],"usage":{{usage}}}""");

    /// <summary>A client whose server answers with a completion (or a stream) that carries <paramref name="usage"/>.</summary>
    private static IChatClient Client(ProviderOptions options, bool streaming, string usage)
    {
        string body = streaming
            ? Sse.Data("""{"id":"c","object":"chat.completion.chunk","created":1752854522,"model":"grok-4","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}]}""")
                + Sse.Data("""{"id":"c","object":"chat.completion.chunk","created":1752854522,"model":"grok-4","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}""")
                + Sse.Data("""{"id":"c","object":"chat.completion.chunk","created":1752854522,"model":"grok-4","choices":[],"usage":""" + usage.ReplaceLineEndings(string.Empty) + "}")
                + Sse.Done
            : """{"id":"c","object":"chat.completion","created":1752854522,"model":"grok-4","choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}],"usage":""" + usage + "}";
        var handler = new InMemoryHandler(_ => InMemoryHandler.Bytes(HttpStatusCode.OK, Encoding.UTF8.GetBytes(body), streaming ? "text/event-stream" : "application/json"));
        return Create(options, "grok-4", new HttpClient(handler));
    }
}
