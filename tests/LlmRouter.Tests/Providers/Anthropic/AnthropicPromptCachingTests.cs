using System.Text.Json;
using Microsoft.Extensions.AI;
using static LlmRouter.Tests.Providers.ProviderTestClients;

namespace LlmRouter.Tests.Providers.Anthropic;

/// <summary>
/// Prompt caching on the Anthropic wire (<see cref="PromptCaching.Auto"/>): <c>cache_control</c> on the last tool, the last system
/// block and the last block of the message before the final user turn, each only when the prompt up to it is long enough.
/// </summary>
public sealed class AnthropicPromptCachingTests : IAsyncLifetime
{
    private const string Answer = """
        {"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":"Done."}],
         "stop_reason":"end_turn","usage":{"input_tokens":10,"output_tokens":2,"cache_creation_input_tokens":1200,"cache_read_input_tokens":0}}
        """;

    /// <summary>About 1,250 tokens at four characters a token: above Sonnet's 1,024-token minimum on its own.</summary>
    private static readonly string LongSystem = string.Concat(Enumerable.Repeat("Follow the house style guide closely. ", 130));

    private LoopbackServer _server = null!;

    public async Task InitializeAsync() => _server = await LoopbackServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task LongSystemPrompt_BreakpointOnItsLastBlock_AndOnTheConversationBeforeTheFinalTurn(bool streaming)
    {
        EnqueueAnswer(streaming);
        using IChatClient client = Client("claude-sonnet-4-5", PromptCaching.Auto);

        await CallAsync(client, streaming,
        [
            new(ChatRole.System, "Be brief."),
            new(ChatRole.System, LongSystem),
            new(ChatRole.User, "First question"),
            new(ChatRole.Assistant, "First answer"),
            new(ChatRole.User, "Second question"),
        ]);

        JsonElement body = _server.LastRequest.Json;
        JsonElement[] system = [.. body.GetProperty("system").EnumerateArray()];
        Assert.False(system[0].TryGetProperty("cache_control", out _));
        Assert.Equal("""{"type":"ephemeral"}""", system[1].GetProperty("cache_control").GetRawText());
        JsonElement[] messages = [.. body.GetProperty("messages").EnumerateArray()];
        Assert.False(Block(messages[0]).TryGetProperty("cache_control", out _));
        Assert.Equal("ephemeral", Block(messages[1]).GetProperty("cache_control").GetProperty("type").GetString());
        Assert.False(Block(messages[2]).TryGetProperty("cache_control", out _));
        Assert.Equal(2, CountBreakpoints(body));
    }

    [Fact]
    public async Task LongTools_BreakpointOnTheLastTool()
    {
        EnqueueAnswer(streaming: false);
        using IChatClient client = Client("claude-sonnet-4-5", PromptCaching.Auto);
        var options = new ChatOptions
        {
            Tools =
            [
                AIFunctionFactory.Create((string city) => city, "get_weather", "Gets the weather."),
                AIFunctionFactory.Create((string city) => city, "get_time", LongSystem),
            ],
        };

        await client.GetResponseAsync([new(ChatRole.User, "Hello")], options, Guard());

        JsonElement[] tools = [.. _server.LastRequest.Json.GetProperty("tools").EnumerateArray()];
        Assert.False(tools[0].TryGetProperty("cache_control", out _));
        Assert.Equal("ephemeral", tools[1].GetProperty("cache_control").GetProperty("type").GetString());
        Assert.Equal(1, CountBreakpoints(_server.LastRequest.Json));
    }

    [Fact]
    public async Task ShortPrompt_NoBreakpoint()
    {
        EnqueueAnswer(streaming: false);
        using IChatClient client = Client("claude-sonnet-4-5", PromptCaching.Auto);

        await client.GetResponseAsync([new(ChatRole.System, "Be brief."), new(ChatRole.User, "Hi"), new(ChatRole.Assistant, "Hello"), new(ChatRole.User, "Bye")], null, Guard());

        Assert.Equal(0, CountBreakpoints(_server.LastRequest.Json));
    }

    [Fact]
    public async Task PromptBelowTheModelsMinimum_NoBreakpoint()
    {
        // About 1,250 tokens: enough for Sonnet (1,024), not for Haiku 4.5 (4,096).
        EnqueueAnswer(streaming: false);
        using IChatClient client = Client("claude-haiku-4-5", PromptCaching.Auto);

        await client.GetResponseAsync([new(ChatRole.System, LongSystem), new(ChatRole.User, "Hi")], null, Guard());

        Assert.Equal(0, CountBreakpoints(_server.LastRequest.Json));
    }

    [Fact]
    public async Task Off_NoBreakpoint()
    {
        EnqueueAnswer(streaming: false);
        using IChatClient client = Client("claude-sonnet-4-5", PromptCaching.Off);

        await client.GetResponseAsync([new(ChatRole.System, LongSystem), new(ChatRole.User, "Hi"), new(ChatRole.Assistant, "Hello"), new(ChatRole.User, "Bye")], null, Guard());

        Assert.Equal(0, CountBreakpoints(_server.LastRequest.Json));
    }

    [Fact]
    public async Task CacheUsage_IsReadAsCacheWrites()
    {
        EnqueueAnswer(streaming: false);
        using IChatClient client = Client("claude-sonnet-4-5", PromptCaching.Auto);

        ChatResponse response = await client.GetResponseAsync([new(ChatRole.System, LongSystem), new(ChatRole.User, "Hi")], null, Guard());

        Assert.Equal(1200, response.Usage!.AdditionalCounts!["CacheWriteInputTokenCount"]);
    }

    [Theory]
    [InlineData("claude-sonnet-4-5", 1024)]
    [InlineData("claude-sonnet-4-20250514", 1024)]
    [InlineData("claude-opus-4-1", 1024)]
    [InlineData("claude-opus-4-20250514", 1024)]
    [InlineData("claude-3-opus-20240229", 1024)]
    [InlineData("claude-opus-4-5", 4096)]
    [InlineData("claude-haiku-4-5", 4096)]
    [InlineData("claude-3-5-haiku-latest", 2048)]
    [InlineData("claude-3-haiku-20240307", 2048)]
    public void MinimumTokens_PerModelFamily(string model, int minimum) =>
        Assert.Equal(minimum, AnthropicPromptCaching.MinimumTokens(model));

    private IChatClient Client(string model, PromptCaching caching) =>
        Create(new ProviderOptions { Type = ProviderTypes.Anthropic, Endpoint = _server.BaseUri, ApiKey = ApiKey, PromptCaching = caching }, model);

    private void EnqueueAnswer(bool streaming)
    {
        if (!streaming)
        {
            _server.EnqueueJson(Answer);
            return;
        }

        _server.EnqueueEvents(
        [
            Sse.Event("message_start", """{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5","usage":{"input_tokens":10,"output_tokens":1}}}"""),
            Sse.Event("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"""),
            Sse.Event("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Done."}}"""),
            Sse.Event("content_block_stop", """{"type":"content_block_stop","index":0}"""),
            Sse.Event("message_delta", """{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":2}}"""),
            Sse.Event("message_stop", """{"type":"message_stop"}"""),
        ]);
    }

    private static JsonElement Block(JsonElement message) => message.GetProperty("content").EnumerateArray().Last();

    private static int CountBreakpoints(JsonElement body) => body.GetRawText().Split("\"cache_control\"").Length - 1;
}
