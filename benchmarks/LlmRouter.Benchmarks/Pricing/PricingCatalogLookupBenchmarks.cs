using BenchmarkDotNet.Attributes;

namespace LlmRouter.Benchmarks;

/// <summary>
/// <see cref="PriceCatalog.TryFind"/> against a plain ordinal dictionary of prices (the baseline): an exact id, a prefixed
/// dated snapshot that needs both fallbacks, and a model several hosts sell, told apart by provider.
/// </summary>
[MemoryDiagnoser]
public class PricingCatalogLookupBenchmarks
{
    private readonly Dictionary<string, ModelPrice> _direct = new(StringComparer.Ordinal);
    private PriceCatalog _catalog = null!;

    [GlobalSetup]
    public void Setup()
    {
        _catalog = PriceCatalog.Default;
        foreach (ModelCatalogEntry entry in _catalog.Entries)
        {
            if (entry.Price is { } price)
            {
                _direct[entry.Model] = price;
            }
        }
    }

    [Benchmark(Baseline = true)]
    public ModelPrice? DictionaryExact() => _direct.TryGetValue("gpt-4o-mini", out ModelPrice? price) ? price : null;

    [Benchmark]
    public ModelCatalogEntry? CatalogExact() => _catalog.TryFind("gpt-4o-mini", "openai", out ModelCatalogEntry? entry) ? entry : null;

    [Benchmark]
    public ModelCatalogEntry? CatalogPrefixedSnapshot() => _catalog.TryFind("openai/gpt-6.2-sol-2026-11-17", "openai", out ModelCatalogEntry? entry) ? entry : null;

    [Benchmark]
    public ModelCatalogEntry? CatalogHostByProvider() => _catalog.TryFind("meta-llama/Llama-3.3-70B-Instruct", "fireworks", out ModelCatalogEntry? entry) ? entry : null;
}
