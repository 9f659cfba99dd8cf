using LlmRouter.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace LlmRouter.Tests.Pricing;

/// <summary>
/// The router bills, ranks and filters by the price a call falls in: the long-prompt tier of its (estimated or reported) prompt
/// and the price in force at the router's time.
/// </summary>
public sealed class PricedRoutingTests
{
    // Cheaper than "flat" for prompts of up to 1,000 tokens, ten times dearer above.
    private static readonly ModelPrice Tiered = new(1m, 1m) { Tiers = [new PriceTier { AbovePromptTokens = 1_000, Input = 10m, Output = 10m }] };
    private static readonly ModelPrice Flat = new(2m, 2m);

    private static readonly ChatMessage[] LongPrompt = [new(ChatRole.User, string.Join(' ', Enumerable.Repeat("context", 3_000)))];

    private static ScriptedChatClient Answering(string text) => new("fake") { DefaultOutcome = ScriptedOutcome.Text(text) };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Cheapest_PromptAboveATierThreshold_RanksByTheTiersPrice(bool streaming)
    {
        IChatClient router = new LlmRouterBuilder()
            .AddDeployment("tiered", Answering("tiered"), d => d.Price = Tiered)
            .AddDeployment("flat", Answering("flat"), d => d.Price = Flat)
            .AddRoute("cheap", r => { r.Deployments = ["tiered", "flat"]; r.Strategy = SelectionStrategies.Cheapest; })
            .Build();
        var options = new ChatOptions { ModelId = "cheap", MaxOutputTokens = 10 };

        ChatResponse small = await router.CallAsync(streaming, options);
        ChatResponse large = await router.CallAsync(streaming, options, messages: LongPrompt);

        Assert.Equal("tiered", small.Property(LlmRouterProperties.Deployment));
        Assert.Equal("flat", large.Property(LlmRouterProperties.Deployment));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task MaxPrice_PromptAboveATierThreshold_ChecksTheTiersPrice(bool streaming)
    {
        ScriptedChatClient tiered = Answering("tiered");
        IChatClient router = new LlmRouterBuilder()
            .AddDeployment("tiered", tiered, d => d.Price = Tiered)
            .AddDeployment("flat", Answering("flat"), d => d.Price = Flat)
            .AddRoute("capped", r => { r.Deployments = ["tiered", "flat"]; r.MaxPrice = new PriceLimit { Input = 5m }; })
            .Build();
        var options = new ChatOptions { ModelId = "capped" };

        ChatResponse small = await router.CallAsync(streaming, options);
        ChatResponse large = await router.CallAsync(streaming, options, messages: LongPrompt);

        Assert.Equal("tiered", small.Property(LlmRouterProperties.Deployment));
        Assert.Equal("flat", large.Property(LlmRouterProperties.Deployment));
        Assert.Equal(1, tiered.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Cost_PriceChangesOnADate_EachCallIsBilledAtThePriceInForceAtTheRoutersTime(bool streaming)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 23, 0, 0, TimeSpan.Zero));
        var usage = new UsageDetails { InputTokenCount = 1_000_000, OutputTokenCount = 100_000 };
        var client = new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Chunks("Hel", "lo").WithUsage(usage) };
        IChatClient router = new LlmRouterBuilder()
            .UseTimeProvider(clock)
            .AddDeployment("argon", client, d => d.Model = "gemini-4-argon")
            .Build();

        ChatResponse before = await router.CallAsync(streaming);
        clock.Advance(TimeSpan.FromHours(1));
        ChatResponse after = await router.CallAsync(streaming);

        // 1M input and 100K output tokens: 2.00 + 1.00 at the launch price, 4.00 + 2.00 from 2026-12-01.
        Assert.Equal(3.00m, before.Property(LlmRouterProperties.CostUsd));
        Assert.Equal(6.00m, after.Property(LlmRouterProperties.CostUsd));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Cost_ReportedPromptAboveATierThreshold_IsBilledAtTheTier(bool streaming)
    {
        var usage = new UsageDetails { InputTokenCount = 2_000, OutputTokenCount = 100 };
        var client = new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Chunks("Hel", "lo").WithUsage(usage) };
        IChatClient router = new LlmRouterBuilder().AddDeployment("tiered", client, d => d.Price = Tiered).Build();

        ChatResponse response = await router.CallAsync(streaming);

        Assert.Equal(0.021m, response.Property(LlmRouterProperties.CostUsd));
    }
}
