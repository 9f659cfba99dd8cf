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

    public int? ContextWindow { get; set; }

    public int? MaxOutputTokens { get; set; }

    public string[]? Capabilities { get; set; }

    public DateOnly? AsOf { get; set; }

    /// <summary>Where the facts come from; kept in the data for maintainers, not surfaced.</summary>
    public string? Source { get; set; }

    /// <summary>Pricing rules the flat price cannot express (long-prompt tiers, off-peak rates, scheduled changes).</summary>
    public string? Note { get; set; }
}

/// <summary>Source-generated metadata for <see cref="PriceCatalogDocument"/>: no reflection, trimming- and AOT-safe.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true)]
[JsonSerializable(typeof(PriceCatalogDocument))]
internal sealed partial class PricingJsonContext : JsonSerializerContext;
