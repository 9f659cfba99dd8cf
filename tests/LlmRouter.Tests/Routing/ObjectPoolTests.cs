namespace LlmRouter.Tests.Routing;

public class ObjectPoolTests
{
    [Fact]
    public void TryRent_AfterReturns_GivesThoseObjectsBackThenNothing()
    {
        var pool = new ObjectPool<object, ObjectKind>();
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
    public void TryReturn_Full_RefusesAndDrainHandsEveryObjectOver()
    {
        var pool = new ObjectPool<object, ObjectKind>();
        int accepted = 0;
        while (pool.TryReturn(new object()))
        {
            accepted++;
            Assert.True(accepted <= 4 * Math.Max(8, Environment.ProcessorCount * 4), "the pool never filled");
        }

        var drained = new List<object>();
        pool.Drain(drained.Add);

        // The shared slots and the returning thread's own slot.
        Assert.Equal(Math.Max(8, Environment.ProcessorCount * 4) + 1, accepted);
        Assert.Equal(accepted, drained.Count);
        Assert.Null(pool.TryRent());
    }

    [Fact]
    public void TryRent_ThreadSlotHoldsAnotherPoolsObject_NeverHandsItOver()
    {
        var first = new ObjectPool<object, ObjectKind>();
        var second = new ObjectPool<object, ObjectKind>();
        object item = new();

        Assert.True(first.TryReturn(item));

        Assert.Null(second.TryRent());
        Assert.Same(item, first.TryRent());
        Assert.Null(first.TryRent());
    }

    [Fact]
    public void TryReturn_ThreadSlotHoldsAnotherPoolsObject_TakesTheSlotAndGivesThatObjectBackToItsPool()
    {
        var first = new ObjectPool<object, ObjectKind>();
        var second = new ObjectPool<object, ObjectKind>();
        object firsts = new();
        object seconds = new();

        Assert.True(first.TryReturn(firsts));
        Assert.True(second.TryReturn(seconds));

        // The second pool now holds the thread's slot; the first pool's object went to the first pool's shared slots.
        Assert.Same(seconds, second.TryRent());
        Assert.Same(firsts, first.TryRent());
        Assert.Null(first.TryRent());
        Assert.Null(second.TryRent());
    }

    [Fact]
    public void TryRent_OnAnotherThread_DoesNotTakeTheReturningThreadsObject()
    {
        var pool = new ObjectPool<object, ObjectKind>();
        object item = new();
        Assert.True(pool.TryReturn(item));

        object? elsewhere = null;
        var thread = new Thread(() => elsewhere = pool.TryRent());
        thread.Start();
        thread.Join();

        Assert.Null(elsewhere);
        Assert.Same(item, pool.TryRent());
    }

    [Fact]
    public async Task TryRentAndTryReturn_Concurrent_NeverHandOneObjectToTwoRenters()
    {
        var pool = new ObjectPool<int[], ArrayKind>();
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

    private struct ObjectKind;

    private struct ArrayKind;
}
