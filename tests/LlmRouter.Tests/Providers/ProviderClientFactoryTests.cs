using System.Net;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using static LlmRouter.Tests.Providers.ProviderTestClients;

namespace LlmRouter.Tests.Providers;

public sealed class ProviderClientFactoryTests
{
    public static TheoryData<string, string, string, string?, string> Presets => new()
    {
        { ProviderTypes.OpenAI, "openai", "https://api.openai.com/v1", "OPENAI_API_KEY", "Authorization" },
        { ProviderTypes.Anthropic, "anthropic", "https://api.anthropic.com/", "ANTHROPIC_API_KEY", "x-api-key" },
        { ProviderTypes.Gemini, "gcp.gemini", "https://generativelanguage.googleapis.com/v1beta", "GEMINI_API_KEY", "x-goog-api-key" },
        { ProviderTypes.DeepSeek, "deepseek", "https://api.deepseek.com/v1", "DEEPSEEK_API_KEY", "Authorization" },
        { ProviderTypes.Mistral, "mistral_ai", "https://api.mistral.ai/v1", "MISTRAL_API_KEY", "Authorization" },
        { ProviderTypes.Groq, "groq", "https://api.groq.com/openai/v1", "GROQ_API_KEY", "Authorization" },
        { ProviderTypes.Together, "together", "https://api.together.xyz/v1", "TOGETHER_API_KEY", "Authorization" },
        { ProviderTypes.Fireworks, "fireworks", "https://api.fireworks.ai/inference/v1", "FIREWORKS_API_KEY", "Authorization" },
        { ProviderTypes.OpenRouter, "openrouter", "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY", "Authorization" },
        { ProviderTypes.XAI, "x_ai", "https://api.x.ai/v1", "XAI_API_KEY", "Authorization" },
        { ProviderTypes.Qwen, "qwen", "https://dashscope-intl.aliyuncs.com/compatible-mode/v1", "DASHSCOPE_API_KEY", "Authorization" },
        { ProviderTypes.Ollama, "ollama", "http://localhost:11434/v1", null, "Authorization" },
        { ProviderTypes.VLlm, "vllm", "http://localhost:8000/v1", null, "Authorization" },
        { ProviderTypes.LMStudio, "lmstudio", "http://localhost:1234/v1", null, "Authorization" },
    };

    [Theory]
    [MemberData(nameof(Presets))]
    public void CreateChatClient_Preset_ReportsProviderEndpointAndModelAndReadsItsKeyVariable(string type, string provider, string endpoint, string? variable, string authHeader)
    {
        var asked = new List<string>();
        using IChatClient client = ProviderClientFactory.Create(
            new ProviderOptions { Type = type.ToUpperInvariant() }, "some-model", null, null, null, TimeProvider.System,
            name => { asked.Add(name); return "key-from-" + name; });

        var metadata = Assert.IsType<ChatClientMetadata>(client.GetService(typeof(ChatClientMetadata)));
        Assert.Equal(provider, metadata.ProviderName);
        Assert.Equal(new Uri(endpoint), metadata.ProviderUri);
        Assert.Equal("some-model", metadata.DefaultModelId);
        Assert.Equal(variable is null ? [] : [variable, variable], asked);
        Assert.Same(client, client.GetService(client.GetType()));
        Assert.Null(client.GetService(typeof(ChatClientMetadata), "key"));
        Assert.NotEmpty(authHeader);
    }

    [Fact]
    public void CreateChatClient_UnknownType_ThrowsNamingTheValidTypes()
    {
        var error = Assert.Throws<LlmRouterConfigurationException>(() => ProviderClientFactory.CreateChatClient(new ProviderOptions { Type = "OpenAl" }));

        Assert.Contains("'OpenAl' is not a known provider type", error.Message, StringComparison.Ordinal);
        foreach (string valid in new[] { "OpenAI", "AzureOpenAI", "OpenAICompatible", "Anthropic", "Gemini", "DeepSeek", "Mistral", "Groq", "Together", "Fireworks", "OpenRouter", "XAI", "Qwen", "Ollama", "VLlm", "LMStudio" })
        {
            Assert.Contains(valid, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void CreateChatClient_MissingKeyEndpointAndBadSettings_ListsEveryProblem()
    {
        var options = new ProviderOptions { Type = ProviderTypes.AzureOpenAI, Timeout = TimeSpan.Zero, DefaultMaxOutputTokens = 0 };

        var error = Assert.Throws<LlmRouterConfigurationException>(() => ProviderClientFactory.Create(options, null, null, null, null, TimeProvider.System, _ => null));

        Assert.Equal(4, error.Errors.Count);
        Assert.Contains(error.Errors, e => e.Contains("Endpoint is required", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.Contains("AZURE_OPENAI_API_KEY", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.Contains("Timeout", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.Contains("DefaultMaxOutputTokens", StringComparison.Ordinal));
    }

    [Fact]
    public void CreateChatClient_RelativeOrNonHttpEndpoint_Throws()
    {
        var error = Assert.Throws<LlmRouterConfigurationException>(() =>
            ProviderClientFactory.CreateChatClient(new ProviderOptions { Type = ProviderTypes.OpenAICompatible, Endpoint = new Uri("ftp://example.com/v1") }));

        Assert.Contains("absolute http or https URL", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("api.openai.com/v1")]
    [InlineData("/v1")]
    [InlineData("localhost/v1")]
    public void CreateChatClient_RelativeEndpoint_ThrowsSayingAnAbsoluteUrlIsNeeded(string endpoint)
    {
        var options = new ProviderOptions { Type = ProviderTypes.OpenAICompatible, Endpoint = new Uri(endpoint, UriKind.Relative) };

        var error = Assert.Throws<LlmRouterConfigurationException>(() => ProviderClientFactory.CreateChatClient(options, "m"));

        string message = Assert.Single(error.Errors);
        Assert.StartsWith($"Provider (Type=OpenAICompatible, Endpoint={endpoint}, ApiKey=(not set)): Endpoint '{endpoint}' is relative", message, StringComparison.Ordinal);
        Assert.Contains("absolute http or https URL", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void CreateChatClient_MaxResponseBytesNotPositive_Throws(int limit)
    {
        var options = new ProviderOptions { Type = ProviderTypes.Ollama, MaxResponseBytes = limit };

        var error = Assert.Throws<LlmRouterConfigurationException>(() => ProviderClientFactory.CreateChatClient(options, "m"));

        Assert.Contains($"MaxResponseBytes must be positive (was {limit})", Assert.Single(error.Errors), StringComparison.Ordinal);
    }

    public static TheoryData<string> ControlCharacters => new() { "\r\n", "\n", "\r", "\0", "\u007f", "\u001b" };

    [Theory]
    [MemberData(nameof(ControlCharacters))]
    public void CreateChatClient_HeaderValueWithAControlCharacter_ThrowsNamingProviderAndHeaderButNotTheValue(string control)
    {
        string value = "team-a" + control + "X-Injected: 1";
        var options = new ProviderOptions { Type = ProviderTypes.OpenRouter, ApiKey = ApiKey };
        options.Headers["X-Title"] = value;

        var error = Assert.Throws<LlmRouterConfigurationException>(() => ProviderClientFactory.CreateChatClient(options, "m"));

        string message = Assert.Single(error.Errors);
        Assert.StartsWith("Provider (Type=OpenRouter", message, StringComparison.Ordinal);
        Assert.Contains("Headers:X-Title: the value contains a control character", message, StringComparison.Ordinal);
        Assert.DoesNotContain("team-a", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Injected", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("X Title", "'X Title' is not a valid HTTP header name")]
    [InlineData("X-Title:", "'X-Title:' is not a valid HTTP header name")]
    [InlineData("X\r\nInjected", "'X\\r\\nInjected' is not a valid HTTP header name")]
    [InlineData("Título", "'Título' is not a valid HTTP header name")]
    public void CreateChatClient_InvalidHeaderName_ThrowsShowingTheNameOnOneLine(string name, string expected)
    {
        var options = new ProviderOptions { Type = ProviderTypes.Ollama };
        options.Headers[name] = "value";

        var error = Assert.Throws<LlmRouterConfigurationException>(() => ProviderClientFactory.CreateChatClient(options, "m"));

        Assert.Contains(expected, Assert.Single(error.Errors), StringComparison.Ordinal);
        Assert.DoesNotContain('\r', error.Message);
    }

    [Fact]
    public void CreateChatClient_HeaderValueWithATab_IsValid()
    {
        var options = new ProviderOptions { Type = ProviderTypes.Ollama };
        options.Headers["X-Note"] = "a\tb";

        using IChatClient client = ProviderClientFactory.CreateChatClient(options, "m");

        Assert.NotNull(client);
    }

    [Theory]
    [MemberData(nameof(ControlCharacters))]
    public void CreateChatClient_ApiKeyWithAControlCharacterInside_ThrowsWithoutEchoingTheKey(string control)
    {
        string key = "sk-abcdefgh" + control + "X-Injected: 1";

        var fromOptions = Assert.Throws<LlmRouterConfigurationException>(() =>
            ProviderClientFactory.Create(new ProviderOptions { Type = ProviderTypes.OpenAI, ApiKey = key }, "m", null, null, null, TimeProvider.System, _ => null));
        var fromEnvironment = Assert.Throws<LlmRouterConfigurationException>(() =>
            ProviderClientFactory.Create(new ProviderOptions { Type = ProviderTypes.OpenAI }, "m", null, null, null, TimeProvider.System, _ => key));

        Assert.Contains("ApiKey (from ApiKey) contains a control character", Assert.Single(fromOptions.Errors), StringComparison.Ordinal);
        Assert.Contains("ApiKey (from the OPENAI_API_KEY environment variable) contains a control character", Assert.Single(fromEnvironment.Errors), StringComparison.Ordinal);
        foreach (string message in new[] { fromOptions.Message, fromEnvironment.Message })
        {
            Assert.DoesNotContain("sk-abcdefgh", message, StringComparison.Ordinal);
            Assert.DoesNotContain("X-Injected", message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(ProviderTypes.OpenAI, "Authorization", "Bearer ")]
    [InlineData(ProviderTypes.Anthropic, "x-api-key", "")]
    [InlineData(ProviderTypes.Gemini, "x-goog-api-key", "")]
    public async Task CreateChatClient_ApiKeyWithSurroundingWhitespace_SendsItTrimmed(string type, string header, string prefix)
    {
        await using LoopbackServer server = await LoopbackServer.StartAsync();
        server.EnqueueJson(type switch
        {
            ProviderTypes.Anthropic => """{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"Hi"}],"stop_reason":"end_turn"}""",
            ProviderTypes.Gemini => """{"candidates":[{"content":{"parts":[{"text":"Hi"}],"role":"model"},"finishReason":"STOP"}]}""",
            _ => """{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}]}""",
        });

        // As read from a file or a secret store that keeps the final newline.
        using IChatClient client = Create(new ProviderOptions { Type = type, Endpoint = EndpointFor(type, server.BaseUri), ApiKey = "  " + ApiKey + "\r\n" });
        await client.GetResponseAsync(Hello, null, Guard());

        Assert.Equal(prefix + ApiKey, server.LastRequest.Headers[header]);
    }

    [Fact]
    public void CreateChatClient_ApiKeyOnlyWhitespace_IsNoKey()
    {
        var error = Assert.Throws<LlmRouterConfigurationException>(() =>
            ProviderClientFactory.Create(new ProviderOptions { Type = ProviderTypes.OpenAI, ApiKey = " \n" }, "m", null, null, null, TimeProvider.System, _ => "\n"));

        Assert.Contains("ApiKey is required for type 'OpenAI'", Assert.Single(error.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void CreateChatClient_LocalTypesAndCompatibleWithoutKey_AreValid()
    {
        using IChatClient ollama = ProviderClientFactory.Create(new ProviderOptions { Type = ProviderTypes.Ollama }, "llama3", null, null, null, TimeProvider.System, _ => null);
        using IChatClient compatible = ProviderClientFactory.Create(
            new ProviderOptions { Type = ProviderTypes.OpenAICompatible, Endpoint = new Uri("http://localhost:9999/v1") }, "m", null, null, null, TimeProvider.System, _ => null);

        Assert.Equal("openai_compatible", compatible.GetService<ChatClientMetadata>()!.ProviderName);
    }

    [Fact]
    public async Task CreateChatClient_CallerHttpClient_IsUsedAndNotDisposed()
    {
        await using LoopbackServer server = await LoopbackServer.StartAsync();
        server.EnqueueJson("""{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}]}""");
        var handler = new CountingHandler();
        using var http = new HttpClient(handler);
        IChatClient client = ProviderClientFactory.CreateChatClient(new ProviderOptions { Type = ProviderTypes.OpenAI, Endpoint = server.Url("/v1"), ApiKey = ApiKey }, "m", http);

        await client.GetResponseAsync(Hello, null, Guard());
        client.Dispose();

        Assert.Equal(1, handler.Calls);
        Assert.False(handler.Disposed);
    }

    [Fact]
    public async Task CreateChatClient_HttpClientFactory_CreatesANamedClientPerRequest()
    {
        await using LoopbackServer server = await LoopbackServer.StartAsync();
        server.EnqueueJson("""{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}]}""");
        server.EnqueueJson("""{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}]}""");
        var handler = new CountingHandler();
        var services = new ServiceCollection();
        services.AddHttpClient("llm").ConfigurePrimaryHttpMessageHandler(() => handler);
        await using ServiceProvider provider = services.BuildServiceProvider();
        var factory = provider.GetRequiredService<IHttpClientFactory>();
        using IChatClient client = ProviderClientFactory.CreateChatClient(new ProviderOptions { Type = ProviderTypes.OpenAI, Endpoint = server.Url("/v1"), ApiKey = ApiKey }, "m", factory, "llm");

        await client.GetResponseAsync(Hello, null, Guard());
        await client.GetResponseAsync(Hello, null, Guard());

        Assert.Equal(2, handler.Calls);
    }

    [Fact]
    public async Task CreateChatClient_ExtraHeaders_AreSentWithEveryRequest()
    {
        await using LoopbackServer server = await LoopbackServer.StartAsync();
        server.EnqueueJson("""{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}]}""");
        var options = new ProviderOptions { Type = ProviderTypes.OpenRouter, Endpoint = server.Url("/api/v1"), ApiKey = ApiKey };
        options.Headers["HTTP-Referer"] = "https://example.com";
        using IChatClient client = ProviderClientFactory.CreateChatClient(options, "m");

        await client.GetResponseAsync(Hello, null, Guard());

        Assert.Equal("/api/v1/chat/completions", server.LastRequest.Path);
        Assert.Equal("https://example.com", server.LastRequest.Headers["HTTP-Referer"]);
    }

    [Fact]
    public async Task RouterDeployment_ProviderClient_FallsBackOnClassifiedErrorAndReportsTheProvider()
    {
        await using LoopbackServer server = await LoopbackServer.StartAsync();
        server.EnqueueJson("""{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}""", 529);
        server.EnqueueJson("""{"id":"c","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}]}""");
        using IChatClient router = new LlmRouterBuilder().WithoutRetries()
            .AddDeployment("claude", Create(ProviderTypes.Anthropic, server.BaseUri, "claude-haiku-4-5"))
            .AddDeployment("mini", Create(ProviderTypes.OpenAI, server.Url("/v1"), "gpt-4o-mini"))
            .Build();

        ChatResponse response = await router.GetResponseAsync(Hello, null, Guard());

        Assert.Equal("Hi", response.Text);
        Assert.Equal("openai", response.AdditionalProperties![LlmRouterProperties.Provider]);
        Assert.Contains("claude: Overloaded", (string)response.AdditionalProperties[LlmRouterProperties.FallbackReasons]!, StringComparison.Ordinal);
    }

    private sealed class CountingHandler : HttpMessageHandler
    {
        private readonly SocketsHttpHandler _inner = new();
        private readonly HttpMessageInvoker _invoker;

        public CountingHandler()
        {
            _invoker = new HttpMessageInvoker(_inner);
        }

        public int Calls { get; private set; }

        public bool Disposed { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Calls++;
            return _invoker.SendAsync(request, cancellationToken);
        }

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            _invoker.Dispose();
            base.Dispose(disposing);
        }
    }
}
