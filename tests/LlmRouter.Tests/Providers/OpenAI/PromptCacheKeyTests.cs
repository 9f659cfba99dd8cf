using System.Text.Json;
using Microsoft.Extensions.AI;
using static LlmRouter.Tests.Providers.ProviderTestClients;

namespace LlmRouter.Tests.Providers.OpenAI;

/// <summary>The <c>prompt_cache_key</c> the router sends for a caller, on the wire of providers that take one.</summary>
public sealed class PromptCacheKeyTests : IAsyncLifetime
{
    private const string Completion = """
        {"id":"c1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}],
         "usage":{"prompt_tokens":10,"completion_tokens":2,"total_tokens":12}}
        """;

    private LoopbackServer _server = null!;

    public async Task InitializeAsync() => _server = await LoopbackServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Caller_OnOpenAI_SendsAHashOfTheCallerKey_NeverTheKey(bool streaming)
    {
        JsonElement first = await SendAsync(ProviderTypes.OpenAI, PromptCaching.Auto, streaming, Caller("tenant-42"));
        JsonElement again = await SendAsync(ProviderTypes.OpenAI, PromptCaching.Auto, streaming, Caller("tenant-42"));
        JsonElement other = await SendAsync(ProviderTypes.OpenAI, PromptCaching.Auto, streaming, Caller("tenant-43"));

        string key = first.GetProperty("prompt_cache_key").GetString()!;
        Assert.Matches("^llmrouter-[0-9a-f]{32}$", key);
        Assert.Equal(key, again.GetProperty("prompt_cache_key").GetString());
        Assert.NotEqual(key, other.GetProperty("prompt_cache_key").GetString());
        Assert.DoesNotContain("tenant-42", first.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("llmrouter.", first.GetRawText(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ProviderTypes.Mistral, PromptCaching.Auto, true)]
    [InlineData(ProviderTypes.OpenAI, PromptCaching.Off, false)]
    [InlineData(ProviderTypes.OpenAICompatible, PromptCaching.Auto, false)]
    [InlineData(ProviderTypes.DeepSeek, PromptCaching.Auto, false)]
    public async Task PromptCacheKey_IsSentOnlyWhereTheProviderTakesOneAndCachingIsAuto(string type, PromptCaching caching, bool sent)
    {
        JsonElement body = await SendAsync(type, caching, streaming: false, Caller("tenant-42"));

        Assert.Equal(sent, body.TryGetProperty("prompt_cache_key", out _));
    }

    [Fact]
    public async Task RequestsOwnPromptCacheKey_IsKept()
    {
        ChatOptions options = Caller("tenant-42");
        options.AdditionalProperties!["prompt_cache_key"] = "conversation-7";

        JsonElement body = await SendAsync(ProviderTypes.OpenAI, PromptCaching.Auto, streaming: false, options);

        Assert.Equal("conversation-7", body.GetProperty("prompt_cache_key").GetString());
    }

    [Fact]
    public async Task NoCaller_SendsNoPromptCacheKey()
    {
        JsonElement body = await SendAsync(ProviderTypes.OpenAI, PromptCaching.Auto, streaming: false, new ChatOptions { Temperature = 0.1f });

        Assert.False(body.TryGetProperty("prompt_cache_key", out _));
    }

    private static ChatOptions Caller(string caller) => new() { AdditionalProperties = new() { [LlmRouterRequestProperties.Caller] = caller } };

    private async Task<JsonElement> SendAsync(string type, PromptCaching caching, bool streaming, ChatOptions options)
    {
        if (streaming)
        {
            _server.EnqueueEvents(
            [
                Sse.Data("""{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}]}"""),
                Sse.Data("""{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":10,"completion_tokens":2,"total_tokens":12}}"""),
                Sse.Done,
            ]);
        }
        else
        {
            _server.EnqueueJson(Completion);
        }

        IChatClient provider = Create(new ProviderOptions { Type = type, Endpoint = _server.Url("/v1"), ApiKey = ApiKey, PromptCaching = caching }, "m");
        using IChatClient router = new LlmRouterBuilder().AddDeployment("d", provider).Build();
        ChatResponse response = await CallAsync(router, streaming, Hello, options);
        Assert.Equal("Hi", response.Text);
        return _server.LastRequest.Json;
    }
}
