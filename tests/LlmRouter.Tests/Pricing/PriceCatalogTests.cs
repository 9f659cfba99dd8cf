using System.Text;
using Microsoft.Extensions.AI;

namespace LlmRouter.Tests.Pricing;

public sealed class PriceCatalogTests
{
    private static readonly DateOnly Today = new(2026, 12, 1);

    [Fact]
    public void Default_EmbeddedCatalog_CoversAtLeast75ModelsOf14Providers()
    {
        PriceCatalog catalog = PriceCatalog.Default;

        Assert.True(catalog.Entries.Count >= 75, $"{catalog.Entries.Count} entries");
        Assert.True(catalog.Entries.Count(e => e.Price is not null) >= 70, "priced entries");
        Assert.True(catalog.Entries.Select(e => e.Provider).Distinct().Count() >= 14, "providers");
        foreach (string provider in new[] { "openai", "anthropic", "gcp.gemini", "deepseek", "mistral_ai", "qwen", "x_ai", "groq", "together", "fireworks", "cohere", "aws.bedrock", "moonshot", "zhipu", "minimax", "azure.ai.inference" })
        {
            Assert.Contains(catalog.Entries, e => e.Provider == provider);
        }
    }

    [Fact]
    public void Default_CalledTwice_ReturnsTheSameInstance()
    {
        Assert.Same(PriceCatalog.Default, PriceCatalog.Default);
    }

    [Fact]
    public void Default_EveryEntry_HasASourceDateAndConsistentFacts()
    {
        foreach (ModelCatalogEntry entry in PriceCatalog.Default.Entries)
        {
            Assert.InRange(entry.AsOf, new DateOnly(2025, 1, 1), Today);
            Assert.True(entry.Capabilities.HasFlag(ModelCapabilities.Streaming), entry.Model);
            Assert.True(entry.ContextWindow is null or >= 4_096, entry.Model);
            Assert.True(entry.MaxOutputTokens is null || entry.ContextWindow is null || entry.MaxOutputTokens <= entry.ContextWindow, entry.Model);
            foreach (ModelPrice price in entry.Price is { } standard ? [standard, .. standard.ServiceTiers.Values] : Array.Empty<ModelPrice>())
            {
                Assert.True(price.Input > 0 && price.Output > 0, entry.Model);
                Assert.True(price.CachedInput is null || price.CachedInput < price.Input, $"{entry.Model}: a cache read costs less than input");
                Assert.True(price.CacheWrite is null || price.CacheWrite >= price.Input, $"{entry.Model}: a cache write costs at least input");
                Assert.True(price.ExtendedCacheWrite is null || price.ExtendedCacheWrite >= price.CacheWrite, $"{entry.Model}: a longer-lived cache write costs at least a cache write");
                // Per-million prices: anything below a thousandth of a dollar per million tokens is a per-token price typed by mistake.
                Assert.True(price.Input >= 0.001m && price.Output < 1_000m, $"{entry.Model}: prices are per million tokens");
            }
        }
    }

    [Fact]
    public void Entries_CastBackToAList_CannotBeModified()
    {
        var entries = (IList<ModelCatalogEntry>)PriceCatalog.Default.Entries;

        Assert.True(entries.IsReadOnly);
        Assert.Throws<NotSupportedException>(() => entries.Add(entries[0]));
    }

    [Theory]
    [InlineData("gpt-4o-mini", "openai", 0.15, 0.60, 0.075, null)]
    [InlineData("gpt-6.1-sol", "openai", 2.00, 10.00, 0.10, 2.50)]
    [InlineData("claude-haiku-5-5", "anthropic", 0.10, 0.50, 0.01, 0.125)]
    [InlineData("claude-sonnet-5-5", "anthropic", 2.00, 10.00, 0.10, 2.50)]
    [InlineData("gemini-3.8-flash", "gcp.gemini", 0.75, 3.75, 0.075, null)]
    [InlineData("deepseek-flash", "deepseek", 0.30, 1.20, 0.006, null)]
    [InlineData("grok-4.7", "x_ai", 2.00, 6.00, 0.50, null)]
    [InlineData("command-r7b-12-2024", "cohere", 0.0375, 0.15, null, null)]
    [InlineData("amazon.nova-micro-v1:0", "aws.bedrock", 0.035, 0.14, null, null)]
    [InlineData("MiniMax-M3", "minimax", 0.30, 1.20, 0.06, null)]
    [InlineData("gpt-6.2-astra", "openai", 8.00, 40.00, 0.40, 10.00)]
    [InlineData("gpt-5.5-pro", "openai", 30.00, 180.00, null, null)]
    [InlineData("claude-opus-4-6", "anthropic", 5.00, 25.00, 0.50, 6.25)]
    [InlineData("claude-opus-4-7", "anthropic", 5.00, 25.00, 0.50, 6.25)]
    [InlineData("claude-opus-4-8", "anthropic", 5.00, 25.00, 0.50, 6.25)]
    [InlineData("claude-sonnet-4-6", "anthropic", 3.00, 15.00, 0.30, 3.75)]
    [InlineData("claude-sonnet-4-5", "anthropic", 3.00, 15.00, 0.30, 3.75)]
    [InlineData("gemini-4-carbon", "gcp.gemini", 2.00, 10.00, 0.10, null)]
    [InlineData("gemini-4-neon", "gcp.gemini", 3.00, 15.00, 0.15, null)]
    [InlineData("gemini-4-hydrogen", "gcp.gemini", 1.50, 7.50, 0.075, null)]
    [InlineData("gemini-2.5-flash", "gcp.gemini", 0.30, 2.50, 0.03, null)]
    [InlineData("gemini-2.5-flash-lite", "gcp.gemini", 0.10, 0.40, 0.01, null)]
    [InlineData("grok-4.6", "x_ai", 2.00, 6.00, 0.50, null)]
    [InlineData("qwen4-max", "qwen", 1.50, 4.50, 0.075, 1.875)]
    public void TryFind_ExactId_ReturnsThePublishedPrice(string model, string provider, double input, double output, double? cached, double? write)
    {
        Assert.True(PriceCatalog.Default.TryFind(model, provider, out ModelCatalogEntry? entry));

        Assert.Equal(model, entry.Model);
        Assert.Equal(provider, entry.Provider);
        ModelPrice price = Assert.IsType<ModelPrice>(entry.Price);
        Assert.Equal((decimal)input, price.Input);
        Assert.Equal((decimal)output, price.Output);
        Assert.Equal((decimal?)cached, price.CachedInput);
        Assert.Equal((decimal?)write, price.CacheWrite);
    }

    [Fact]
    public void Default_AnthropicModels_PriceOneHourCacheWritesAtTwiceInput()
    {
        ModelCatalogEntry[] claude = [.. PriceCatalog.Default.Entries.Where(e => e.Provider == "anthropic" && e.Price is not null)];

        Assert.NotEmpty(claude);
        Assert.All(claude, e => Assert.Equal((e.Model, e.Price!.Input * 2), (e.Model, e.Price.ExtendedCacheWrite!.Value)));
        Assert.All(claude, e => Assert.Equal((e.Model, e.Price!.Input * 1.25m), (e.Model, e.Price.CacheWrite!.Value)));
    }

    [Fact]
    public void TryFind_ExactId_ReturnsLimitsCapabilitiesAndDate()
    {
        Assert.True(PriceCatalog.Default.TryFind("claude-haiku-4-5", "anthropic", out ModelCatalogEntry? entry));

        Assert.Equal(200_000, entry.ContextWindow);
        Assert.Equal(64_000, entry.MaxOutputTokens);
        Assert.Equal(ModelCapabilities.Tools | ModelCapabilities.Vision | ModelCapabilities.JsonSchema | ModelCapabilities.Reasoning | ModelCapabilities.Streaming, entry.Capabilities);
        Assert.Equal(new DateOnly(2026, 10, 7), entry.AsOf);
        Assert.Equal("anthropic/claude-haiku-4-5 ($1.00 in, $5.00 out per 1M, as of 2026-10-07)", entry.ToString());
    }

    [Theory]
    [InlineData("GPT-4O-MINI")]
    [InlineData("  gpt-4o-mini  ")]
    [InlineData("gpt-4o-mini-2024-07-18")]
    [InlineData("GPT-4o-mini-2024-07-18")]
    [InlineData("openai/gpt-4o-mini")]
    [InlineData("openai/gpt-4o-mini-2024-07-18")]
    public void TryFind_CaseAliasAndPrefixVariants_FindTheSameEntry(string model)
    {
        Assert.True(PriceCatalog.Default.TryFind(model, "openai", out ModelCatalogEntry? entry));

        Assert.Equal("gpt-4o-mini", entry.Model);
    }

    [Theory]
    [InlineData("gpt-6.2-sol-2026-11-17", "gpt-6.2-sol")]
    [InlineData("claude-sonnet-5-5-20260928", "claude-sonnet-5-5")]
    [InlineData("claude-sonnet-5-5@20260928", "claude-sonnet-5-5")]
    [InlineData("deepseek-v4-pro-0813", "deepseek-v4-pro")]
    [InlineData("grok-4.7-latest", "grok-4.7")]
    [InlineData("models/gemini-3.8-flash", "gemini-3.8-flash")]
    [InlineData("anthropic/claude-opus-5-5", "claude-opus-5-5")]
    [InlineData("us.amazon.nova-pro-v1:0", "amazon.nova-pro-v1:0")]
    [InlineData("global.amazon.nova-2-lite-v1:0", "amazon.nova-2-lite-v1:0")]
    [InlineData("deepseek-v4-flash", "deepseek-flash")]
    public void TryFind_UnlistedSnapshotOrHostSpelling_FallsBackToTheModel(string model, string expected)
    {
        Assert.True(PriceCatalog.Default.TryFind(model, provider: null, out ModelCatalogEntry? entry));

        Assert.Equal(expected, entry.Model);
    }

    [Theory]
    [InlineData("groq", "llama-3.3-70b-versatile", 0.59, 0.79)]
    [InlineData("together", "meta-llama/Llama-3.3-70B-Instruct-Turbo", 0.88, 0.88)]
    [InlineData("fireworks", "accounts/fireworks/models/llama-v3p3-70b-instruct", 0.90, 0.90)]
    [InlineData("FIREWORKS", "accounts/fireworks/models/llama-v3p3-70b-instruct", 0.90, 0.90)]
    public void TryFind_SameModelOnSeveralHosts_ProviderSelectsTheHostsPrice(string provider, string expectedId, double input, double output)
    {
        Assert.True(PriceCatalog.Default.TryFind("meta-llama/Llama-3.3-70B-Instruct", provider, out ModelCatalogEntry? entry));

        Assert.Equal(expectedId, entry.Model);
        Assert.Equal((decimal)input, entry.Price!.Input);
        Assert.Equal((decimal)output, entry.Price.Output);
    }

    [Fact]
    public void TryFind_SameModelOnSeveralHostsWithoutProvider_ReturnsFalseRatherThanGuess()
    {
        Assert.False(PriceCatalog.Default.TryFind("llama-3.3-70b-instruct", provider: null, out ModelCatalogEntry? entry));
        Assert.Null(entry);
    }

    [Fact]
    public void TryFind_HostSpecificId_NeedsNoProvider()
    {
        Assert.True(PriceCatalog.Default.TryFind("meta-llama/Llama-3.3-70B-Instruct-Turbo", provider: null, out ModelCatalogEntry? entry));

        Assert.Equal("together", entry.Provider);
    }

    [Theory]
    [InlineData("gpt-6-sol", "anthropic")]
    [InlineData("llama-3.3-70b-instruct", "deepinfra")]
    [InlineData("no-such-model", null)]
    [InlineData("no-such-model-2026-01-01", "openai")]
    [InlineData("", null)]
    [InlineData("   ", null)]
    [InlineData("openai/", "openai")]
    [InlineData("-0813", null)]
    public void TryFind_NoEntryForNameAndProvider_ReturnsFalse(string model, string? provider)
    {
        Assert.False(PriceCatalog.Default.TryFind(model, provider, out ModelCatalogEntry? entry));
        Assert.Null(entry);
    }

    [Fact]
    public void TryFind_NullModel_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => PriceCatalog.Default.TryFind(null!, null, out _));
    }

    [Fact]
    public void TryFind_EntryWithoutPublishedPrice_IsFoundWithNullPrice()
    {
        Assert.True(PriceCatalog.Default.TryFind("qwen3.7-max", "qwen", out ModelCatalogEntry? entry));

        Assert.Null(entry.Price);
        Assert.Equal(1_000_000, entry.ContextWindow);
        Assert.EndsWith("(no price, as of 2026-05-22)", entry.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TryFind_Hits_DoNotAllocate()
    {
        PriceCatalog catalog = PriceCatalog.Default;
        string[] models = ["gpt-4o-mini", "GPT-4O-MINI-2024-07-18", "openai/gpt-6-sol", "claude-sonnet-5-5@20260928", "us.amazon.nova-pro-v1:0", "llama-3.3-70b-instruct"];
        string?[] providers = ["openai", "openai", null, "anthropic", "aws.bedrock", "fireworks"];
        for (int i = 0; i < models.Length; i++)
        {
            Assert.True(catalog.TryFind(models[i], providers[i], out _), models[i]);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int round = 0; round < 100; round++)
        {
            for (int i = 0; i < models.Length; i++)
            {
                catalog.TryFind(models[i], providers[i], out _);
            }
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Load_EntryWithoutPrice_HasNullPriceAndKeepsOtherFacts()
    {
        PriceCatalog catalog = Load("""{"models":[{"model":"m","provider":"p","contextWindow":8192,"capabilities":["tools","streaming"],"asOf":"2026-01-02"}]}""");

        ModelCatalogEntry entry = Assert.Single(catalog.Entries);
        Assert.Null(entry.Price);
        Assert.Equal(8192, entry.ContextWindow);
        Assert.Null(entry.MaxOutputTokens);
        Assert.Equal(ModelCapabilities.Tools | ModelCapabilities.Streaming, entry.Capabilities);
        Assert.Empty(entry.Aliases);
    }

    [Fact]
    public void Load_PricesWithManyDecimals_KeepsThemExactly()
    {
        PriceCatalog catalog = Load("""{"models":[{"model":"m","provider":"p","input":0.003625,"output":0.87,"cachedInput":0.0000001,"reasoningOutput":1.1,"asOf":"2026-01-02"}]}""");

        ModelPrice price = catalog.Entries[0].Price!;
        Assert.Equal(0.003625m, price.Input);
        Assert.Equal(0.0000001m, price.CachedInput);
        Assert.Equal(1.1m, price.ReasoningOutput);
        Assert.Null(price.CacheWrite);
    }

    [Theory]
    [InlineData("""{"models":[{"provider":"p","asOf":"2026-01-02"}]}""", "entry 0 ((no model)): 'model' is required")]
    [InlineData("""{"models":[{"model":"m","asOf":"2026-01-02"}]}""", "entry 0 (m): 'provider' is required")]
    [InlineData("""{"models":[{"model":"m","provider":"p"}]}""", "entry 0 (m): 'asOf'")]
    [InlineData("""{"models":[{"model":"m","provider":"p","input":1,"asOf":"2026-01-02"}]}""", "entry 0 (m): 'input' and 'output' are both required")]
    [InlineData("""{"models":[{"model":"m","provider":"p","cachedInput":1,"asOf":"2026-01-02"}]}""", "entry 0 (m): 'input' and 'output' are both required")]
    [InlineData("""{"models":[{"model":"m","provider":"p","input":-1,"output":1,"asOf":"2026-01-02"}]}""", "entry 0 (m): price.Input must be at least 0 USD per million tokens")]
    [InlineData("""{"models":[{"model":"m","provider":"p","contextWindow":0,"asOf":"2026-01-02"}]}""", "entry 0 (m): 'contextWindow' and 'maxOutputTokens' must be positive")]
    [InlineData("""{"models":[{"model":"m","provider":"p","capabilities":["telepathy"],"asOf":"2026-01-02"}]}""", "unknown capability 'telepathy' (valid: tools, vision, jsonSchema, reasoning, streaming)")]
    [InlineData("""{"models":[{"model":"m","provider":"p","aliases":[" "],"asOf":"2026-01-02"}]}""", "entry 0 (m): aliases must not be empty")]
    [InlineData("""{"models":[{"model":"a","provider":"p","asOf":"2026-01-02"},{"model":"b","provider":"P","aliases":["A"],"asOf":"2026-01-02"}]}""", "names 'A' twice for provider 'P' (a and b)")]
    [InlineData("""{"models":[{"model":"m","provider":"p","input":1,"output":2,"serviceTiers":{"flex":{"input":0.5}},"asOf":"2026-01-02"}]}""", "entry 0 (m): service tier 'flex' needs 'input' and 'output'")]
    [InlineData("""{"models":[{"model":"m","provider":"p","input":1,"output":2,"serviceTiers":{"default":{"input":1,"output":2}},"asOf":"2026-01-02"}]}""", "price.ServiceTiers['default']: 'default' is the provider's standard tier")]
    [InlineData("""{"models":[{"model":"m","provider":"p","serviceTiers":{"flex":{"input":1,"output":2}},"asOf":"2026-01-02"}]}""", "entry 0 (m): 'input' and 'output' are both required")]
    [InlineData("""{"models":[]}""", "has no 'models'")]
    [InlineData("""{"models":[{"model":""", "not valid JSON")]
    public void Load_InvalidCatalog_ThrowsNamingTheProblem(string json, string expected)
    {
        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => Load(json));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SameNameForDifferentProviders_IsAllowedAndResolvedByProvider()
    {
        PriceCatalog catalog = Load("""
            {"models":[
              {"model":"x-on-a","provider":"a","aliases":["x"],"input":1,"output":2,"asOf":"2026-01-02"},
              {"model":"x-on-b","provider":"b","aliases":["x"],"input":3,"output":4,"asOf":"2026-01-02"}
            ]}
            """);

        Assert.True(catalog.TryFind("x", "b", out ModelCatalogEntry? entry));
        Assert.Equal("x-on-b", entry.Model);
        Assert.False(catalog.TryFind("x", null, out _));
    }

    [Theory]
    [InlineData("deepseek-chat")]
    [InlineData("deepseek-reasoner")]
    public void TryFind_DeepSeeksLegacyNames_FindV4Flash(string model)
    {
        Assert.True(PriceCatalog.Default.TryFind(model, "deepseek", out ModelCatalogEntry? entry));

        Assert.Equal("deepseek-flash", entry.Model);
    }

    [Fact]
    public void Load_AliasEqualToTheModelId_IsIndexedOnce()
    {
        PriceCatalog catalog = Load("""{"models":[{"model":"m","provider":"p","aliases":["M"],"asOf":"2026-01-02"}]}""");

        Assert.True(catalog.TryFind("m", null, out _));
    }

    /// <summary>
    /// Providers that publish a cache-read price for their current models: a row of theirs without one bills cached tokens at the
    /// full input price, about ten times too much.
    /// </summary>
    private static readonly HashSet<string> ProvidersWithCachedPricing = new(StringComparer.OrdinalIgnoreCase)
    {
        "openai", "anthropic", "gcp.gemini", "x_ai", "deepseek", "moonshot", "minimax",
    };

    /// <summary>Rows of those providers whose cached price no stored copy of the provider's own pages gave; each says why.</summary>
    private static readonly Dictionary<string, string> CachedPriceNotFound = new(StringComparer.OrdinalIgnoreCase)
    {
        ["gpt-5.5-pro"] =
            "None exists: OpenAI's pricing page lists no cached price for it (its cached column empty in the 2026-09-13 scrape of the page " +
            "in github.com/anuran-roy/unified-llm-pricing, as for the other pro models), so cached tokens bill as input; Vercel's gateway and " +
            "benchr agree, one reseller's 3.00 is its own.",
        ["kimi-k2.6"] = "No USD price at all was found (the entry has no price).",
    };

    [Fact]
    public void EmbeddedRows_EveryRow_HasASourceAndTheDateItWasRead()
    {
        List<PriceCatalogModel> rows = EmbeddedRows();

        string[] missing = [.. rows.Where(r => string.IsNullOrWhiteSpace(r.Source) || r.AsOf is null).Select(r => $"{r.Provider}/{r.Model}")];

        Assert.True(missing.Length == 0, $"Rows without a source or an asOf date: {string.Join(", ", missing)}");
    }

    [Fact]
    public void EmbeddedRows_ProviderPublishesCachedPrices_EveryPricedRowHasOne()
    {
        List<PriceCatalogModel> rows = EmbeddedRows();

        string[] missing =
        [
            .. rows.Where(r => ProvidersWithCachedPricing.Contains(r.Provider!) && r.Input is not null && r.CachedInput is null && !CachedPriceNotFound.ContainsKey(r.Model!))
                .Select(r => $"{r.Provider}/{r.Model}"),
        ];
        string[] stale = [.. CachedPriceNotFound.Keys.Where(m => rows.Any(r => r.Model == m && r.CachedInput is not null))];

        Assert.True(missing.Length == 0, $"Rows of providers with cached pricing but no cachedInput: {string.Join(", ", missing)}");
        Assert.True(stale.Length == 0, $"Listed as lacking a cached price but have one; remove them from the list: {string.Join(", ", stale)}");
    }

    [Fact]
    public void EmbeddedRows_Tiers_HaveExactlyOneThresholdAndCachedPricesWhereTheRowHasOne()
    {
        var problems = new List<string>();
        foreach (PriceCatalogModel row in EmbeddedRows())
        {
            foreach (PriceCatalogTier tier in row.Tiers ?? [])
            {
                if ((tier.Above is null) == (tier.From is null))
                {
                    problems.Add($"{row.Model}: a tier needs exactly one of 'above' and 'from'");
                }

                if (row.CachedInput is not null && tier.CachedInput is null)
                {
                    problems.Add($"{row.Model}: the row has a cached price, its tier above {tier.Above}{tier.From} none");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void EmbeddedRows_ServiceTiers_HaveASourceTheRowsCachedPricingAndItsThresholds()
    {
        var problems = new List<string>();
        int tiers = 0;
        foreach (PriceCatalogModel row in EmbeddedRows())
        {
            foreach ((string name, PriceCatalogServiceTier tier) in row.ServiceTiers ?? [])
            {
                tiers++;
                if (string.IsNullOrWhiteSpace(tier.Source))
                {
                    problems.Add($"{row.Model} {name}: no source");
                }

                if ((row.CachedInput is null) != (tier.CachedInput is null) || (row.CacheWrite is null) != (tier.CacheWrite is null))
                {
                    problems.Add($"{row.Model} {name}: cache prices differ in kind from the row's (cached {row.CachedInput}/{tier.CachedInput}, write {row.CacheWrite}/{tier.CacheWrite})");
                }

                if (!(row.Tiers ?? []).Select(t => (t.Above, t.From)).SequenceEqual((tier.Tiers ?? []).Select(t => (t.Above, t.From))))
                {
                    problems.Add($"{row.Model} {name}: long-prompt thresholds differ from the row's");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        Assert.True(tiers >= 10, $"Only {tiers} service tiers in the catalog.");
    }

    [Theory]
    [InlineData("gpt-6-astra", "flex", 100_000, 0.75)]              // 100K × 5 + 10K × 25
    [InlineData("gpt-6-astra", "flex", 300_000, 3.375)]             // above 272K: 300K × 10 + 10K × 37.50
    [InlineData("gpt-6-astra", "priority", 100_000, 3.00)]          // 100K × 20 + 10K × 100
    [InlineData("gpt-6-astra", "fast", 300_000, 13.50)]             // fast is priority: 300K × 40 + 10K × 150
    [InlineData("gpt-6-astra", "default", 100_000, 1.50)]           // 100K × 10 + 10K × 50
    [InlineData("gpt-6.2-sol", "fast", 300_000, 2.70)]              // 300K × 8 + 10K × 30
    [InlineData("gpt-5.5", "priority", 100_000, 2.00)]              // 100K × 12.50 + 10K × 75
    [InlineData("gpt-5.5", "flex", 100_000, 0.40)]                  // 100K × 2.50 + 10K × 15
    [InlineData("gpt-4o-mini", "priority", 100_000, 0.035)]         // 100K × 0.25 + 10K × 1.00
    [InlineData("gemini-4-hydrogen", "flex", 100_000, 0.1125)]      // 100K × 0.75 + 10K × 3.75
    public void Default_ServiceTierPrices_BillTheTiersRates(string model, string serviceTier, long promptTokens, decimal cost)
    {
        Assert.True(PriceCatalog.Default.TryFind(model, null, out ModelCatalogEntry? entry));
        var usage = new Microsoft.Extensions.AI.UsageDetails { InputTokenCount = promptTokens, OutputTokenCount = 10_000 };

        Assert.Equal(cost, CostCalculator.Calculate(usage, entry.Price!.ForServiceTier(serviceTier)));
    }

    [Fact]
    public void Default_LongContextTiers_AreThoseTheProvidersPublish()
    {
        Assert.Equal(272_001, Tier("gpt-6.2-sol").MinPromptTokens);
        Assert.Equal(272_001, Tier("gpt-6.1-sol").MinPromptTokens);
        Assert.Equal(272_001, Tier("gpt-6-astra").MinPromptTokens);
        Assert.Equal(272_001, Tier("gpt-6.2-astra").MinPromptTokens);
        Assert.Equal(272_001, Tier("gpt-5.5-pro").MinPromptTokens);
        Assert.Equal(100_001, Tier("claude-haiku-5-5").MinPromptTokens);
        Assert.Equal(200_001, Tier("gemini-2.5-pro").MinPromptTokens);
        Assert.Equal(200_001, Tier("gemini-3.1-pro-preview").MinPromptTokens);
        Assert.Equal(200_000, Tier("grok-4.7").MinPromptTokens);
        Assert.Equal(200_000, Tier("grok-4.20").MinPromptTokens);
        Assert.Equal(204_801, Tier("grok-4.6").MinPromptTokens);
        Assert.Equal((4.00m, 1.00m, 12.00m), (Tier("grok-4.6").Input, Tier("grok-4.6").CachedInput!.Value, Tier("grok-4.6").Output));
        Assert.Equal(204_801, Tier("grok-4.5").MinPromptTokens);
        Assert.Equal((4.00m, 1.00m, 12.00m), (Tier("grok-4.5").Input, Tier("grok-4.5").CachedInput!.Value, Tier("grok-4.5").Output));
        Assert.Equal(204_801, Tier("grok-4.3").MinPromptTokens);
        Assert.Equal((2.50m, 0.40m, 5.00m), (Tier("grok-4.3").Input, Tier("grok-4.3").CachedInput!.Value, Tier("grok-4.3").Output));
        Assert.Equal((0.40m, 0.20m), (Tier("gemini-3.1-pro-preview").CachedInput!.Value, PriceCatalog.Default.TryFind("gemini-3.1-pro-preview", null, out ModelCatalogEntry? gemini) ? gemini.Price!.CachedInput!.Value : 0m));
        Assert.Equal((0.50m, 0.05m, 0.625m, 2.50m), (Tier("claude-haiku-5-5").Input, Tier("claude-haiku-5-5").CachedInput!.Value, Tier("claude-haiku-5-5").CacheWrite!.Value, Tier("claude-haiku-5-5").Output));

        static PriceTier Tier(string model) =>
            Assert.Single(Assert.IsType<ModelCatalogEntry>(PriceCatalog.Default.TryFind(model, null, out ModelCatalogEntry? entry) ? entry : null).Price!.Tiers);
    }

    [Theory]
    [InlineData("gpt-6.2-astra", 272_000, 2.216)]
    [InlineData("gpt-6.2-astra", 272_001, 4.412016)]
    [InlineData("gpt-5.5-pro", 272_000, 8.34)]
    [InlineData("gpt-5.5-pro", 272_001, 16.59006)]
    [InlineData("grok-4.6", 204_800, 0.4156)]           // 204,800 × 2 + 1,000 × 6
    [InlineData("grok-4.6", 204_801, 0.831204)]         // 204,801 × 4 + 1,000 × 12
    [InlineData("grok-4.5", 204_800, 0.4156)]           // 204,800 × 2 + 1,000 × 6
    [InlineData("grok-4.5", 204_801, 0.831204)]         // 204,801 × 4 + 1,000 × 12
    [InlineData("grok-4.3", 204_800, 0.2585)]           // 204,800 × 1.25 + 1,000 × 2.5
    [InlineData("grok-4.3", 204_801, 0.5170025)]        // 204,801 × 2.5 + 1,000 × 5
    public void Calculate_AddedModelsAtTheLongContextThreshold_BillTheTierOnlyAboveIt(string model, long promptTokens, double expected)
    {
        Assert.True(PriceCatalog.Default.TryFind(model, null, out ModelCatalogEntry? entry));

        decimal cost = CostCalculator.Calculate(new UsageDetails { InputTokenCount = promptTokens, OutputTokenCount = 1_000 }, entry.Price!);

        Assert.Equal((decimal)expected, cost);
    }

    [Fact]
    public void Calculate_GptAstraAboveTheThreshold_BillsCacheReadsAndWritesAtTheTiersRates()
    {
        Assert.True(PriceCatalog.Default.TryFind("gpt-6.2-astra", "openai", out ModelCatalogEntry? entry));
        var usage = new UsageDetails
        {
            InputTokenCount = 300_000,
            CachedInputTokenCount = 200_000,
            OutputTokenCount = 0,
            AdditionalCounts = new AdditionalPropertiesDictionary<long> { ["CacheWriteInputTokenCount"] = 50_000 },
        };

        // 50,000 uncached at 16.00, 200,000 cache reads at 0.80, 50,000 cache writes at 20.00.
        Assert.Equal(0.8m + 0.16m + 1.0m, CostCalculator.Calculate(usage, entry.Price!));
    }

    [Fact]
    public void Calculate_GeminiCarbonAcrossDecemberFirst_BillsTheLaunchPriceThenTheListPrice()
    {
        Assert.True(PriceCatalog.Default.TryFind("gemini-4-carbon", "gcp.gemini", out ModelCatalogEntry? entry));
        var usage = new UsageDetails { InputTokenCount = 2_000_000, CachedInputTokenCount = 1_000_000, OutputTokenCount = 100_000 };

        // 1M uncached, 1M cache reads and 100K output: 2.00 + 0.10 + 1.00 through November, twice that from December.
        Assert.Equal(3.10m, CostCalculator.Calculate(usage, entry.Price!, new DateTimeOffset(2026, 11, 30, 23, 59, 59, TimeSpan.Zero)));
        Assert.Equal(6.20m, CostCalculator.Calculate(usage, entry.Price!, new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero)));
        Assert.Equal((4.00m, 0.20m, 20.00m), (entry.Price!.Then!.Input, entry.Price.Then.CachedInput!.Value, entry.Price.Then.Output));
    }

    [Fact]
    public void TryFind_ClaudeSonnet45DatedId_FindsTheModel()
    {
        Assert.True(PriceCatalog.Default.TryFind("claude-sonnet-4-5-20250929", "anthropic", out ModelCatalogEntry? entry));

        Assert.Equal("claude-sonnet-4-5", entry.Model);
        Assert.Equal((200_000, 64_000), (entry.ContextWindow, entry.MaxOutputTokens));
    }

    [Fact]
    public void Load_DatedRows_BecomeOneEntryWhosePriceChangesOnTheDate()
    {
        PriceCatalog catalog = Load("""
            {"models":[
              {"model":"m","provider":"p","input":1,"output":2,"until":"2026-12-01","asOf":"2026-10-01","source":"s"},
              {"model":"m","provider":"p","effectiveFrom":"2026-12-01","input":3,"output":4,"asOf":"2026-11-01","source":"s"}]}
            """);

        ModelCatalogEntry entry = Assert.Single(catalog.Entries);
        Assert.Equal(new DateOnly(2026, 11, 1), entry.AsOf);
        Assert.Equal(1m, entry.Price!.At(new DateTimeOffset(2026, 11, 30, 23, 59, 59, TimeSpan.Zero)).Input);
        Assert.Equal(3m, entry.Price.At(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero)).Input);
    }

    [Theory]
    [InlineData("""{"model":"m","provider":"p","input":1,"output":2,"until":"2026-11-01","asOf":"2026-10-01"},{"model":"m","provider":"p","effectiveFrom":"2026-12-01","input":3,"output":4,"asOf":"2026-11-01"}""", "'until' must be the 'effectiveFrom' of the model's next row (2026-12-01)")]
    [InlineData("""{"model":"m","provider":"p","input":1,"output":2,"asOf":"2026-10-01"},{"model":"m","provider":"p","input":3,"output":4,"asOf":"2026-11-01"}""", "needs 'effectiveFrom' on every row but the first")]
    [InlineData("""{"model":"m","provider":"p","input":1,"output":2,"until":"2026-12-01","asOf":"2026-10-01"},{"model":"m","provider":"p","effectiveFrom":"2026-12-01","until":"2027-01-01","input":3,"output":4,"asOf":"2026-11-01"}""", "the model's last row must not end")]
    [InlineData("""{"model":"m","provider":"p","input":1,"output":2,"tiers":[{"above":10,"from":10,"input":2,"output":3}],"asOf":"2026-10-01"}""", "must set exactly one of AbovePromptTokens")]
    public void Load_BadDatedRowsOrTiers_FailsSayingWhy(string rows, string expected)
    {
        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => Load($$"""{"models":[{{rows}}]}"""));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    private static List<PriceCatalogModel> EmbeddedRows()
    {
        using Stream stream = typeof(PriceCatalog).Assembly.GetManifestResourceStream(PriceCatalog.ResourceName)!;
        return System.Text.Json.JsonSerializer.Deserialize(stream, PricingJsonContext.Default.PriceCatalogDocument)!.Models!;
    }

    private static PriceCatalog Load(string json)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(json));
        return PriceCatalog.Load(stream);
    }
}
