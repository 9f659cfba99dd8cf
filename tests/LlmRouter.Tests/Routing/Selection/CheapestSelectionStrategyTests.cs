using System.Net;
using LlmRouter.Testing;
using Microsoft.Extensions.AI;

namespace LlmRouter.Tests.Routing.Selection;

public class CheapestSelectionStrategyTests
{
    // "flat": $1 in, $1 out; "skewed": $0.10 in, $5 out per million tokens. By list-price sum "flat" ($2) always beats "skewed" ($5.10).
    private static IChatClient Router() => SelectionRouters.Builder(
        SelectionStrategies.Cheapest,
        ("flat", d => d.Price = new ModelPrice(1m, 1m)),
        ("skewed", d => d.Price = new ModelPrice(0.10m, 5m))).Build();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Order_LongPromptShortAnswer_RanksByThisRequestsCost(bool streaming)
    {
        ChatMessage[] longPrompt = [new(ChatRole.User, string.Join(' ', Enumerable.Repeat("context", 2_000)))];
        var options = new ChatOptions { MaxOutputTokens = 10 };

        ChatResponse response = await Router().CallAsync(streaming, options, messages: longPrompt);

        // About 2,000 input tokens: flat ≈ 2,000 × 1 + 10 × 1, skewed ≈ 2,000 × 0.10 + 10 × 5 per million.
        Assert.Equal("skewed", response.Property(LlmRouterProperties.Deployment));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Order_ShortPromptLongAnswer_RanksByThisRequestsCost(bool streaming)
    {
        ChatResponse response = await Router().CallAsync(streaming, new ChatOptions { MaxOutputTokens = 2_000 });

        Assert.Equal("flat", response.Property(LlmRouterProperties.Deployment));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Order_CheapestFails_NextCheapestIsTheFallback(bool streaming)
    {
        var cheapest = new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Failure(HttpStatusCode.ServiceUnavailable) };
        IChatClient router = new LlmRouterBuilder().WithoutRetries()
            .AddDeployment("dear", new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Text("dear") }, d => d.Price = new ModelPrice(3m, 15m))
            .AddDeployment("middle", new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Text("middle") }, d => d.Price = new ModelPrice(1m, 4m))
            .AddDeployment("cheapest", cheapest, d => d.Price = new ModelPrice(0.1m, 0.4m))
            .AddRoute("r", r => { r.Deployments = ["dear", "middle", "cheapest"]; r.Strategy = SelectionStrategies.Cheapest; })
            .Build();

        ChatResponse response = await router.CallAsync(streaming);

        Assert.Equal("middle", response.Property(LlmRouterProperties.Deployment));
        Assert.Equal("cheapest: Overloaded, HTTP 503", response.Property(LlmRouterProperties.FallbackReasons));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Order_ObservedOutputAverage_ChangesTheRanking(bool streaming)
    {
        // "verbose" is cheaper per token but answers with 1,000 tokens; "terse" costs twice as much per output token and answers with 10.
        var verbose = new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Chunks("long").WithUsage(20, 1_000) };
        var terse = new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Chunks("short").WithUsage(20, 10) };
        IChatClient router = new LlmRouterBuilder().ConfigureSelection(s => s.SampleWeight = 1)
            .AddDeployment("verbose", verbose, d => d.Price = new ModelPrice(0.1m, 1m))
            .AddDeployment("terse", terse, d => d.Price = new ModelPrice(0.1m, 2m))
            .AddRoute("r", r => { r.Deployments = ["terse", "verbose"]; r.Strategy = SelectionStrategies.Cheapest; })
            .Build();

        // Nothing observed: both expected at 256 output tokens, so "verbose" (256 × 1) beats "terse" (256 × 2).
        Assert.Equal("verbose", (await router.CallAsync(streaming)).Property(LlmRouterProperties.Deployment));

        // Now "verbose" is expected at 1,000 tokens (1,000 × 1) and "terse" still at 256 (256 × 2).
        Assert.Equal("terse", (await router.CallAsync(streaming)).Property(LlmRouterProperties.Deployment));
    }
}
