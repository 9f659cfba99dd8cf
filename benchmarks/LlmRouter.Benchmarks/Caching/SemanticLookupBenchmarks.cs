using BenchmarkDotNet.Attributes;

namespace LlmRouter.Benchmarks;

/// <summary>
/// A semantic lookup in the built-in index: 10,000 entries of 1,536 dimensions (a common embedding size) under one fingerprint,
/// the worst case, since a lookup scans only the entries of its request's fingerprint. Seeded random vectors; the query matches
/// none of them, so every entry is compared.
/// </summary>
[MemoryDiagnoser]
public class SemanticLookupBenchmarks
{
    private const int Dimensions = 1536;
    private readonly DateTimeOffset _now = DateTimeOffset.UnixEpoch;
    private InMemorySemanticCacheIndex _index = null!;
    private float[] _query = null!;

    [Params(1_000, 10_000)]
    public int Entries { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _index = new InMemorySemanticCacheIndex(Entries, long.MaxValue);
        for (int i = 0; i < Entries; i++)
        {
            _index.AddAsync("fingerprint", Vector(random), "key-" + i, _now.AddHours(1)).GetAwaiter().GetResult();
        }

        _query = Vector(random);
    }

    [Benchmark]
    public ValueTask<SemanticCacheMatch?> Lookup() => _index.FindAsync("fingerprint", _query, 0.97, _now);

    private static float[] Vector(Random random)
    {
        float[] vector = new float[Dimensions];
        for (int i = 0; i < vector.Length; i++)
        {
            vector[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return vector;
    }
}
