using LlmRouter.Testing;

namespace LlmRouter.Tests.Routing.Selection;

public class CandidateOrderTests
{
    private static readonly Deployment[] Deployments = Build(9);

    [Theory]
    [InlineData(new double[] { 3, 1, 2 }, "1,2,0")]
    [InlineData(new double[] { 1, 1, 0, 1 }, "2,0,1,3")]
    [InlineData(new double[] { 5, 4, 3, 2, 1, 2, 3, 4, 5 }, "4,3,5,2,6,1,7,0,8")]
    [InlineData(new double[] { 0, 1, 2 }, "0,1,2")]
    [InlineData(new double[] { double.PositiveInfinity, 2, double.PositiveInfinity, 1 }, "3,1,0,2")]
    public void SortByKey_AnyOrder_AscendingAndStableWithKeysSortedAlike(double[] keys, string expected)
    {
        Deployment[] candidates = Deployments[..keys.Length];
        double[] sortedKeys = [.. keys];

        CandidateOrder.SortByKey(candidates, sortedKeys);

        Assert.Equal(expected, string.Join(",", candidates.Select(d => d.Index)));
        Assert.Equal(keys.Order(), sortedKeys);
    }

    [Theory]
    [InlineData(new[] { 0, 0, 0, 0, 0 })]
    [InlineData(new[] { 4, 3, 2, 1, 0 })]
    [InlineData(new[] { 1, 2, 3, 4, 9 })]
    [InlineData(new[] { 2, 2, 0, 1, 3 })]
    public void SortByKey_AnyHint_SameOrderAndHintUpdated(int[] hint)
    {
        Deployment[] candidates = Deployments[..5];
        double[] keys = [2, 1, 2, 0, 1];

        CandidateOrder.SortByKey(candidates, keys, hint);

        // Torn or stale hints only cost speed: the order is the stable sort by key.
        Assert.Equal("3,1,4,0,2", string.Join(",", candidates.Select(d => d.Index)));
        Assert.Equal([3, 1, 4, 0, 2], hint);
    }

    [Fact]
    public async Task SortByKey_HintRewrittenConcurrently_EveryOrderStillHoldsEachCandidateOnceSorted()
    {
        // Concurrent requests of one route share its hint; each writes the order it found while others read it.
        int[] hint = new int[6];
        int failures = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(600));
        Task[] workers = [.. Enumerable.Range(0, 4).Select(seed => Task.Run(() =>
        {
            var random = new Random(seed);
            while (!stop.IsCancellationRequested)
            {
                Deployment[] candidates = Deployments[..6];
                double[] keys = [.. Enumerable.Range(0, 6).Select(_ => (double)random.Next(3))];
                double[] expected = [.. keys.Order()];
                CandidateOrder.SortByKey(candidates, keys, hint);
                bool sorted = keys.SequenceEqual(expected);
                bool permutation = candidates.Select(d => d.Index).Order().SequenceEqual(Enumerable.Range(0, 6));
                if (!sorted || !permutation)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }))];

        await Task.WhenAll(workers);

        Assert.Equal(0, failures);
    }

    [Theory]
    [InlineData(9, 0, "0,1,2,3,4,5,6,7,8")]
    [InlineData(9, 1, "1,2,3,4,5,6,7,8,0")]
    [InlineData(9, 3, "3,4,5,6,7,8,0,1,2")]
    [InlineData(8, 6, "6,7,0,1,2,3,4,5")]
    [InlineData(5, 4, "4,0,1,2,3")]
    public void Rotate_ByOffset_ElementAtOffsetFirstThenWrapsAround(int count, int offset, string expected)
    {
        int[] items = [.. Enumerable.Range(0, count)];

        CandidateOrder.Rotate<int>(items, offset);

        Assert.Equal(expected, string.Join(",", items));
    }

    private static Deployment[] Build(int count)
    {
        var builder = new LlmRouterBuilder();
        for (int i = 0; i < count; i++)
        {
            builder.AddDeployment("d" + i, new ScriptedChatClient());
        }

        return ((LlmRouterClient)builder.Build()).Model.Deployments;
    }
}
