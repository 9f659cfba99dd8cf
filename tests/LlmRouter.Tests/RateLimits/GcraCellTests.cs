namespace LlmRouter.Tests.RateLimits;

public class GcraCellTests
{
    // A window of 60 ticks and a limit of 6: each unit refills in 10 ticks.
    private const long Window = 60;
    private const long Limit = 6;

    [Fact]
    public void TryTake_FullBucket_AdmitsTheLimitAtOnceThenRefusesUntilOneUnitRefills()
    {
        var cell = new GcraCell();
        for (int i = 0; i < Limit; i++)
        {
            Assert.True(cell.TryTake(1, Limit, Window, now: 1_000, out long none));
            Assert.Equal(0, none);
        }

        Assert.False(cell.TryTake(1, Limit, Window, now: 1_000, out long wait));
        Assert.Equal(10, wait);
        Assert.False(cell.TryTake(1, Limit, Window, now: 1_009, out wait));
        Assert.Equal(1, wait);
        Assert.True(cell.TryTake(1, Limit, Window, now: 1_010, out _));
    }

    [Fact]
    public void TryTake_Refused_TakesNothing()
    {
        var cell = new GcraCell();
        Assert.True(cell.TryTake(4, Limit, Window, now: 0, out _));

        Assert.False(cell.TryTake(3, Limit, Window, now: 0, out long wait));

        Assert.Equal(10, wait);
        Assert.True(cell.TryTake(2, Limit, Window, now: 0, out _));
    }

    [Fact]
    public void TryTake_MoreThanTheLimit_AdmittedOnlyByAFullBucket()
    {
        var cell = new GcraCell();
        Assert.True(cell.TryTake(1, Limit, Window, now: 0, out _));

        Assert.False(cell.TryTake(100, Limit, Window, now: 0, out long wait));
        Assert.Equal(10, wait);
        Assert.True(cell.TryTake(100, Limit, Window, now: 10, out _));
        Assert.False(cell.TryTake(1, Limit, Window, now: 10, out _));
    }

    [Fact]
    public void Adjust_Negative_GivesUnitsBack()
    {
        var cell = new GcraCell();
        Assert.True(cell.TryTake(6, Limit, Window, now: 0, out _));

        cell.Adjust(-2, Limit, Window, now: 0);

        Assert.True(cell.TryTake(2, Limit, Window, now: 0, out _));
        Assert.False(cell.TryTake(1, Limit, Window, now: 0, out _));
    }

    [Fact]
    public void Adjust_Positive_TakesMoreWithoutChecking()
    {
        var cell = new GcraCell();
        Assert.True(cell.TryTake(6, Limit, Window, now: 0, out _));

        cell.Adjust(3, Limit, Window, now: 0);

        Assert.False(cell.TryTake(1, Limit, Window, now: 20, out long wait));
        Assert.Equal(20, wait);
    }

    [Fact]
    public void Adjust_GivingBackMoreThanTaken_LeavesAFullBucketNotMore()
    {
        var cell = new GcraCell();
        Assert.True(cell.TryTake(1, Limit, Window, now: 100, out _));

        cell.Adjust(-50, Limit, Window, now: 100);

        Assert.True(cell.IsIdle(100));
        Assert.True(cell.TryTake(6, Limit, Window, now: 100, out _));
        Assert.False(cell.TryTake(1, Limit, Window, now: 100, out _));
    }

    [Fact]
    public async Task TryTake_Concurrently_AdmitsExactlyTheLimit()
    {
        var cell = new GcraCell();
        int admitted = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(() =>
        {
            for (int i = 0; i < 1_000; i++)
            {
                if (cell.TryTake(1, 500, 1_000_000, now: 5, out _))
                {
                    Interlocked.Increment(ref admitted);
                }
            }
        })));

        Assert.Equal(500, admitted);
    }
}
