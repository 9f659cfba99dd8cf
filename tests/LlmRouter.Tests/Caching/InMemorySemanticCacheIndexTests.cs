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
}
