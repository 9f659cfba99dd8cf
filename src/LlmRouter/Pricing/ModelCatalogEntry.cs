using System.Collections.ObjectModel;
using System.Globalization;

namespace LlmRouter;

/// <summary>
/// One model in a <see cref="PriceCatalog"/>: its id and aliases, provider, price in USD per million tokens, limits,
/// capabilities and the date of the public source the facts were taken from.
/// </summary>
/// <remarks>
/// Immutable and safe to share between threads. A fact the catalog's sources did not state is <see langword="null"/>
/// rather than guessed.
/// </remarks>
public sealed class ModelCatalogEntry
{
    internal ModelCatalogEntry(
        string model,
        string provider,
        IReadOnlyList<string> aliases,
        ModelPrice? price,
        int? contextWindow,
        int? maxOutputTokens,
        ModelCapabilities capabilities,
        DateOnly asOf)
    {
        Model = model;
        Provider = provider;
        Aliases = aliases.Count == 0 ? [] : new ReadOnlyCollection<string>([.. aliases]);
        Price = price;
        ContextWindow = contextWindow;
        MaxOutputTokens = maxOutputTokens;
        Capabilities = capabilities;
        AsOf = asOf;
    }

    /// <summary>Gets the model id the provider's API takes, for example <c>gpt-6.1-sol</c> or <c>claude-sonnet-5-5</c>.</summary>
    public string Model { get; }

    /// <summary>
    /// Gets the provider that sells the model at <see cref="Price"/>, named as <c>ChatClientMetadata.ProviderName</c> names it
    /// (OpenTelemetry GenAI names where one exists: <c>openai</c>, <c>anthropic</c>, <c>gcp.gemini</c>, <c>aws.bedrock</c>, …).
    /// </summary>
    public string Provider { get; }

    /// <summary>
    /// Gets the other names the same model is called by: dated snapshots (<c>gpt-4o-mini-2024-07-18</c>), host-specific ids
    /// (<c>meta-llama/Llama-3.3-70B-Instruct</c>) and short names. Empty when there are none.
    /// </summary>
    public IReadOnlyList<string> Aliases { get; }

    /// <summary>
    /// Gets the list price in USD per million tokens for the provider's standard (not batch, not priority) tier, or
    /// <see langword="null"/> when no public price was found.
    /// </summary>
    /// <remarks>
    /// Where a provider charges more for long prompts, the price has <see cref="ModelPrice.Tiers"/>; where a price change is
    /// announced for a known date, the price schedules it (<see cref="ModelPrice.At"/> gives the price in force at a time). Rates
    /// by time of day (off-peak discounts) are not modelled: the price is the peak one, and the catalog's source data notes the rule.
    /// </remarks>
    public ModelPrice? Price { get; }

    /// <summary>Gets the context window in tokens (prompt plus output), or <see langword="null"/> when the sources did not state it.</summary>
    public int? ContextWindow { get; }

    /// <summary>Gets the most output tokens one response can have, or <see langword="null"/> when the sources did not state it.</summary>
    public int? MaxOutputTokens { get; }

    /// <summary>Gets what the model can do through the provider's API.</summary>
    public ModelCapabilities Capabilities { get; }

    /// <summary>Gets the date of the public source the entry's facts were taken from.</summary>
    public DateOnly AsOf { get; }

    /// <summary>Returns the provider, model and price, for diagnostics.</summary>
    /// <returns>For example <c>openai/gpt-6.1-sol ($2.00 in, $10.00 out per 1M, as of 2026-10-01)</c>.</returns>
    public override string ToString() => Price is { } price
        ? string.Create(CultureInfo.InvariantCulture, $"{Provider}/{Model} (${price.Input} in, ${price.Output} out per 1M, as of {AsOf:yyyy-MM-dd})")
        : string.Create(CultureInfo.InvariantCulture, $"{Provider}/{Model} (no price, as of {AsOf:yyyy-MM-dd})");
}
