namespace LlmRouter.Tests.Pricing;

public class MoneyTests
{
    [Theory]
    [InlineData("0.000233775", 2_337_750)]
    [InlineData("0.00000000005", 1)]
    [InlineData("0.00000000004", 0)]
    [InlineData("-0.00000000005", -1)]
    public void ToUnits_RoundsHalfAwayFromZeroToTenBillionthsOfADollar(string usd, long units)
    {
        Assert.Equal(units, Money.ToUnits(decimal.Parse(usd, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void ToUnits_Huge_Saturates()
    {
        Assert.Equal(long.MaxValue, Money.ToUnits(decimal.MaxValue));
        Assert.Equal(0.000233775m, Money.ToUsd(2_337_750));
    }

    [Fact]
    public void Add_NearTheTop_SaturatesInsteadOfWrapping()
    {
        long total = long.MaxValue - 1;

        Money.Add(ref total, 10);

        Assert.Equal(long.MaxValue, total);
    }
}
