using System.Net;
using System.Text;
using LlmRouter.Testing;
using LlmRouter.Tests.Providers;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;

namespace LlmRouter.Tests.Pricing;

/// <summary>
/// Service tiers (OpenAI's flex and priority, also called fast): the caller's <c>service_tier</c> reaches the provider, the call
/// is billed at the tier the response says served it (else the tier asked for, else the standard price), and the estimates
/// that rank, filter and reserve use the tier asked for.
/// </summary>
public sealed class ServiceTierPricingTests
{
    // gpt-6-astra's prices: standard, flex at half, fast (priority) at twice.
    private static readonly ModelPrice Astra = new(10m, 50m)
    {
        CachedInput = 1m,
        ServiceTiers = new Dictionary<string, ModelPrice>
        {
            ["flex"] = new(5m, 25m) { CachedInput = 0.5m },
            ["priority"] = new(20m, 100m) { CachedInput = 2m },
        },
    };

    // The usage of the bodies below: 1,200 prompt tokens of which 1,024 cached, 300 completion tokens.
    private const decimal StandardCost = ((176m * 10m) + (1_024m * 1m) + (300m * 50m)) / 1_000_000m;
    private const decimal FlexCost = ((176m * 5m) + (1_024m * 0.5m) + (300m * 25m)) / 1_000_000m;
    private const decimal PriorityCost = ((176m * 20m) + (1_024m * 2m) + (300m * 100m)) / 1_000_000m;

    private const string Usage =
        """{"prompt_tokens":1200,"completion_tokens":300,"total_tokens":1500,"prompt_tokens_details":{"cached_tokens":1024,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":128,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}""";

    [Theory]
    [InlineData("flex", 5)]
    [InlineData("FLEX", 5)]
    [InlineData("priority", 20)]
    [InlineData("fast", 20)]
    [InlineData("default", 10)]
    [InlineData("auto", 10)]
    [InlineData("scale", 10)]
    [InlineData(null, 10)]
    public void ForServiceTier_TierName_GivesThatTiersPriceOrTheStandardOne(string? tier, int input)
    {
        Assert.Equal(input, Astra.ForServiceTier(tier).Input);
    }

    [Fact]
    public void ForServiceTier_PriceListsFastAndRequestSaysPriority_TheyAreTheSameTier()
    {
        var price = new ModelPrice(1m, 2m) { ServiceTiers = new Dictionary<string, ModelPrice> { ["fast"] = new(2m, 4m) } };

        Assert.Equal(2m, price.ForServiceTier("priority").Input);
        Assert.Equal(1m, price.ForServiceTier("flex").Input);
    }

    [Fact]
    public void Validate_BadServiceTiers_NamesEachProblem()
    {
        var price = new ModelPrice(1m, 2m)
        {
            ServiceTiers = new Dictionary<string, ModelPrice>
            {
                ["default"] = new(1m, 2m),
                ["flex"] = new(-1m, 1m),
                ["priority"] = new(2m, 4m) { ServiceTiers = new Dictionary<string, ModelPrice> { ["flex"] = new(1m, 1m) } },
            },
        };
        var errors = new List<string>();

        price.Validate("Deployment 'a': Price", errors);

        Assert.Contains(errors, e => e.Contains("Price.ServiceTiers['default']", StringComparison.Ordinal) && e.Contains("standard tier", StringComparison.Ordinal));
        Assert.Contains("Deployment 'a': Price.ServiceTiers['flex'].Input must be at least 0 USD per million tokens (was -1).", errors);
        Assert.Contains(errors, e => e.Contains("Price.ServiceTiers['priority'] must be a plain price", StringComparison.Ordinal));
        Assert.Equal(3, errors.Count);
    }

    [Fact]
    public void ServiceTiers_NamesDifferingOnlyInCase_ThrowsNamingThem()
    {
        var tiers = new Dictionary<string, ModelPrice> { ["flex"] = new(1m, 1m), ["FLEX"] = new(2m, 2m) };

        ArgumentException error = Assert.Throws<ArgumentException>(() => new ModelPrice(2m, 2m) { ServiceTiers = tiers });

        Assert.Contains("flex, FLEX", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Equals_DifferentServiceTierPrices_AreNotEqual()
    {
        ModelPrice cheaperFlex = Astra with { ServiceTiers = new Dictionary<string, ModelPrice> { ["flex"] = new(4m, 25m) { CachedInput = 0.5m }, ["priority"] = new(20m, 100m) { CachedInput = 2m } } };
        ModelPrice same = Astra with { ServiceTiers = new Dictionary<string, ModelPrice> { ["FLEX"] = new(5m, 25m) { CachedInput = 0.5m }, ["priority"] = new(20m, 100m) { CachedInput = 2m } } };

        Assert.NotEqual(Astra, cheaperFlex);
        Assert.Equal(Astra, same);
    }

    [Theory]
    [InlineData(false, "flex", "flex", "flex")]
    [InlineData(true, "flex", "flex", "flex")]
    [InlineData(false, "flex", "default", "standard")]     // flex was asked for, the standard tier served: billed as served
    [InlineData(true, "flex", "default", "standard")]
    [InlineData(false, "flex", null, "flex")]              // the server does not say: billed at the tier asked for
    [InlineData(true, "flex", null, "flex")]
    [InlineData(false, null, "priority", "priority")]      // the project's default tier is priority: billed as served
    [InlineData(true, null, "priority", "priority")]
    [InlineData(false, "fast", "fast", "priority")]        // fast is priority's other name
    [InlineData(true, "fast", "fast", "priority")]
    [InlineData(false, null, null, "standard")]
    [InlineData(true, null, null, "standard")]
    public async Task Cost_OpenAIWire_BilledAtTheServedTierElseTheRequestedOne(bool streaming, string? requested, string? served, string billedAs)
    {
        decimal cost = billedAs switch { "flex" => FlexCost, "priority" => PriorityCost, _ => StandardCost };
        var server = new OpenAIServer(served);
        IChatClient router = new LlmRouterBuilder()
            .AddDeployment("astra", server.Client, d => { d.Model = "gpt-6-astra"; d.Price = Astra; })
            .Build();
        var options = new ChatOptions();
        if (requested is not null)
        {
            options.AdditionalProperties = new() { ["service_tier"] = requested };
        }

        ChatResponse response = await router.CallAsync(streaming, options);

        Assert.Equal(cost, response.Property(LlmRouterProperties.CostUsd));
        Assert.Equal(requested is null ? null : $"\"service_tier\":\"{requested}\"", server.SentServiceTier);
        Assert.Equal(cost, router.GetService<IRouterSpend>()!.GetTotal().CostUsd);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Response_OpenAIWire_SaysWhichTierServedIt(bool streaming)
    {
        var server = new OpenAIServer("flex");
        IChatClient router = new LlmRouterBuilder().AddDeployment("astra", server.Client, d => d.Price = Astra).Build();

        if (streaming)
        {
            // The update that carries the usage says it, as OpenAI's chunks do.
            List<ChatResponseUpdate> updates = await router.ReadAllAsync();
            ChatResponseUpdate withUsage = Assert.Single(updates, u => u.Contents.OfType<UsageContent>().Any());
            Assert.Equal("flex", ServiceTierProperty.Read(withUsage.AdditionalProperties));
        }
        else
        {
            ChatResponse response = await router.GetResponseAsync(RouterCalls.Hello);
            Assert.Equal("flex", ServiceTierProperty.Read(response.AdditionalProperties));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Cheapest_FlexRequested_RanksByTheFlexPrice(bool streaming)
    {
        // Standard: astra 10/50 against plain 8/40. Flex: astra 5/25 against plain (no flex) 8/40.
        IChatClient router = new LlmRouterBuilder()
            .AddDeployment("astra", Answering("astra"), d => d.Price = Astra)
            .AddDeployment("plain", Answering("plain"), d => d.Price = new ModelPrice(8m, 40m))
            .AddRoute("cheap", r => { r.Deployments = ["astra", "plain"]; r.Strategy = SelectionStrategies.Cheapest; })
            .Build();

        ChatResponse standard = await router.CallAsync(streaming, new ChatOptions { ModelId = "cheap" });
        ChatResponse flex = await router.CallAsync(streaming, WithTier("cheap", "flex"));

        Assert.Equal("plain", standard.Property(LlmRouterProperties.Deployment));
        Assert.Equal("astra", flex.Property(LlmRouterProperties.Deployment));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task MaxPrice_TierRequested_ChecksThatTiersPrice(bool streaming)
    {
        ScriptedChatClient astra = Answering("astra");
        IChatClient router = new LlmRouterBuilder()
            .AddDeployment("astra", astra, d => d.Price = Astra)
            .AddDeployment("plain", Answering("plain"), d => d.Price = new ModelPrice(8m, 40m))
            .AddRoute("capped", r => { r.Deployments = ["astra", "plain"]; r.MaxPrice = new PriceLimit { Output = 45m }; })
            .Build();

        ChatResponse standard = await router.CallAsync(streaming, new ChatOptions { ModelId = "capped" });
        ChatResponse flex = await router.CallAsync(streaming, WithTier("capped", "flex"));
        ChatResponse priority = await router.CallAsync(streaming, WithTier("capped", "priority"));

        Assert.Equal("plain", standard.Property(LlmRouterProperties.Deployment));
        Assert.Equal("astra", flex.Property(LlmRouterProperties.Deployment));
        Assert.Equal("plain", priority.Property(LlmRouterProperties.Deployment));
        Assert.Equal(1, astra.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Budget_FlexRequested_ReservesTheFlexEstimate(bool streaming)
    {
        // 1,000 expected output tokens: $0.05 at the standard price, $0.025 at flex (plus a few input tokens); the limit lies between.
        IChatClient router = new LlmRouterBuilder()
            .AddDeployment("astra", Answering("astra"), d => d.Price = Astra)
            .AddBudget("tight", b => { b.LimitUsd = 0.04m; b.Window = BudgetWindow.Day; })
            .Build();
        ChatOptions flex = WithTier(null, "flex");
        flex.MaxOutputTokens = 1_000;

        ChatResponse served = await router.CallAsync(streaming, flex);
        await Assert.ThrowsAsync<BudgetExceededException>(() => router.CallAsync(streaming, new ChatOptions { MaxOutputTokens = 1_000 }));

        Assert.Equal("astra", served.Property(LlmRouterProperties.Deployment));
    }

    [Fact]
    public void Configuration_ServiceTiers_AreReadIntoThePrice()
    {
        ModelPrice? price = Read(new Dictionary<string, string?>
        {
            ["Price:Input"] = "10",
            ["Price:Output"] = "50",
            ["Price:ServiceTiers:flex:Input"] = "5",
            ["Price:ServiceTiers:flex:Output"] = "25",
            ["Price:ServiceTiers:flex:CachedInput"] = "0.5",
            ["Price:ServiceTiers:priority:Input"] = "20",
            ["Price:ServiceTiers:priority:Output"] = "100",
            ["Price:ServiceTiers:priority:Tiers:0:AbovePromptTokens"] = "272000",
            ["Price:ServiceTiers:priority:Tiers:0:Input"] = "40",
            ["Price:ServiceTiers:priority:Tiers:0:Output"] = "150",
        }, out List<string> errors);

        Assert.Empty(errors);
        Assert.Equal(new ModelPrice(5m, 25m) { CachedInput = 0.5m }, price!.ForServiceTier("flex"));
        Assert.Equal(40m, price.ForServiceTier("fast").Tiers[0].Input);
    }

    [Fact]
    public void Configuration_ServiceTierWithoutOutputOrWithItsOwnTiers_IsReported()
    {
        Read(new Dictionary<string, string?>
        {
            ["Price:Input"] = "10",
            ["Price:Output"] = "50",
            ["Price:ServiceTiers:flex:Input"] = "5",
            ["Price:ServiceTiers:priority:Input"] = "20",
            ["Price:ServiceTiers:priority:Output"] = "100",
            ["Price:ServiceTiers:priority:ServiceTiers:flex:Input"] = "1",
        }, out List<string> errors);

        Assert.Contains(errors, e => e.StartsWith("Price:ServiceTiers:flex needs both Input and Output", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Price:ServiceTiers:priority:ServiceTiers is not allowed", StringComparison.Ordinal));
    }

    private static ModelPrice? Read(Dictionary<string, string?> values, out List<string> errors)
    {
        IConfigurationRoot configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var reader = new ConfigurationReader();
        ModelPrice? price = reader.Price(configuration.GetSection("Price"));
        errors = [.. reader.Errors];
        return price;
    }

    private static ScriptedChatClient Answering(string text) => new("fake") { DefaultOutcome = ScriptedOutcome.Text(text) };

    private static ChatOptions WithTier(string? route, string tier) =>
        new() { ModelId = route, AdditionalProperties = new() { ["service_tier"] = tier } };

    /// <summary>An OpenAI chat completions server in memory, answering in the shapes OpenAI sends, and the service tier the request asked for.</summary>
    private sealed class OpenAIServer
    {
        private readonly string? _served;

        public OpenAIServer(string? served)
        {
            _served = served;
            var handler = new InMemoryHandler(Answer);
            Client = ProviderTestClients.Create(new ProviderOptions { Type = ProviderTypes.OpenAI, ApiKey = ProviderTestClients.ApiKey }, "gpt-6-astra", new HttpClient(handler));
        }

        public IChatClient Client { get; }

        /// <summary>The <c>"service_tier":…</c> member of the last request body, or <see langword="null"/> when it had none.</summary>
        public string? SentServiceTier { get; private set; }

        private HttpResponseMessage Answer(HttpRequestMessage request)
        {
            string body = request.Content!.ReadAsStringAsync().GetAwaiter().GetResult();
            int at = body.IndexOf("\"service_tier\":", StringComparison.Ordinal);
            SentServiceTier = at < 0 ? null : body[at..(body.IndexOf('"', body.IndexOf('"', at + 15) + 1) + 1)];
            string tier = _served is null ? string.Empty : $",\"service_tier\":\"{_served}\"";
            if (!body.Contains("\"stream\":true", StringComparison.Ordinal))
            {
                return InMemoryHandler.Bytes(HttpStatusCode.OK, Encoding.UTF8.GetBytes(
                    $$"""{"id":"chatcmpl-Cx1","object":"chat.completion","created":1764547200,"model":"gpt-6-astra-2026-09-03","choices":[{"index":0,"message":{"role":"assistant","content":"Hi","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{{Usage}}{{tier}},"system_fingerprint":null}"""));
            }

            string head = $$"""{"id":"chatcmpl-Cx1","object":"chat.completion.chunk","created":1764547200,"model":"gpt-6-astra-2026-09-03"{{tier}},"system_fingerprint":null""";
            string stream = string.Concat(
                Sse.Data(head + ""","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}"""),
                Sse.Data(head + ""","choices":[{"index":0,"delta":{"content":"Hi"},"logprobs":null,"finish_reason":null}],"usage":null}"""),
                Sse.Data(head + ""","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}"""),
                Sse.Data(head + $$""","choices":[],"usage":{{Usage}}}"""),
                Sse.Done);
            return InMemoryHandler.Bytes(HttpStatusCode.OK, Encoding.UTF8.GetBytes(stream), "text/event-stream");
        }
    }
}
