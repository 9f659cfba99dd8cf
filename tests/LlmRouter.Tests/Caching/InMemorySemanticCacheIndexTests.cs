namespace LlmRouter.Tests.Caching;

/// <summary>The built-in semantic index: nearest match by cosine, per fingerprint, expiry, and bounds with the least recently used evicted first.</summary>
public class InMemorySemanticCacheIndexTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Find_ReturnsTheNearestAboveTheThreshold_ItsCosine()
    {
        var index = new InMemorySemanticCacheIndex(100, long.MaxValue);
        await index.AddAsync("f", new float[] { 1, 0, 0 }, "x", Now.AddHours(1));
        await index.AddAsync("f", new float[] { 1, 1, 0 }, "xy", Now.AddHours(1));

        SemanticCacheMatch? match = await index.FindAsync("f", new float[] { 2, 0.2f, 0 }, 0.9, Now);
        SemanticCacheMatch? none = await index.FindAsync("f", new float[] { 0, 0, 1 }, 0.5, Now);

        Assert.Equal("x", match?.EntryKey);
        Assert.Equal(2 / Math.Sqrt(4.04), match!.Value.Similarity, 5);
        Assert.Null(none);
    }

    [Fact]
    public async Task Find_OtherFingerprint_NeverMatches()
    {
        var index = new InMemorySemanticCacheIndex(100, long.MaxValue);
        await index.AddAsync("f", new float[] { 1, 0 }, "x", Now.AddHours(1));

        Assert.Null(await index.FindAsync("g", new float[] { 1, 0 }, 0.5, Now));
    }

    [Fact]
    public async Task Find_ExpiredEntry_NeverMatchesAndIsDropped()
    {
        var index = new InMemorySemanticCacheIndex(100, long.MaxValue);
        await index.AddAsync("f", new float[] { 1, 0 }, "x", Now.AddMinutes(1));

        Assert.NotNull(await index.FindAsync("f", new float[] { 1, 0 }, 0.5, Now));
        Assert.Null(await index.FindAsync("f", new float[] { 1, 0 }, 0.5, Now.AddMinutes(1)));
        Assert.Equal(0, index.Count);
    }

    [Fact]
    public async Task Add_PastMaxEntries_EvictsTheLeastRecentlyUsed()
    {
        var index = new InMemorySemanticCacheIndex(2, long.MaxValue);
        await index.AddAsync("a", new float[] { 1, 0 }, "a", Now.AddHours(1));
        await index.AddAsync("b", new float[] { 1, 0 }, "b", Now.AddHours(1));
        Assert.NotNull(await index.FindAsync("a", new float[] { 1, 0 }, 0.5, Now));   // a is now the most recently used

        await index.AddAsync("c", new float[] { 1, 0 }, "c", Now.AddHours(1));

        Assert.Equal(2, index.Count);
        Assert.NotNull(await index.FindAsync("a", new float[] { 1, 0 }, 0.5, Now));
        Assert.Null(await index.FindAsync("b", new float[] { 1, 0 }, 0.5, Now));
        Assert.NotNull(await index.FindAsync("c", new float[] { 1, 0 }, 0.5, Now));
    }

    [Fact]
    public async Task Add_PastMaxBytes_EvictsTheLeastRecentlyUsed()
    {
        // Each entry of 1,024 dimensions holds at least 4 KiB; room for two.
        var index = new InMemorySemanticCacheIndex(100, 9_000);
        float[] vector = [.. Enumerable.Repeat(1f, 1024)];
        await index.AddAsync("a", vector, "a", Now.AddHours(1));
        await index.AddAsync("b", vector, "b", Now.AddHours(1));
        await index.AddAsync("c", vector, "c", Now.AddHours(1));

        Assert.Equal(2, index.Count);
        Assert.Null(await index.FindAsync("a", vector, 0.5, Now));
    }

    [Fact]
    public async Task Add_SameKey_ReplacesTheEntry()
    {
        var index = new InMemorySemanticCacheIndex(100, long.MaxValue);
        await index.AddAsync("f", new float[] { 1, 0 }, "x", Now.AddHours(1));
        await index.AddAsync("f", new float[] { 0, 1 }, "x", Now.AddHours(1));

        Assert.Equal(1, index.Count);
        Assert.Null(await index.FindAsync("f", new float[] { 1, 0 }, 0.5, Now));
    }

    [Fact]
    public async Task ZeroVector_IsNeitherAddedNorMatched()
    {
        var index = new InMemorySemanticCacheIndex(100, long.MaxValue);
        await index.AddAsync("f", new float[] { 0, 0 }, "x", Now.AddHours(1));

        Assert.Equal(0, index.Count);
        Assert.Null(await index.FindAsync("f", new float[] { 0, 0 }, 0.5, Now));
    }

    [Theory]
    [InlineData(0.97)]
    [InlineData(0.8)]
    [InlineData(0.3)]
    public async Task Find_ManyLongVectors_MatchesWhatComparingEveryWholeVectorFinds(double threshold)
    {
        // Entries of 1,536 dimensions: unrelated ones, and near copies of each query at several distances, some of which
        // differ only past the dimensions compared first.
        var random = new Random(7);
        var index = new InMemorySemanticCacheIndex(10_000, long.MaxValue);
        var stored = new List<(string Key, float[] Vector)>();
        float[][] queries = [.. Enumerable.Range(0, 20).Select(_ => Vector(random))];
        for (int i = 0; i < 400; i++)
        {
            float[] vector = i % 4 == 0 ? Vector(random) : Near(queries[i % queries.Length], random, noise: (i % 7) * 0.02, fromDimension: i % 3 == 0 ? 128 : 0);
            stored.Add(("k" + i, vector));
            await index.AddAsync("f", vector, "k" + i, Now.AddHours(1));
        }

        foreach (float[] query in queries)
        {
            (string Key, double Similarity) expected = stored
                .Select(e => (e.Key, Similarity: Cosine(query, e.Vector)))
                .OrderByDescending(e => e.Similarity)
                .First();

            SemanticCacheMatch? match = await index.FindAsync("f", query, threshold, Now);

            if (expected.Similarity >= threshold)
            {
                // Exact copies tie: any entry as similar as the best is the answer.
                Assert.NotNull(match);
                Assert.Equal(expected.Similarity, Cosine(query, stored.Single(e => e.Key == match.Value.EntryKey).Vector), 5);
                Assert.Equal(expected.Similarity, match.Value.Similarity, 4);
            }
            else
            {
                Assert.Null(match);
            }
        }
    }

    private static float[] Vector(Random random) => [.. Enumerable.Range(0, 1536).Select(_ => (float)((random.NextDouble() * 2) - 1))];

    /// <summary>A copy of <paramref name="vector"/> with uniform noise of up to <paramref name="noise"/> added from <paramref name="fromDimension"/> on.</summary>
    private static float[] Near(float[] vector, Random random, double noise, int fromDimension) =>
        [.. vector.Select((v, i) => i < fromDimension ? v : v + (float)(((random.NextDouble() * 2) - 1) * noise * 20))];

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += a[i] * (double)b[i];
            na += a[i] * (double)a[i];
            nb += b[i] * (double)b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }
}
