using Microsoft.Extensions.AI;

namespace LlmRouter.Tests.Pricing;

/// <summary>Long-prompt tiers and scheduled price changes: which price a call is billed at.</summary>
public sealed class ModelPriceTests
{
    private static readonly DateTimeOffset LastLaunchSecond = new(2026, 11, 30, 23, 59, 59, TimeSpan.Zero);
    private static readonly DateTimeOffset FirstListSecond = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    private static ModelPrice Catalog(string model) => PriceCatalog.Default.TryFind(model, null, out ModelCatalogEntry? entry) && entry.Price is { } price
        ? price
        : throw new InvalidOperationException($"{model} has no price in the catalog.");

    private static UsageDetails Usage(long input, long output, long cached = 0) =>
        new() { InputTokenCount = input, OutputTokenCount = output, CachedInputTokenCount = cached };

    [Theory]
    [InlineData("gpt-6.1-sol", 300_000, "1.23")]         // 300,000 × 4.00 + 2,000 × 15.00 per million; flat it was 0.62
    [InlineData("gemini-2.5-pro", 300_000, "0.78")]      // 300,000 × 2.50 + 2,000 × 15.00; flat it was 0.395
    [InlineData("claude-haiku-5-5", 150_000, "0.080")]   // 150,000 × 0.50 + 2,000 × 2.50; flat it was 0.016
    [InlineData("gpt-6.1-sol", 100_000, "0.22")]         // below the threshold: 100,000 × 2.00 + 2,000 × 10.00
    [InlineData("qwen3.7-plus", 300_000, "0.3696")]      // 300,000 × 1.20 + 2,000 × 4.80; flat it was 0.1232
    [InlineData("qwen3.7-plus", 262_144, "0.1080576")]   // at the threshold: 262,144 × 0.40 + 2,000 × 1.60
    [InlineData("MiniMax-M3", 600_000, "0.3648")]        // 600,000 × 0.60 + 2,000 × 2.40; flat it was 0.1824
    [InlineData("MiniMax-M3", 524_288, "0.1596864")]     // at the threshold: 524,288 × 0.30 + 2,000 × 1.20
    public void Calculate_CatalogPriceWithTier_BillsTheWholeCallAtTheTierItsPromptFallsIn(string model, long prompt, string expected)
    {
        decimal cost = CostCalculator.Calculate(Usage(prompt, 2_000), Catalog(model));

        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), cost);
    }

    [Fact]
    public void Calculate_PromptAtAnAboveThreshold_StaysInTheLowerTierAndOneMoreTokenMovesUp()
    {
        ModelPrice gpt = Catalog("gpt-6.1-sol");

        Assert.Equal(272_000 * 2.00m / 1_000_000, CostCalculator.Calculate(Usage(272_000, 0), gpt));
        Assert.Equal(272_001 * 4.00m / 1_000_000, CostCalculator.Calculate(Usage(272_001, 0), gpt));
    }

    [Fact]
    public void Calculate_PromptAtAFromThreshold_IsInTheTier()
    {
        // xAI bills prompts of 200K tokens and more at the higher rate.
        ModelPrice grok = Catalog("grok-4.20");

        Assert.Equal(199_999 * 1.25m / 1_000_000, CostCalculator.Calculate(Usage(199_999, 0), grok));
        Assert.Equal(200_000 * 2.50m / 1_000_000, CostCalculator.Calculate(Usage(200_000, 0), grok));
    }

    [Fact]
    public void Calculate_CachedTokensCountTowardThePromptSize_AndAreBilledAtTheTiersCachedPrice()
    {
        // 150,000 prompt tokens of which 120,000 were cache reads: above Haiku 5.5's 100,000 although only 30,000 are uncached.
        decimal cost = CostCalculator.Calculate(Usage(150_000, 1_000, cached: 120_000), Catalog("claude-haiku-5-5"));

        Assert.Equal(((30_000 * 0.50m) + (120_000 * 0.05m) + (1_000 * 2.50m)) / 1_000_000, cost);
    }

    [Fact]
    public void Estimate_EstimatedPromptAboveTheThreshold_UsesTheTiersPrices()
    {
        ModelPrice gpt = Catalog("gpt-6.1-sol");

        Assert.Equal(((10_000 * 2.00m) + (500 * 10.00m)) / 1_000_000, CostCalculator.Estimate(10_000, 500, gpt));
        Assert.Equal(((300_000 * 4.00m) + (500 * 15.00m)) / 1_000_000, CostCalculator.Estimate(300_000, 500, gpt));
    }

    [Fact]
    public void Tiers_SeveralThresholds_TheLastOneReachedApplies()
    {
        var price = new ModelPrice(1m, 2m)
        {
            Tiers =
            [
                new PriceTier { AbovePromptTokens = 1_000, Input = 3m, Output = 4m },
                new PriceTier { FromPromptTokens = 5_000, Input = 5m, Output = 6m },
            ],
        };

        Assert.Equal(1_000 * 1m / 1_000_000, CostCalculator.Calculate(Usage(1_000, 0), price));
        Assert.Equal(4_999 * 3m / 1_000_000, CostCalculator.Calculate(Usage(4_999, 0), price));
        Assert.Equal(5_000 * 5m / 1_000_000, CostCalculator.Calculate(Usage(5_000, 0), price));
    }

    [Fact]
    public void At_CatalogPriceWithAScheduledChange_GivesThePriceInForceOnEachSideOfTheDate()
    {
        ModelPrice argon = Catalog("gemini-4-argon");

        ModelPrice launch = argon.At(LastLaunchSecond);
        ModelPrice list = argon.At(FirstListSecond);

        Assert.Equal((2.00m, 0.10m, 10.00m), (launch.Input, launch.CachedInput!.Value, launch.Output));
        Assert.Equal((4.00m, 0.20m, 20.00m), (list.Input, list.CachedInput!.Value, list.Output));
        Assert.Same(list, argon.At(new DateTimeOffset(2027, 6, 1, 0, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void Calculate_WithTheCallsTime_BillsThePriceInForceThen()
    {
        ModelPrice argon = Catalog("gemini-4-argon");
        UsageDetails usage = Usage(1_000_000, 100_000);

        Assert.Equal(3.00m, CostCalculator.Calculate(usage, argon, LastLaunchSecond));
        Assert.Equal(6.00m, CostCalculator.Calculate(usage, argon, FirstListSecond));
        Assert.Equal(6.00m, CostCalculator.Estimate(1_000_000, 100_000, argon, FirstListSecond));
    }

    [Fact]
    public void Validate_BadTiersAndSchedule_ReportsEachProblem()
    {
        var price = new ModelPrice(1m, 1m)
        {
            Tiers =
            [
                new PriceTier { AbovePromptTokens = 10, FromPromptTokens = 20, Input = 1m, Output = 1m },
                new PriceTier { Input = 1m, Output = 1m },
                new PriceTier { AbovePromptTokens = 100, Input = -1m, Output = 1m },
                new PriceTier { FromPromptTokens = 50, Input = 1m, Output = 1m },
            ],
            Until = FirstListSecond,
        };
        var errors = new List<string>();

        price.Validate("Deployment 'd': Price", errors);

        Assert.Contains(errors, e => e.StartsWith("Deployment 'd': Price.Tiers[0] must set exactly one", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Deployment 'd': Price.Tiers[1] must set exactly one", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Deployment 'd': Price.Tiers[2].Input must be at least 0", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Deployment 'd': Price.Tiers[3]: tiers must be listed from the smallest threshold up", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Deployment 'd': Price must set both Until", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_DeploymentPriceWithAnInvalidTier_FailsNamingTheDeployment()
    {
        var builder = new LlmRouterBuilder().AddDeployment("d", new LlmRouter.Testing.ScriptedChatClient("fake"), d =>
            d.Price = new ModelPrice(1m, 1m) { Tiers = [new PriceTier { Input = 2m, Output = 2m }] });

        var error = Assert.ThrowsAny<Exception>(() => builder.Build());

        Assert.Contains("Deployment 'd': Price.Tiers[0] must set exactly one of AbovePromptTokens", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Equals_SameTiersInNewLists_AreEqual()
    {
        static ModelPrice Make() => new(1m, 2m) { Tiers = [new PriceTier { AbovePromptTokens = 5, Input = 2m, Output = 4m }] };

        Assert.Equal(Make(), Make());
        Assert.Equal(Make().GetHashCode(), Make().GetHashCode());
        Assert.NotEqual(Make(), Make() with { Tiers = [] });
    }
}
