namespace LlmRouter.AspNetCore.Tests.Dashboard;

public class SlidingWindowTests
{
    [Fact]
    public void Read_CountsOnlyTheSlotsOfTheWindow()
    {
        var window = new SlidingWindow(latencies: true);
        window.RecordCall(100, failed: false, 0.010);
        window.RecordCall(100, failed: true, 0.500);
        window.RecordCall(94, failed: false, 0.020);
        window.RecordCall(8, failed: false, 0.030);

        WindowTotals lastMinute = window.Read(now: 100, slots: 6);
        WindowTotals lastFifteen = window.Read(now: 100, slots: 90);

        Assert.Equal(2, lastMinute.Count);
        Assert.Equal(1, lastMinute.Failures);
        Assert.Equal(3, lastFifteen.Count);
    }

    [Fact]
    public void RecordCall_SlotOfTheSameRingPositionLater_ReplacesTheOldSlot()
    {
        var window = new SlidingWindow(latencies: false);
        window.Add(5, 3);

        window.Add(5 + SlidingWindow.SlotCount, 1);

        Assert.Equal(1, window.Read(5 + SlidingWindow.SlotCount, SlidingWindow.SlotCount).Count);
    }

    [Fact]
    public void Percentile_ReadsTheBinOfTheRank()
    {
        var window = new SlidingWindow(latencies: true);
        for (int i = 0; i < 90; i++)
        {
            window.RecordCall(1, failed: false, 0.100);
        }

        for (int i = 0; i < 10; i++)
        {
            window.RecordCall(1, failed: false, 2.0);
        }

        WindowTotals totals = window.Read(1, 6);
        double p50 = SlidingWindow.Percentile(totals.Latency!, 0.50)!.Value;
        double p95 = SlidingWindow.Percentile(totals.Latency!, 0.95)!.Value;

        Assert.InRange(p50, 0.100 / 1.25, 0.100 * 1.25);
        Assert.InRange(p95, 2.0 / 1.25, 2.0 * 1.25);
        Assert.Null(SlidingWindow.Percentile(new long[SlidingWindow.Bins], 0.5));
    }

    [Fact]
    public void Series_PutsEachSlotAtItsAgeOldestFirst()
    {
        var window = new SlidingWindow(latencies: true);
        window.RecordCall(50, failed: true, 0.1);
        window.RecordCall(49, failed: false, 0.1);
        window.RecordCall(49, failed: false, 0.1);
        var counts = new long[SlidingWindow.SlotCount];
        var failures = new long[SlidingWindow.SlotCount];

        window.Series(50, counts, failures);

        Assert.Equal(1, counts[^1]);
        Assert.Equal(1, failures[^1]);
        Assert.Equal(2, counts[^2]);
        Assert.Equal(3, counts.Sum());
    }
}
