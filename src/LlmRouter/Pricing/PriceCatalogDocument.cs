using System.Text.Json.Serialization;

namespace LlmRouter;

/// <summary>The embedded <c>price-catalog.json</c> as written: a list of models.</summary>
internal sealed class PriceCatalogDocument
{
    public List<PriceCatalogModel>? Models { get; set; }
}

/// <summary>One model of <c>price-catalog.json</c>; prices in USD per million tokens.</summary>
internal sealed class PriceCatalogModel
{
    public string? Model { get; set; }

    public string? Provider { get; set; }

    public string[]? Aliases { get; set; }

    public decimal? Input { get; set; }

    public decimal? CachedInput { get; set; }

    public decimal? CacheWrite { get; set; }

    public decimal? ExtendedCacheWrite { get; set; }

    public decimal? Output { get; set; }

    public decimal? ReasoningOutput { get; set; }

    /// <summary>Long-prompt tiers, smallest threshold first.</summary>
    public List<PriceCatalogTier>? Tiers { get; set; }

    /// <summary>The prices of the provider's other service tiers (flex, priority), by the name its <c>service_tier</c> uses.</summary>
    public Dictionary<string, PriceCatalogServiceTier>? ServiceTiers { get; set; }

    /// <summary>The first day (UTC) this row's price applies; absent on a model's first or only row.</summary>
    public DateOnly? EffectiveFrom { get; set; }

    /// <summary>The day (UTC) from which this row's price no longer applies; the model's next row starts that day.</summary>
    public DateOnly? Until { get; set; }

    public int? ContextWindow { get; set; }

    public int? MaxOutputTokens { get; set; }

    public string[]? Capabilities { get; set; }

    public DateOnly? AsOf { get; set; }

    /// <summary>Where the facts come from; kept in the data for maintainers, not surfaced.</summary>
    public string? Source { get; set; }

    /// <summary>Pricing rules the flat price cannot express (long-prompt tiers, off-peak rates, scheduled changes).</summary>
    public string? Note { get; set; }
}

/// <summary>One long-prompt tier of a <see cref="PriceCatalogModel"/>: exactly one threshold, and prices in USD per million tokens.</summary>
internal sealed class PriceCatalogTier
{
    /// <summary>The tier applies to prompts of more tokens than this ("above 200K").</summary>
    public long? Above { get; set; }

    /// <summary>The tier applies to prompts of this many tokens or more ("200K and above").</summary>
    public long? From { get; set; }

    public decimal? Input { get; set; }

    public decimal? CachedInput { get; set; }

    public decimal? CacheWrite { get; set; }

    public decimal? ExtendedCacheWrite { get; set; }

    public decimal? Output { get; set; }

    public decimal? ReasoningOutput { get; set; }
}

/// <summary>One service tier of a <see cref="PriceCatalogModel"/>: its prices in USD per million tokens, its own long-prompt tiers, and where they come from.</summary>
internal sealed class PriceCatalogServiceTier
{
    public decimal? Input { get; set; }

    public decimal? CachedInput { get; set; }

    public decimal? CacheWrite { get; set; }

    public decimal? Output { get; set; }

    /// <summary>Long-prompt tiers of this service tier, smallest threshold first.</summary>
    public List<PriceCatalogTier>? Tiers { get; set; }

    /// <summary>Where these prices come from, when not the row's own source; kept in the data for maintainers, not surfaced.</summary>
    public string? Source { get; set; }
}

/// <summary>Source-generated metadata for <see cref="PriceCatalogDocument"/>: no reflection, trimming- and AOT-safe.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true)]
[JsonSerializable(typeof(PriceCatalogDocument))]
internal sealed partial class PricingJsonContext : JsonSerializerContext;
