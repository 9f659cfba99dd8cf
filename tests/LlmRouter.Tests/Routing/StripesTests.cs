using System.Runtime.CompilerServices;

namespace LlmRouter.Tests.Routing;

public class StripesTests
{
    [Fact]
    public void Count_PowerOfTwoCoveringTwicePerProcessor()
    {
        Assert.InRange(Stripes.Count, 2, 64);
        Assert.Equal(0, Stripes.Count & (Stripes.Count - 1));
        Assert.True(Stripes.Count >= Math.Min(64, Environment.ProcessorCount * 2));
        Assert.InRange(Stripes.Current, 0, Stripes.Count - 1);
    }

    [Fact]
    public void Cell_EachStripeOnLinesOfItsOwn_NoneSharingTheArraysStart()
    {
        long[] cells = Stripes.Allocate<long>();
        ref long start = ref cells[0];
        var offsets = new List<long>();
        for (int stripe = 0; stripe < Stripes.Count; stripe++)
        {
            offsets.Add((long)Unsafe.ByteOffset(ref start, ref Stripes.Cell(cells, stripe, 0)));
        }

        Assert.Equal(Stripes.CellBytes, offsets[0]);
        for (int stripe = 1; stripe < offsets.Count; stripe++)
        {
            Assert.Equal(Stripes.CellBytes, offsets[stripe] - offsets[stripe - 1]);
        }

        // The last slot of the last stripe is still inside the array.
        Assert.Equal(cells.Length - 1, (int)((offsets[^1] / sizeof(long)) + Stripes.Stride<long>() - 1));
    }

    [Fact]
    public async Task StripedCounter_ConcurrentOnEveryCore_SumIsExact()
    {
        var counter = new StripedCounter();

        await Task.WhenAll(Enumerable.Range(0, 16).Select(worker => Task.Run(async () =>
        {
            for (int i = 0; i < 20_000; i++)
            {
                counter.Increment();
                if (i % 1_000 == 0)
                {
                    // Continue on whichever thread the pool picks: a count taken on one stripe and given back on another.
                    await Task.Yield();
                }

                counter.Decrement();
                counter.Add(3);
            }
        })));

        Assert.Equal(16 * 20_000 * 3, counter.Sum());
    }

    [Fact]
    public async Task SpendCounter_ConcurrentOnEveryCore_TotalsAreExact()
    {
        var counter = new SpendCounter("primary");

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (int i = 0; i < 10_000; i++)
            {
                counter.Add(Money.ToUnits(0.0001m));
                counter.AddUncosted();
            }
        })));

        SpendTotal total = counter.Snapshot();
        Assert.Equal("primary", total.Name);
        Assert.Equal(8m * 10_000 * 0.0001m, total.CostUsd);
        Assert.Equal(80_000, total.Calls);
        Assert.Equal(80_000, total.UncostedCalls);
    }

    [Fact]
    public async Task SpendCounter_StripesNearTheLimit_TotalSaturatesInsteadOfWrapping()
    {
        var counter = new SpendCounter(name: null);

        // Two threads (so, most likely, two stripes) each add most of what a total can hold.
        await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Factory.StartNew(
            () => counter.Add(long.MaxValue / 4 * 3), TaskCreationOptions.LongRunning)));
        counter.Add(long.MaxValue);

        Assert.Equal(Money.ToUsd(long.MaxValue), counter.Snapshot().CostUsd);
    }
}
