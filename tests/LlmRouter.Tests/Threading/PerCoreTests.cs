namespace LlmRouter.Tests.Threading;

public class PerCoreTests
{
    [Fact]
    public void Cells_PowerOfTwoCoveringTheProcessors()
    {
        Assert.True(PerCore.Cells >= Math.Min(Environment.ProcessorCount, 64));
        Assert.Equal(0, PerCore.Cells & (PerCore.Cells - 1));
        Assert.InRange(PerCore.Current, 0, PerCore.Cells - 1);
    }

    [Fact]
    public async Task PerCoreCount_ConcurrentAddsOnEveryThread_SumIsExactOnceTheyEnd()
    {
        var count = new PerCoreCount();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(() =>
        {
            for (int i = 0; i < 50_000; i++)
            {
                count.Increment();
                count.Add(2);
                if (i % 2 == 0)
                {
                    count.Decrement();
                }

                if (i % 1000 == 0)
                {
                    Thread.Yield();
                }
            }
        })));

        Assert.Equal(8 * ((50_000 * 3) - 25_000), count.Sum());
    }

    [Fact]
    public async Task SpendCounter_ConcurrentCalls_SnapshotCountsEveryCallAndUnit()
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
    public void SpendCounter_TotalsBeyondTheRange_Saturate()
    {
        var counter = new SpendCounter(null);

        counter.Add(long.MaxValue);
        counter.Add(long.MaxValue);

        Assert.Equal(Money.ToUsd(long.MaxValue), counter.Snapshot().CostUsd);
    }

    [Fact]
    public async Task ConcurrencyGate_Unlimited_ConcurrentEntersAndExits_CountBackToZero()
    {
        var gate = new ConcurrencyGate(limit: null, queues: false);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            for (int i = 0; i < 2_000; i++)
            {
                Assert.True(gate.TryEnter());
                Assert.InRange(gate.InFlight, 0, 8);
                if (i % 100 == 0)
                {
                    await Task.Yield();
                }

                gate.Exit();
            }
        })));

        Assert.Equal(0, gate.InFlight);
        Assert.True(gate.TryEnter());
        Assert.True(gate.TryEnter());
        Assert.Equal(2, gate.InFlight);
    }

    [Fact]
    public async Task ConcurrencyGate_Limited_NeverAdmitsMoreThanItsLimit()
    {
        var gate = new ConcurrencyGate(limit: 3, queues: false);
        int inside = 0;
        int most = 0;

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (int i = 0; i < 20_000; i++)
            {
                if (!gate.TryEnter())
                {
                    continue;
                }

                int now = Interlocked.Increment(ref inside);
                InterlockedMax(ref most, now);
                Interlocked.Decrement(ref inside);
                gate.Exit();
            }
        })));

        Assert.InRange(most, 1, 3);
        Assert.Equal(0, gate.InFlight);
    }

    [Fact]
    public void ObjectPool_ReturnedObjects_RentedBackThenEmpty()
    {
        var pool = new ObjectPool<object>();
        object first = new();
        object second = new();

        Assert.True(pool.TryReturn(first));
        Assert.True(pool.TryReturn(second));
        object?[] rented = [pool.TryRent(), pool.TryRent()];

        Assert.Contains(first, rented);
        Assert.Contains(second, rented);
        Assert.Null(pool.TryRent());
    }

    [Fact]
    public void ObjectPool_Full_RefusesTheNextReturnAndDrainHandsEveryObjectOver()
    {
        var pool = new ObjectPool<object>();
        int accepted = 0;
        while (pool.TryReturn(new object()))
        {
            accepted++;
            Assert.True(accepted <= PerCore.Cells * 16, "the pool never filled");
        }

        var drained = new List<object>();
        pool.Drain(drained.Add);

        Assert.InRange(accepted, 8, PerCore.Cells * 8);
        Assert.Equal(accepted, drained.Count);
        Assert.Null(pool.TryRent());
    }

    [Fact]
    public async Task ObjectPool_ConcurrentRentAndReturn_NeverHandsOneObjectToTwoRenters()
    {
        var pool = new ObjectPool<int[]>();
        int shared = 0;

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (int i = 0; i < 50_000; i++)
            {
                int[] item = pool.TryRent() ?? new int[1];
                if (Interlocked.Increment(ref item[0]) != 1)
                {
                    Interlocked.Increment(ref shared);
                }

                Interlocked.Decrement(ref item[0]);
                pool.TryReturn(item);
            }
        })));

        Assert.Equal(0, shared);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current = Volatile.Read(ref target);
        while (value > current)
        {
            int seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
