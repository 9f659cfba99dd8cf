using Microsoft.Extensions.AI;

namespace LlmRouter.Tests.Pricing;

/// <summary>
/// Exact costs for each provider's usage shape, built with the provider clients' own usage mapping so that a change there that
/// would double-count or drop tokens shows up here.
/// </summary>
public sealed class CostCalculatorTests
{
    private static readonly ModelPrice Gpt61Sol = new(2.00m, 10.00m) { CachedInput = 0.10m, CacheWrite = 2.50m };
    private static readonly ModelPrice ClaudeHaiku45 = new(1.00m, 5.00m) { CachedInput = 0.10m, CacheWrite = 1.25m };
    private static readonly ModelPrice Gemini35Flash = new(1.50m, 9.00m) { CachedInput = 0.15m };
    private static readonly ModelPrice DeepSeekFlash = new(0.30m, 1.20m) { CachedInput = 0.006m };

    [Fact]
    public void Calculate_OpenAIUsageWithCachedAndReasoningTokens_BillsEachTokenOnce()
    {
        // prompt_tokens includes the cached tokens; completion_tokens includes the reasoning tokens.
        UsageDetails usage = OpenAIChatClient.ToUsage(new OpenAIUsage
        {
            PromptTokens = 12_000,
            CompletionTokens = 3_000,
            PromptTokensDetails = new OpenAIPromptTokensDetails { CachedTokens = 8_000 },
            CompletionTokensDetails = new OpenAICompletionTokensDetails { ReasoningTokens = 2_200 },
        });

        decimal cost = CostCalculator.Calculate(usage, Gpt61Sol);

        // 4,000 uncached × $2 + 8,000 cached × $0.10 + 3,000 output × $10, per million.
        Assert.Equal(0.0388m, cost);
    }

    [Fact]
    public void Calculate_OpenAIUsageWithCachedTokens_IsNotBilledAsIfAllInputWereUncached()
    {
        UsageDetails usage = OpenAIChatClient.ToUsage(new OpenAIUsage
        {
            PromptTokens = 10_000,
            CompletionTokens = 0,
            PromptTokensDetails = new OpenAIPromptTokensDetails { CachedTokens = 10_000 },
        });

        Assert.Equal(0.001m, CostCalculator.Calculate(usage, Gpt61Sol));
    }

    [Fact]
    public void Calculate_AnthropicUsageWithCacheReadAndWrite_BillsReadsAndWritesAtTheirPrices()
    {
        // Anthropic reports input_tokens apart from cache reads and writes; the client adds all three into InputTokenCount.
        UsageDetails usage = AnthropicChatClient.ToUsage(
            new AnthropicUsage { InputTokens = 2_095, CacheReadInputTokens = 1_000, CacheCreationInputTokens = 100, OutputTokens = 1 },
            new AnthropicUsage { OutputTokens = 503 });

        decimal cost = CostCalculator.Calculate(usage, ClaudeHaiku45);

        // 2,095 × $1 + 1,000 × $0.10 + 100 × $1.25 + 503 × $5, per million.
        Assert.Equal(0.004835m, cost);
    }

    [Fact]
    public void Calculate_AnthropicOneHourCacheWrites_BilledAtTheExtendedCacheWritePrice()
    {
        // cache_creation splits the 4,000 written tokens: 3,000 to the five-minute cache, 1,000 to the one-hour cache.
        UsageDetails usage = AnthropicChatClient.ToUsage(
            new AnthropicUsage
            {
                InputTokens = 6_000,
                CacheCreationInputTokens = 4_000,
                CacheCreation = new AnthropicCacheCreation { Ephemeral5mInputTokens = 3_000, Ephemeral1hInputTokens = 1_000 },
                OutputTokens = 1,
            },
            new AnthropicUsage { OutputTokens = 200 });
        ModelPrice price = ClaudeHaiku45 with { ExtendedCacheWrite = 2.00m };

        // 6,000 × $1 + 3,000 × $1.25 + 1,000 × $2 + 200 × $5, per million.
        Assert.Equal(0.01275m, CostCalculator.Calculate(usage, price));

        // Without an extended price, the one-hour writes are billed as cache writes.
        Assert.Equal(0.012m, CostCalculator.Calculate(usage, ClaudeHaiku45));
    }

    [Fact]
    public void Calculate_ExtendedWritesAboveAllWrites_NeverBillMoreThanTheWritesReported()
    {
        var usage = new UsageDetails
        {
            InputTokenCount = 1_000,
            AdditionalCounts = new AdditionalPropertiesDictionary<long> { ["CacheWriteInputTokenCount"] = 100, ["ExtendedCacheWriteInputTokenCount"] = 500 },
        };

        // 900 × $1 + 100 × $2 (all 100 writes one-hour), per million.
        Assert.Equal(0.0011m, CostCalculator.Calculate(usage, ClaudeHaiku45 with { ExtendedCacheWrite = 2.00m }));
    }

    [Fact]
    public void Calculate_AnthropicSdkUsageShape_BillsTheSameAsThisPackagesClient()
    {
        // The official Anthropic SDK's IChatClient sums the three input counts too, but names the cache writes differently.
        var usage = new UsageDetails
        {
            InputTokenCount = 3_195,
            CachedInputTokenCount = 1_000,
            OutputTokenCount = 503,
            AdditionalCounts = new AdditionalPropertiesDictionary<long> { ["CacheCreationInputTokens"] = 100 },
        };

        Assert.Equal(0.004835m, CostCalculator.Calculate(usage, ClaudeHaiku45));
    }

    [Fact]
    public void Calculate_GeminiUsageWithThoughtsAndCachedContent_BillsThoughtsAsOutput()
    {
        // promptTokenCount includes cachedContentTokenCount; the client adds thoughtsTokenCount into the output.
        UsageDetails usage = GeminiChatClient.ToUsage(new GeminiUsage
        {
            PromptTokenCount = 10_000,
            CachedContentTokenCount = 4_000,
            CandidatesTokenCount = 800,
            ThoughtsTokenCount = 1_200,
        });

        decimal cost = CostCalculator.Calculate(usage, Gemini35Flash);

        // 6,000 × $1.50 + 4,000 × $0.15 + (800 + 1,200) × $9, per million.
        Assert.Equal(0.0276m, cost);
    }

    [Fact]
    public void Calculate_GeminiUsageWithToolUsePrompt_BillsToolUsePromptAsInput()
    {
        UsageDetails usage = GeminiChatClient.ToUsage(new GeminiUsage { PromptTokenCount = 1_000, ToolUsePromptTokenCount = 500, CandidatesTokenCount = 100 });

        Assert.Equal(0.00315m, CostCalculator.Calculate(usage, Gemini35Flash));
    }

    [Fact]
    public void Calculate_DeepSeekUsageWithCacheHitTokens_BillsHitsAtTheCachePrice()
    {
        UsageDetails usage = OpenAIChatClient.ToUsage(new OpenAIUsage
        {
            PromptTokens = 5_000,
            PromptCacheHitTokens = 3_000,
            CompletionTokens = 1_000,
            CompletionTokensDetails = new OpenAICompletionTokensDetails { ReasoningTokens = 600 },
        });

        // 2,000 × $0.30 + 3,000 × $0.006 + 1,000 × $1.20, per million.
        Assert.Equal(0.001818m, CostCalculator.Calculate(usage, DeepSeekFlash));
    }

    [Fact]
    public void Calculate_PriceWithReasoningOutput_BillsReasoningAtItsPriceAndNotAlsoAsOutput()
    {
        var price = new ModelPrice(2.00m, 10.00m) { ReasoningOutput = 20.00m };
        var usage = new UsageDetails { InputTokenCount = 0, OutputTokenCount = 3_000, ReasoningTokenCount = 2_200 };

        // 800 visible × $10 + 2,200 reasoning × $20, per million.
        Assert.Equal(0.052m, CostCalculator.Calculate(usage, price));
    }

    [Fact]
    public void Calculate_NoCachePrices_BillsCacheReadsAndWritesAtTheInputPrice()
    {
        var price = new ModelPrice(3.00m, 15.00m);
        var usage = new UsageDetails
        {
            InputTokenCount = 1_000,
            CachedInputTokenCount = 400,
            AdditionalCounts = new AdditionalPropertiesDictionary<long> { [ProviderUsage.CacheWriteInputTokenCount] = 100 },
        };

        Assert.Equal(0.003m, CostCalculator.Calculate(usage, price));
    }

    [Fact]
    public void Calculate_CacheCountsLargerThanInput_BillsThemAsReportedWithNoUncachedInput()
    {
        var usage = new UsageDetails
        {
            InputTokenCount = 100,
            CachedInputTokenCount = 300,
            AdditionalCounts = new AdditionalPropertiesDictionary<long> { [ProviderUsage.CacheWriteInputTokenCount] = 200 },
        };

        // 300 × $0.10 + 200 × $1.25, per million: never less than what was reported, never twice.
        Assert.Equal(0.00028m, CostCalculator.Calculate(usage, ClaudeHaiku45));
    }

    [Fact]
    public void Calculate_ReasoningLargerThanOutputWithoutReasoningPrice_BillsTheReasoningCount()
    {
        var usage = new UsageDetails { OutputTokenCount = 10, ReasoningTokenCount = 500 };

        Assert.Equal(0.005m, CostCalculator.Calculate(usage, Gpt61Sol));
    }

    [Fact]
    public void Calculate_NoCountsAtAll_IsZero()
    {
        Assert.Equal(0m, CostCalculator.Calculate(new UsageDetails(), Gpt61Sol));
    }

    [Fact]
    public void Calculate_NegativeCounts_CountAsZero()
    {
        var usage = new UsageDetails
        {
            InputTokenCount = -5,
            CachedInputTokenCount = -1,
            OutputTokenCount = -7,
            ReasoningTokenCount = -2,
            AdditionalCounts = new AdditionalPropertiesDictionary<long> { [ProviderUsage.CacheWriteInputTokenCount] = -3 },
        };

        Assert.Equal(0m, CostCalculator.Calculate(usage, Gpt61Sol));
    }

    [Fact]
    public void Calculate_OneToken_IsExactBelowANanodollar()
    {
        var usage = new UsageDetails { InputTokenCount = 1 };

        Assert.Equal(0.000000125m, CostCalculator.Calculate(usage, new ModelPrice(0.125m, 0.50m)));
    }

    [Fact]
    public void Calculate_BillionsOfTokensAtManyDecimalPlaces_IsExact()
    {
        var usage = new UsageDetails { InputTokenCount = 123_456_789_012, CachedInputTokenCount = 23_456_789_012, OutputTokenCount = 987_654_321 };
        var price = new ModelPrice(0.0375m, 0.15m) { CachedInput = 0.003625m };

        // 100,000,000,000 × 0.0375 + 23,456,789,012 × 0.003625 + 987,654,321 × 0.15, per million.
        Assert.Equal(3_750m + 85.03086016850m + 148.14814815m, CostCalculator.Calculate(usage, price));
    }

    [Fact]
    public void Calculate_NullArguments_Throw()
    {
        Assert.Throws<ArgumentNullException>(() => CostCalculator.Calculate(null!, Gpt61Sol));
        Assert.Throws<ArgumentNullException>(() => CostCalculator.Calculate(new UsageDetails(), null!));
    }

    [Fact]
    public void Calculate_RepeatedCalls_DoNotAllocate()
    {
        UsageDetails usage = AnthropicChatClient.ToUsage(
            new AnthropicUsage { InputTokens = 2_095, CacheReadInputTokens = 1_000, CacheCreationInputTokens = 100, OutputTokens = 503 },
            null);
        CostCalculator.Calculate(usage, ClaudeHaiku45);

        long before = GC.GetAllocatedBytesForCurrentThread();
        decimal total = 0;
        for (int i = 0; i < 1_000; i++)
        {
            total += CostCalculator.Calculate(usage, ClaudeHaiku45);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(4.835m, total);
    }

    [Fact]
    public void Estimate_InputAndExpectedOutput_UsesUncachedPrices()
    {
        Assert.Equal(0.025m, CostCalculator.Estimate(10_000, 500, Gpt61Sol));
    }

    [Fact]
    public void Estimate_NegativeCounts_CountAsZero()
    {
        Assert.Equal(0m, CostCalculator.Estimate(-1, -1, Gpt61Sol));
    }

    [Fact]
    public void Estimate_NullPrice_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => CostCalculator.Estimate(1, 1, null!));
    }

    [Fact]
    public void Calculate_CatalogPrice_GivesTheSameFigureAsADirectComputation()
    {
        Assert.True(PriceCatalog.Default.TryFind("claude-haiku-5-5", "anthropic", out ModelCatalogEntry? entry));
        UsageDetails usage = AnthropicChatClient.ToUsage(
            new AnthropicUsage { InputTokens = 40_000, CacheReadInputTokens = 50_000, CacheCreationInputTokens = 5_000, OutputTokens = 2_000 },
            null);

        // 40,000 × $0.10 + 50,000 × $0.01 + 5,000 × $0.125 + 2,000 × $0.50, per million.
        Assert.Equal(0.006125m, CostCalculator.Calculate(usage, entry.Price!));
    }
}
