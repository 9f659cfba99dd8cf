namespace LlmRouter.Tests.Routing;

public class StableHashTests
{
    [Theory]
    [InlineData("canary", "user-1", 17272921547160584899ul)]
    [InlineData("control", "user-1", 13461746985201818955ul)]
    [InlineData("control", "", 15130646343446973317ul)]
    public void Hash_KnownInputs_FixedValuesInEveryProcess(string first, string second, ulong expected)
    {
        Assert.Equal(expected, StableHash.Hash(first, second));
    }

    [Fact]
    public void Hash_SeparatorMatters_SplitsDoNotCollide()
    {
        Assert.NotEqual(StableHash.Hash("ab", "c"), StableHash.Hash("a", "bc"));
    }

    [Fact]
    public void ToUnitInterval_Extremes_StayInsideZeroExclusiveOneInclusive()
    {
        Assert.Equal(1.0 / (1UL << 53), StableHash.ToUnitInterval(0));
        Assert.Equal(1.0, StableHash.ToUnitInterval(ulong.MaxValue));
    }
}
