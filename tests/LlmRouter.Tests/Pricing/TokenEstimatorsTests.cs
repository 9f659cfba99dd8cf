using Microsoft.Extensions.AI;

namespace LlmRouter.Tests.Pricing;

public sealed class TokenEstimatorsTests
{
    [Fact]
    public void Default_IsTheCharacterBasedEstimator()
    {
        Assert.Same(CharacterTokenEstimator.Instance, TokenEstimators.Default);
        Assert.Equal("CharacterBased", TokenEstimators.Default.Name);
    }

    [Theory]
    [InlineData(null, null, TokenEstimators.DefaultExpectedOutputTokens)]
    [InlineData(1_000, null, 1_000)]
    [InlineData(null, 300, 300)]
    [InlineData(1_000, 300, 300)]
    [InlineData(200, 300, 200)]
    [InlineData(0, 300, 300)]
    [InlineData(-5, null, TokenEstimators.DefaultExpectedOutputTokens)]
    [InlineData(null, 0, 0)]
    public void ExpectedOutputTokens_LimitAndObservedAverage_PrefersTheAverageCappedAtTheLimit(int? maxOutputTokens, int? observedAverage, int expected)
    {
        var options = new ChatOptions { MaxOutputTokens = maxOutputTokens };

        Assert.Equal(expected, TokenEstimators.ExpectedOutputTokens(options, observedAverage));
    }

    [Fact]
    public void ExpectedOutputTokens_NoOptions_UsesTheAverageOrTheDefault()
    {
        Assert.Equal(TokenEstimators.DefaultExpectedOutputTokens, TokenEstimators.ExpectedOutputTokens(null));
        Assert.Equal(42, TokenEstimators.ExpectedOutputTokens(null, 42));
    }

    [Fact]
    public void ExpectedOutputTokens_NegativeAverage_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TokenEstimators.ExpectedOutputTokens(null, -1));
    }

    [Fact]
    public void EstimateThenPrice_TypicalRequest_RanksACheapModelBelowAnExpensiveOne()
    {
        int input = TokenEstimators.Default.EstimateInputTokens(TypicalRequest.Messages, TypicalRequest.Options);
        int output = TokenEstimators.ExpectedOutputTokens(TypicalRequest.Options, observedAverage: 180);
        Assert.True(PriceCatalog.Default.TryFind("gpt-6-luna", "openai", out ModelCatalogEntry? luna));
        Assert.True(PriceCatalog.Default.TryFind("claude-opus-5-5", "anthropic", out ModelCatalogEntry? opus));

        decimal cheap = CostCalculator.Estimate(input, output, luna.Price!);
        decimal dear = CostCalculator.Estimate(input, output, opus.Price!);

        Assert.Equal(180, output);
        Assert.True(cheap < dear);
        Assert.Equal(((input * 0.10m) + (180 * 0.50m)) / 1_000_000m, cheap);
    }
}
