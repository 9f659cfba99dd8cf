using System.Collections.Frozen;
using System.Collections.ObjectModel;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace LlmRouter;

/// <summary>
/// Prices, limits and capabilities of current models of many providers, taken from the providers' public pricing pages and
/// model docs and embedded in the package. <see cref="Default"/> is the embedded catalog.
/// </summary>
/// <remarks>
/// <para>
/// Prices are USD per <b>million</b> tokens. Each entry carries the date of its source (<see cref="ModelCatalogEntry.AsOf"/>);
/// prices change, so deployments that must be exact set <see cref="DeploymentOptions.Price"/>, which takes precedence. A price
/// that rises above a prompt size has <see cref="ModelPrice.Tiers"/>; a change announced for a known date (a launch or
/// promotional price that ends) is scheduled in the price (<see cref="ModelPrice.Until"/>, <see cref="ModelPrice.Then"/>), and
/// the router bills each call at the price in force at the time its <see cref="TimeProvider"/> gives.
/// </para>
/// <para>
/// Lookup is case-insensitive and tries, in order: the exact id or alias; the id without a host prefix
/// (<c>openai/gpt-6-sol</c>, <c>models/gemini-3.8-flash</c>); without cloud region or vendor prefixes
/// (<c>us.amazon.nova-pro-v1:0</c>); and without a dated-snapshot suffix (<c>gpt-6.2-sol-2026-11-17</c>,
/// <c>claude-sonnet-5-5@20260928</c>). The same open model sold by several hosts (Llama 3.3 70B on Groq, Together and
/// Fireworks) is told apart by the provider argument. A successful lookup does not allocate.
/// </para>
/// <para>Immutable and safe to use from any number of threads.</para>
/// </remarks>
public sealed class PriceCatalog
{
    internal const string ResourceName = "LlmRouter.Pricing.price-catalog.json";

    private static readonly Lazy<PriceCatalog> EmbeddedCatalog = new(LoadEmbedded, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly FrozenDictionary<string, ModelCatalogEntry[]>.AlternateLookup<ReadOnlySpan<char>> _byName;

    internal PriceCatalog(IEnumerable<ModelCatalogEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);

        var all = new List<ModelCatalogEntry>();
        var byName = new Dictionary<string, List<ModelCatalogEntry>>(StringComparer.OrdinalIgnoreCase);
        foreach (ModelCatalogEntry entry in entries)
        {
            all.Add(entry);
            Index(byName, entry.Model, entry);
            foreach (string alias in entry.Aliases)
            {
                Index(byName, alias, entry);
            }
        }

        Entries = new ReadOnlyCollection<ModelCatalogEntry>(all);
        _byName = byName
            .ToFrozenDictionary(static pair => pair.Key, static pair => pair.Value.ToArray(), StringComparer.OrdinalIgnoreCase)
            .GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Gets the catalog embedded in the package, read once on first use.</summary>
    /// <exception cref="InvalidOperationException">The embedded catalog is missing or malformed (a packaging defect).</exception>
    public static PriceCatalog Default => EmbeddedCatalog.Value;

    /// <summary>Gets every entry, in the order of the catalog's source data.</summary>
    public IReadOnlyList<ModelCatalogEntry> Entries { get; }

    /// <summary>Finds a model's entry.</summary>
    /// <param name="model">The model id as a deployment or response names it, for example <c>gpt-4o-mini-2024-07-18</c>.</param>
    /// <param name="provider">
    /// The provider name (as <c>ChatClientMetadata.ProviderName</c> gives it, compared case-insensitively) whose entry is wanted,
    /// or <see langword="null"/> to accept any provider's entry when the name is unambiguous. When a provider is given, only that
    /// provider's entries match; call again with <see langword="null"/> to accept another seller's list price.
    /// </param>
    /// <param name="entry">The entry found, or <see langword="null"/>.</param>
    /// <returns>
    /// <see langword="true"/> when exactly one entry matches; <see langword="false"/> when none does, or when
    /// <paramref name="provider"/> is <see langword="null"/> and several providers sell a model of that name.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is <see langword="null"/>.</exception>
    public bool TryFind(string model, string? provider, [NotNullWhen(true)] out ModelCatalogEntry? entry)
    {
        ArgumentNullException.ThrowIfNull(model);

        ReadOnlySpan<char> name = model.AsSpan().Trim();
        if (name.IsEmpty)
        {
            entry = null;
            return false;
        }

        if (TryMatch(name, provider, out entry))
        {
            return true;
        }

        ReadOnlySpan<char> bare = ModelNames.WithoutPathPrefix(name);
        if (bare.Length != name.Length && TryMatch(bare, provider, out entry))
        {
            return true;
        }

        // Bedrock-style ids carry a region and a vendor prefix: us.amazon.nova-pro-v1:0.
        for (int i = 0; i < 2 && ModelNames.TryRemoveDottedPrefix(bare, out ReadOnlySpan<char> rest); i++)
        {
            bare = rest;
            if (TryMatch(bare, provider, out entry))
            {
                return true;
            }
        }

        if (ModelNames.TryRemoveSnapshotSuffix(bare, out ReadOnlySpan<char> core) && TryMatch(core, provider, out entry))
        {
            return true;
        }

        entry = null;
        return false;
    }

    private bool TryMatch(ReadOnlySpan<char> name, string? provider, [NotNullWhen(true)] out ModelCatalogEntry? entry)
    {
        if (_byName.TryGetValue(name, out ModelCatalogEntry[]? candidates))
        {
            if (provider is null)
            {
                if (candidates.Length == 1)
                {
                    entry = candidates[0];
                    return true;
                }
            }
            else
            {
                foreach (ModelCatalogEntry candidate in candidates)
                {
                    if (string.Equals(candidate.Provider, provider, StringComparison.OrdinalIgnoreCase))
                    {
                        entry = candidate;
                        return true;
                    }
                }
            }
        }

        entry = null;
        return false;
    }

    private static void Index(Dictionary<string, List<ModelCatalogEntry>> byName, string name, ModelCatalogEntry entry)
    {
        if (!byName.TryGetValue(name, out List<ModelCatalogEntry>? list))
        {
            byName[name] = [entry];
            return;
        }

        foreach (ModelCatalogEntry existing in list)
        {
            if (ReferenceEquals(existing, entry))
            {
                return;
            }

            if (string.Equals(existing.Provider, entry.Provider, StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException(
                    $"The price catalog names '{name}' twice for provider '{entry.Provider}' ({existing.Model} and {entry.Model}); a name must identify one model per provider.");
            }
        }

        list.Add(entry);
    }

    private static PriceCatalog LoadEmbedded()
    {
        using Stream stream = typeof(PriceCatalog).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded price catalog '{ResourceName}' is missing from {typeof(PriceCatalog).Assembly.GetName().Name}.");
        return Load(stream);
    }

    /// <summary>Reads a catalog in the embedded format; every entry is validated and a bad one is reported by name.</summary>
    internal static PriceCatalog Load(Stream json)
    {
        PriceCatalogDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(json, PricingJsonContext.Default.PriceCatalogDocument);
        }
        catch (JsonException exception)
        {
            throw new InvalidOperationException($"The price catalog is not valid JSON: {exception.Message}", exception);
        }

        if (document?.Models is not { Count: > 0 } models)
        {
            throw new InvalidOperationException("The price catalog has no 'models'.");
        }

        // A model whose price changes on known dates has one row per period; they become one entry whose price schedules the changes.
        var entries = new List<ModelCatalogEntry>(models.Count);
        var periods = new Dictionary<(string Model, string Provider), List<(ModelCatalogEntry Entry, PriceCatalogModel Row, int Index)>>(ModelAndProvider.Instance);
        for (int i = 0; i < models.Count; i++)
        {
            ModelCatalogEntry entry = ToEntry(models[i], i);
            if (periods.TryGetValue((entry.Model, entry.Provider), out var rows))
            {
                rows.Add((entry, models[i], i));
                continue;
            }

            periods[(entry.Model, entry.Provider)] = [(entry, models[i], i)];
            entries.Add(entry);
        }

        for (int i = 0; i < entries.Count; i++)
        {
            if (periods[(entries[i].Model, entries[i].Provider)] is { Count: > 1 } rows)
            {
                entries[i] = Schedule(rows);
            }
        }

        return new PriceCatalog(entries);
    }

    /// <summary>
    /// Merges a model's dated rows into one entry: the first row's facts, and a price that changes at each later row's
    /// <c>effectiveFrom</c> (midnight UTC). Each row but the last must end (<c>until</c>) the day the next begins.
    /// </summary>
    private static ModelCatalogEntry Schedule(List<(ModelCatalogEntry Entry, PriceCatalogModel Row, int Index)> rows)
    {
        rows.Sort(static (a, b) => Nullable.Compare(a.Row.EffectiveFrom, b.Row.EffectiveFrom));
        ModelCatalogEntry first = rows[0].Entry;
        for (int i = 0; i < rows.Count; i++)
        {
            (ModelCatalogEntry entry, PriceCatalogModel row, int index) = rows[i];
            if (entry.Price is null)
            {
                throw Invalid(index, entry.Model, "a model with dated rows needs a price on each of them");
            }

            if (i > 0 && row.EffectiveFrom is null)
            {
                throw Invalid(index, entry.Model, "a model listed more than once needs 'effectiveFrom' on every row but the first");
            }

            if (i + 1 < rows.Count && row.Until != rows[i + 1].Row.EffectiveFrom)
            {
                throw Invalid(index, entry.Model, $"'until' must be the 'effectiveFrom' of the model's next row ({rows[i + 1].Row.EffectiveFrom:yyyy-MM-dd})");
            }
        }

        if (rows[^1].Row.Until is not null)
        {
            throw Invalid(rows[^1].Index, first.Model, "the model's last row must not end ('until'): add the row of the price that follows");
        }

        ModelPrice? price = null;
        DateOnly asOf = first.AsOf;
        for (int i = rows.Count - 1; i >= 0; i--)
        {
            ModelCatalogEntry entry = rows[i].Entry;
            price = price is null
                ? entry.Price
                : entry.Price! with { Until = new DateTimeOffset(rows[i].Row.Until!.Value.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero), Then = price };
            asOf = entry.AsOf > asOf ? entry.AsOf : asOf;
        }

        return new ModelCatalogEntry(first.Model, first.Provider, first.Aliases, price, first.ContextWindow, first.MaxOutputTokens, first.Capabilities, asOf);
    }

    private static ModelCatalogEntry ToEntry(PriceCatalogModel model, int index)
    {
        string name = string.IsNullOrWhiteSpace(model.Model)
            ? throw Invalid(index, "(no model)", "'model' is required")
            : model.Model.Trim();
        string provider = string.IsNullOrWhiteSpace(model.Provider)
            ? throw Invalid(index, name, "'provider' is required")
            : model.Provider.Trim();
        DateOnly asOf = model.AsOf ?? throw Invalid(index, name, "'asOf' (the date of the source) is required");

        ModelPrice? price = null;
        if (model.Input is { } input && model.Output is { } output)
        {
            price = new ModelPrice(input, output)
            {
                CachedInput = model.CachedInput,
                CacheWrite = model.CacheWrite,
                ExtendedCacheWrite = model.ExtendedCacheWrite,
                ReasoningOutput = model.ReasoningOutput,
                Tiers = Tiers(model.Tiers, index, name),
                ServiceTiers = ServiceTiers(model.ServiceTiers, index, name),
            };
            var problems = new List<string>();
            price.Validate("price", problems);
            if (problems.Count > 0)
            {
                throw Invalid(index, name, string.Join("; ", problems).TrimEnd('.'));
            }
        }
        else if (model.Input is not null || model.Output is not null || model.CachedInput is not null || model.CacheWrite is not null || model.ExtendedCacheWrite is not null
            || model.ReasoningOutput is not null || model.Tiers is not null || model.ServiceTiers is not null)
        {
            throw Invalid(index, name, "'input' and 'output' are both required when any price is given");
        }

        if (model.ContextWindow <= 0 || model.MaxOutputTokens <= 0)
        {
            throw Invalid(index, name, "'contextWindow' and 'maxOutputTokens' must be positive when given");
        }

        ModelCapabilities capabilities = ModelCapabilities.None;
        foreach (string capability in model.Capabilities ?? [])
        {
            capabilities |= capability switch
            {
                "tools" => ModelCapabilities.Tools,
                "vision" => ModelCapabilities.Vision,
                "jsonSchema" => ModelCapabilities.JsonSchema,
                "reasoning" => ModelCapabilities.Reasoning,
                "streaming" => ModelCapabilities.Streaming,
                _ => throw Invalid(index, name, $"unknown capability '{capability}' (valid: tools, vision, jsonSchema, reasoning, streaming)"),
            };
        }

        var aliases = new List<string>();
        foreach (string alias in model.Aliases ?? [])
        {
            if (string.IsNullOrWhiteSpace(alias))
            {
                throw Invalid(index, name, "aliases must not be empty");
            }

            aliases.Add(alias.Trim());
        }

        return new ModelCatalogEntry(name, provider, aliases, price, model.ContextWindow, model.MaxOutputTokens, capabilities, asOf);
    }

    private static List<PriceTier> Tiers(List<PriceCatalogTier>? tiers, int index, string name)
    {
        var read = new List<PriceTier>();
        foreach (PriceCatalogTier tier in tiers ?? [])
        {
            if (tier.Input is not { } input || tier.Output is not { } output)
            {
                throw Invalid(index, name, "each tier needs 'input' and 'output'");
            }

            read.Add(new PriceTier
            {
                AbovePromptTokens = tier.Above,
                FromPromptTokens = tier.From,
                Input = input,
                Output = output,
                CachedInput = tier.CachedInput,
                CacheWrite = tier.CacheWrite,
                ExtendedCacheWrite = tier.ExtendedCacheWrite,
                ReasoningOutput = tier.ReasoningOutput,
            });
        }

        return read;
    }

    private static Dictionary<string, ModelPrice> ServiceTiers(Dictionary<string, PriceCatalogServiceTier>? serviceTiers, int index, string name)
    {
        var read = new Dictionary<string, ModelPrice>(StringComparer.OrdinalIgnoreCase);
        foreach ((string tierName, PriceCatalogServiceTier tier) in serviceTiers ?? [])
        {
            if (tier?.Input is not { } input || tier.Output is not { } output)
            {
                throw Invalid(index, name, $"service tier '{tierName}' needs 'input' and 'output'");
            }

            var price = new ModelPrice(input, output)
            {
                CachedInput = tier.CachedInput,
                CacheWrite = tier.CacheWrite,
                Tiers = Tiers(tier.Tiers, index, name),
            };
            if (!read.TryAdd(tierName, price))
            {
                throw Invalid(index, name, $"service tier '{tierName}' is listed twice (names compare ignoring case)");
            }
        }

        return read;
    }

    private static InvalidOperationException Invalid(int index, string model, string problem) =>
        new($"Price catalog entry {index} ({model}): {problem}.");

    /// <summary>Compares model and provider names as lookups do: ignoring case.</summary>
    private sealed class ModelAndProvider : IEqualityComparer<(string Model, string Provider)>
    {
        public static ModelAndProvider Instance { get; } = new();

        public bool Equals((string Model, string Provider) x, (string Model, string Provider) y) =>
            StringComparer.OrdinalIgnoreCase.Equals(x.Model, y.Model) && StringComparer.OrdinalIgnoreCase.Equals(x.Provider, y.Provider);

        public int GetHashCode((string Model, string Provider) obj) =>
            HashCode.Combine(StringComparer.OrdinalIgnoreCase.GetHashCode(obj.Model), StringComparer.OrdinalIgnoreCase.GetHashCode(obj.Provider));
    }
}
