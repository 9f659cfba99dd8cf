namespace LlmRouter.Tests.Pricing;

public class SpendCounterTests
{
    [Fact]
    public async Task Add_ConcurrentCalls_SnapshotCountsEveryCallAndUnit()
    {
        var counter = new SpendCounter("a");

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (int i = 0; i < 20_000; i++)
            {
                counter.Add(3);
                if (i % 4 == 0)
                {
                    counter.AddUncosted();
                }
            }
        })));

        SpendTotal total = counter.Snapshot();
        Assert.Equal("a", total.Name);
        Assert.Equal(160_000, total.Calls);
        Assert.Equal(40_000, total.UncostedCalls);
        Assert.Equal(Money.ToUsd(480_000), total.CostUsd);
    }

    [Fact]
    public void Add_TotalsBeyondTheRange_Saturate()
    {
        var counter = new SpendCounter(null);

        counter.Add(long.MaxValue);
        counter.Add(long.MaxValue);

        Assert.Equal(Money.ToUsd(long.MaxValue), counter.Snapshot().CostUsd);
    }
}
