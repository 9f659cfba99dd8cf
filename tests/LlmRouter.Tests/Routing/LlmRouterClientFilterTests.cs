using System.Text.Json;
using LlmRouter.Testing;
using Microsoft.Extensions.AI;

namespace LlmRouter.Tests.Routing;

/// <summary>Candidate filters: capabilities, context window, tags, providers and price limits, each exclusion with its reason.</summary>
public class LlmRouterClientFilterTests
{
    private static readonly ChatOptions WithTool = new() { Tools = [AIFunctionFactory.Create(() => "sunny", "get_weather")] };

    private static ScriptedChatClient Answers(string text) => new("fake") { DefaultOutcome = ScriptedOutcome.Text(text) };

    private static LlmRouterBuilder Builder() => new LlmRouterBuilder().WithoutRetries();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_RequestOffersTools_OnlyToolCapableDeploymentsServe(bool streaming)
    {
        ScriptedChatClient plain = Answers("plain");
        IChatClient router = Builder()
            .AddDeployment("plain", plain, d => d.Capabilities = ModelCapabilities.Streaming)
            .AddDeployment("tooled", Answers("tooled"), d => d.Capabilities = ModelCapabilities.Tools)
            .Build();

        ChatResponse withTools = await router.CallAsync(streaming, WithTool);
        ChatResponse withoutTools = await router.CallAsync(streaming);

        Assert.Equal("tooled", withTools.Property(LlmRouterProperties.Deployment));
        Assert.Equal("plain", withoutTools.Property(LlmRouterProperties.Deployment));
        Assert.Equal(1, plain.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_NoCandidateCanServe_ErrorListsEachDeploymentAndWhy(bool streaming)
    {
        ScriptedChatClient plain = Answers("plain");
        IChatClient router = Builder()
            .AddDeployment("plain", plain, d => d.Capabilities = ModelCapabilities.None)
            .AddDeployment("blind", Answers("blind"), d => d.Capabilities = ModelCapabilities.Tools)
            .AddDeployment("us-only", Answers("us"), d => { d.Capabilities = ModelCapabilities.Tools | ModelCapabilities.Vision; d.Tags = ["us"]; })
            .Build();
        ChatMessage[] image = [new(ChatRole.User, [new TextContent("What is this?"), new DataContent(new byte[] { 1, 2, 3 }, "image/png")])];
        var options = new ChatOptions
        {
            Tools = WithTool.Tools,
            AdditionalProperties = new() { [LlmRouterRequestProperties.RequiredTags] = "eu" },
        };

        LlmRouterException exception = await Assert.ThrowsAsync<LlmRouterException>(() => router.CallAsync(streaming, options, messages: image));

        Assert.Equal(
            "Route 'default': no deployment can serve this request." + Environment.NewLine +
            "  Not tried: plain (lacks tag 'eu', which the request requires); blind (lacks tag 'eu', which the request requires); " +
            "us-only (lacks tag 'eu', which the request requires).",
            exception.Message);
        Assert.Empty(exception.Attempts);
        Assert.Equal(0, plain.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_CapabilitiesMissing_ErrorNamesEachMissingCapability(bool streaming)
    {
        IChatClient router = Builder()
            .AddDeployment("plain", Answers("plain"), d => d.Capabilities = ModelCapabilities.None)
            .AddDeployment("blind", Answers("blind"), d => d.Capabilities = ModelCapabilities.Tools)
            .AddDeployment("unschemed", Answers("unschemed"), d => d.Capabilities = ModelCapabilities.Tools | ModelCapabilities.Vision)
            .Build();
        ChatMessage[] image = [new(ChatRole.User, [new TextContent("Describe it as JSON."), new UriContent("https://example.com/cat.jpg", "image/jpeg")])];
        var options = new ChatOptions
        {
            Tools = WithTool.Tools,
            ResponseFormat = ChatResponseFormat.ForJsonSchema(JsonDocument.Parse("""{"type":"object"}""").RootElement, "cat"),
        };

        LlmRouterException exception = await Assert.ThrowsAsync<LlmRouterException>(() => router.CallAsync(streaming, options, messages: image));

        Assert.Equal(
            "Route 'default': no deployment can serve this request." + Environment.NewLine +
            "  Not tried: plain (lacks Tools, Vision and JsonSchema, which the request needs); blind (lacks Vision and JsonSchema, which the request needs); " +
            "unschemed (lacks JsonSchema, which the request needs).",
            exception.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_UnknownCapabilities_AssumedCapable(bool streaming)
    {
        IChatClient router = Builder().AddDeployment("unknown", Answers("unknown"), d => d.Model = "in-house-model").Build();

        ChatResponse response = await router.CallAsync(streaming, WithTool);

        Assert.Equal("unknown", response.Property(LlmRouterProperties.Deployment));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_RequestTooLargeForAWindow_SkipsThatDeploymentSayingBy(bool streaming)
    {
        ScriptedChatClient small = Answers("small");
        IChatClient router = Builder()
            .AddDeployment("small", small, d => d.ContextWindow = 1_000)
            .AddDeployment("large", Answers("large"), d => d.ContextWindow = 200_000)
            .AddRoute("r", r => r.Deployments = ["small", "large"])
            .Build();
        ChatMessage[] longPrompt = [new(ChatRole.User, string.Join(' ', Enumerable.Repeat("context", 1_500)))];
        ChatMessage[] shortPrompt = [new(ChatRole.User, "Hi")];
        var options = new ChatOptions { MaxOutputTokens = 500 };

        ChatResponse large = await router.CallAsync(streaming, options, messages: longPrompt);
        ChatResponse fits = await router.CallAsync(streaming, options, messages: shortPrompt);

        Assert.Equal("large", large.Property(LlmRouterProperties.Deployment));
        Assert.Equal("small", fits.Property(LlmRouterProperties.Deployment));
        Assert.Equal(1, small.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_RequestTooLargeForEveryWindow_ErrorGivesTheEstimate(bool streaming)
    {
        IChatClient router = Builder().AddDeployment("small", Answers("small"), d => d.ContextWindow = 1_000).Build();
        ChatMessage[] longPrompt = [new(ChatRole.User, string.Join(' ', Enumerable.Repeat("context", 1_500)))];
        var options = new ChatOptions { MaxOutputTokens = 500 };
        int estimate = TokenEstimators.Default.EstimateInputTokens(longPrompt, options);

        LlmRouterException exception = await Assert.ThrowsAsync<LlmRouterException>(() => router.CallAsync(streaming, options, messages: longPrompt));

        // 3 + 4 + 1,500 words (a space joins the word after it)
        Assert.Equal(1_507, estimate);
        Assert.EndsWith(
            "Not tried: small (context window of 1,000 tokens is too small for the request's estimated 1,507 input tokens plus 500 output tokens).",
            exception.Message,
            StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_RouteTagsAndProviders_FilterItsCandidatesOnly(bool streaming)
    {
        IChatClient router = Builder()
            .AddDeployment("us", Answers("us"), d => { d.Tags = ["us"]; d.Provider = "openai"; })
            .AddDeployment("eu", Answers("eu"), d => { d.Tags = ["eu", "zero-retention"]; d.Provider = "mistral_ai"; })
            .AddDeployment("local", Answers("local"), d => { d.Tags = ["eu", "local"]; d.Provider = "ollama"; })
            .AddRoute("eu-only", r => { r.Deployments = ["us", "local", "eu"]; r.RequiredTags = ["eu"]; r.ExcludedTags = ["local"]; })
            .AddRoute("no-openai", r => { r.Deployments = ["us", "eu"]; r.DeniedProviders = ["OpenAI"]; })
            .AddRoute("ollama-only", r => { r.Deployments = ["us", "local"]; r.AllowedProviders = ["ollama"]; })
            .AddRoute("any", r => r.Deployments = ["us"])
            .Build();

        Assert.Equal("eu", (await router.CallAsync(streaming, RouterCalls.Route("eu-only"))).Property(LlmRouterProperties.Deployment));
        Assert.Equal("eu", (await router.CallAsync(streaming, RouterCalls.Route("no-openai"))).Property(LlmRouterProperties.Deployment));
        Assert.Equal("local", (await router.CallAsync(streaming, RouterCalls.Route("ollama-only"))).Property(LlmRouterProperties.Deployment));
        Assert.Equal("us", (await router.CallAsync(streaming, RouterCalls.Route("any"))).Property(LlmRouterProperties.Deployment));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_RequestTagsAndProviders_FilterEveryRoute(bool streaming)
    {
        ScriptedChatClient us = Answers("us");
        IChatClient router = Builder()
            .AddDeployment("us", us, d => { d.Tags = ["us"]; d.Provider = "openai"; })
            .AddDeployment("eu", Answers("eu"), d => { d.Tags = ["eu", "zero-retention"]; d.Provider = "mistral_ai"; })
            .AddDeployment("local", Answers("local"), d => { d.Tags = ["local", "zero-retention"]; d.Provider = "ollama"; })
            .AddRoute("r", r => { r.Deployments = ["us", "local"]; r.Fallbacks = ["s"]; })
            .AddRoute("s", r => r.Deployments = ["eu"])
            .UseDefaultRoute("r")
            .Build();

        async Task<string> ServedAsync(string key, object value) => (string)(await router.CallAsync(
            streaming, new ChatOptions { AdditionalProperties = new() { [key] = value } })).Property(LlmRouterProperties.Deployment)!;

        Assert.Equal("local", await ServedAsync(LlmRouterRequestProperties.RequiredTags, "zero-retention"));
        Assert.Equal("eu", await ServedAsync(LlmRouterRequestProperties.RequiredTags, new[] { "zero-retention", "eu" }));
        Assert.Equal("eu", await ServedAsync(LlmRouterRequestProperties.ExcludedTags, JsonDocument.Parse("""["us", "local"]""").RootElement));
        Assert.Equal("eu", await ServedAsync(LlmRouterRequestProperties.AllowedProviders, "mistral_ai, anthropic"));
        Assert.Equal("local", await ServedAsync(LlmRouterRequestProperties.DeniedProviders, new List<string> { "openai" }));
        Assert.Equal(0, us.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_RequestFilterExcludesEverything_ErrorSaysTheRequestDidIt(bool streaming)
    {
        IChatClient router = Builder()
            .AddDeployment("us", Answers("us"), d => { d.Tags = ["us"]; d.Provider = "openai"; })
            .AddDeployment("eu", Answers("eu"), d => { d.Tags = ["eu"]; d.Provider = "mistral_ai"; })
            .Build();
        var options = new ChatOptions
        {
            AdditionalProperties = new()
            {
                [LlmRouterRequestProperties.ExcludedTags] = "us",
                [LlmRouterRequestProperties.AllowedProviders] = "anthropic",
            },
        };

        LlmRouterException exception = await Assert.ThrowsAsync<LlmRouterException>(() => router.CallAsync(streaming, options));

        Assert.EndsWith(
            "Not tried: us (has tag 'us', which the request excludes); eu (provider 'mistral_ai' is not among the providers the request allows: anthropic).",
            exception.Message,
            StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_MaxPrice_PricierDeploymentsNeverCalled(bool streaming)
    {
        ScriptedChatClient dear = Answers("dear");
        var cheap = new ScriptedChatClient("fake");
        cheap.Enqueue(ScriptedOutcome.Text("cheap"), ScriptedOutcome.Failure(System.Net.HttpStatusCode.ServiceUnavailable));
        IChatClient router = Builder()
            .AddDeployment("dear", dear, d => d.Price = new ModelPrice(2.50m, 10m))
            .AddDeployment("cheap", cheap, d => d.Price = new ModelPrice(0.15m, 0.60m))
            .AddRoute("capped", r => { r.Deployments = ["dear", "cheap"]; r.MaxPrice = new PriceLimit { Output = 5m }; })
            .Build();

        ChatResponse response = await router.CallAsync(streaming);
        LlmRouterException exception = await Assert.ThrowsAsync<LlmRouterException>(() => router.CallAsync(streaming));

        Assert.Equal("cheap", response.Property(LlmRouterProperties.Deployment));
        Assert.Equal(0, dear.CallCount);
        Assert.Contains(
            "Not tried: dear (price of $2.50 in, $10.00 out per million tokens is above the route's MaxPrice of any in, $5.00 out).",
            exception.Message,
            StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_RequestMaxPrice_SkipsPricierAndUnpricedDeploymentsSayingTheRequestDidIt(bool streaming)
    {
        ScriptedChatClient dear = Answers("dear");
        ScriptedChatClient unpriced = Answers("unpriced");
        IChatClient router = Builder()
            .AddDeployment("dear", dear, d => d.Price = new ModelPrice(2.50m, 10m))
            .AddDeployment("unpriced", unpriced)
            .AddDeployment("cheap", Answers("cheap"), d => d.Price = new ModelPrice(0.15m, 0.60m))
            .AddRoute("any", r => r.Deployments = ["dear", "unpriced", "cheap"])
            .Build();
        var capped = new ChatOptions
        {
            ModelId = "any",
            AdditionalProperties = new() { [LlmRouterRequestProperties.MaxPrice] = new PriceLimit { Output = 5m } },
        };
        var tight = new ChatOptions
        {
            ModelId = "any",
            AdditionalProperties = new() { [LlmRouterRequestProperties.MaxPrice] = JsonDocument.Parse("""{"input": 0.1}""").RootElement },
        };

        ChatResponse response = await router.CallAsync(streaming, capped);
        LlmRouterException exception = await Assert.ThrowsAsync<LlmRouterException>(() => router.CallAsync(streaming, tight));
        ChatResponse unlimited = await router.CallAsync(streaming, new ChatOptions { ModelId = "any" });

        Assert.Equal("cheap", response.Property(LlmRouterProperties.Deployment));
        Assert.Equal(0, unpriced.CallCount);
        Assert.Equal("dear", unlimited.Property(LlmRouterProperties.Deployment));
        Assert.Equal(
            "Route 'any': no deployment can serve this request." + Environment.NewLine +
            "  Not tried: dear (price of $2.50 in, $10.00 out per million tokens is above the request's MaxPrice of $0.10 in, any out); " +
            "unpriced (has no known price, and the request sets a MaxPrice); " +
            "cheap (price of $0.15 in, $0.60 out per million tokens is above the request's MaxPrice of $0.10 in, any out).",
            exception.Message);
    }

    [Theory]
    [InlineData(-1, "it is -1 in, any out")]
    [InlineData(0, "its Output is \"cheap\"")]
    public async Task Call_RequestMaxPriceInvalid_ArgumentExceptionSaysWhatIsValid(int input, string actual)
    {
        IChatClient router = Builder().AddDeployment("a", Answers("a"), d => d.Price = new ModelPrice(1, 1)).Build();
        object limit = input < 0 ? new PriceLimit { Input = input } : JsonDocument.Parse("""{"Output":"cheap"}""").RootElement;
        var options = new ChatOptions { AdditionalProperties = new() { [LlmRouterRequestProperties.MaxPrice] = limit } };

        ArgumentException exception = await Assert.ThrowsAsync<ArgumentException>(() => router.GetResponseAsync(RouterCalls.Hello, options));

        Assert.StartsWith(
            "ChatOptions.AdditionalProperties['llmrouter.max_price'] must be a PriceLimit (or a JSON object with Input and/or Output) in USD per million tokens, at least 0; " + actual + ".",
            exception.Message,
            StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_RouteFilterExcludesADeployment_FallbackRouteMayStillCallIt(bool streaming)
    {
        IChatClient router = Builder()
            .AddDeployment("local", Answers("local"), d => d.Tags = ["local"])
            .AddDeployment("cloud", new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Failure(System.Net.HttpStatusCode.ServiceUnavailable) })
            .AddRoute("cloud", r => { r.Deployments = ["local", "cloud"]; r.ExcludedTags = ["local"]; r.Fallbacks = ["anything"]; })
            .AddRoute("anything", r => r.Deployments = ["local"])
            .Build();

        ChatResponse response = await router.CallAsync(streaming, RouterCalls.Route("cloud"));

        Assert.Equal(("local", "anything"), (response.Property(LlmRouterProperties.Deployment), response.Property(LlmRouterProperties.Route)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_RouterPropertiesOnTheRequest_NotForwarded(bool streaming)
    {
        ScriptedChatClient client = Answers("ok");
        IChatClient router = Builder().AddDeployment("eu", client, d => d.Tags = ["eu"]).Build();
        var options = new ChatOptions
        {
            AdditionalProperties = new() { [LlmRouterRequestProperties.RequiredTags] = "eu", [LlmRouterRequestProperties.Caller] = "team-a", ["user"] = "u1" },
        };

        await router.CallAsync(streaming, options);

        AdditionalPropertiesDictionary forwarded = client.Calls[0].Options!.AdditionalProperties!;
        Assert.Equal(["user"], forwarded.Keys);
        Assert.Equal(3, options.AdditionalProperties.Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_RequestPropertyOfTheWrongType_ArgumentException(bool streaming)
    {
        IChatClient router = Builder().AddDeployment("a", Answers("a")).Build();
        var options = new ChatOptions { AdditionalProperties = new() { [LlmRouterRequestProperties.RequiredTags] = 42 } };

        ArgumentException exception = await Assert.ThrowsAsync<ArgumentException>(() => router.CallAsync(streaming, options));

        Assert.StartsWith(
            "ChatOptions.AdditionalProperties['llmrouter.required_tags'] must be a string (one value or several separated by commas) or a list of strings; it is a Int32.",
            exception.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Build_RouteFiltersExcludeEveryCandidate_RejectedWithTheReasons()
    {
        LlmRouterConfigurationException exception = Assert.Throws<LlmRouterConfigurationException>(() => Builder()
            .AddDeployment("us", Answers("us"), d => d.Tags = ["us"])
            .AddRoute("eu", r => { r.Deployments = ["us"]; r.RequiredTags = ["eu"]; })
            .Build());

        Assert.Equal(["Route 'eu': its own filters exclude every one of its deployments: us (lacks tag 'eu', which the route requires)."], exception.Errors);
    }

    [Fact]
    public void Build_MaxPriceExcludesEveryCandidate_RejectedWithThePrices()
    {
        LlmRouterConfigurationException exception = Assert.Throws<LlmRouterConfigurationException>(() => Builder()
            .AddDeployment("dear", Answers("dear"), d => d.Price = new ModelPrice(2.50m, 10m))
            .AddRoute("capped", r => { r.Deployments = ["dear"]; r.MaxPrice = new PriceLimit { Input = 1m, Output = 5m }; })
            .Build());

        Assert.Equal(
            ["Route 'capped': its own filters exclude every one of its deployments: dear (price of $2.50 in, $10.00 out per million tokens is above the route's MaxPrice of $1.00 in, $5.00 out)."],
            exception.Errors);
    }
}
