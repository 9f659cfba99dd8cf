using System.Collections.Frozen;
using System.Globalization;

namespace LlmRouter;

/// <summary>
/// What a model costs, in US dollars per <b>million</b> tokens, held as <see cref="decimal"/> so sums stay exact; optionally with
/// long-prompt <see cref="Tiers"/>, the prices of the provider's other <see cref="ServiceTiers"/> (flex, priority) and a scheduled
/// change to another price (<see cref="Until"/>, <see cref="Then"/>).
/// </summary>
/// <param name="Input">USD per million input (prompt) tokens that were not read from the provider's prompt cache.</param>
/// <param name="Output">USD per million output (completion) tokens.</param>
/// <remarks>
/// <para>
/// Prices are per million tokens, as providers publish them: GPT-4o mini at $0.15 input and $0.60 output is
/// <c>new ModelPrice(0.15m, 0.60m)</c>, not <c>0.00000015m</c>. The optional prices default to
/// <see langword="null"/>, which means "priced like <paramref name="Input"/>" (or <paramref name="Output"/> for reasoning).
/// </para>
/// <para>
/// A price that rises above a prompt size lists the higher prices as <see cref="Tiers"/>; a price that changes on a known date
/// names the instant (<see cref="Until"/>) and the price from then on (<see cref="Then"/>), which may itself change later:
/// </para>
/// <code>
/// new ModelPrice(2.00m, 10.00m)
/// {
///     CachedInput = 0.20m,
///     Tiers = [new PriceTier { AbovePromptTokens = 200_000, Input = 4.00m, CachedInput = 0.40m, Output = 15.00m }],
///     Until = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero),
///     Then = new ModelPrice(4.00m, 20.00m) { CachedInput = 0.40m },
/// }
/// </code>
/// <para>
/// A provider that sells the same model at other processing tiers, chosen per request (OpenAI's <c>service_tier</c>: flex at
/// about half the price, priority, also called fast, at about twice), lists their prices as <see cref="ServiceTiers"/>:
/// </para>
/// <code>
/// new ModelPrice(2.50m, 15.00m)
/// {
///     CachedInput = 0.25m,
///     ServiceTiers = new Dictionary&lt;string, ModelPrice&gt;
///     {
///         ["flex"] = new ModelPrice(1.25m, 7.50m) { CachedInput = 0.125m },
///         ["priority"] = new ModelPrice(5.00m, 30.00m) { CachedInput = 0.50m },
///     },
/// }
/// </code>
/// <para>
/// Equality compares every price, the tiers in order, the service tiers and the scheduled change. Immutable once built; safe to
/// share between threads.
/// </para>
/// </remarks>
public sealed record ModelPrice(decimal Input, decimal Output)
{
    private readonly IReadOnlyList<PriceTier> _tiers = [];
    private readonly FrozenDictionary<string, ModelPrice> _serviceTiers = FrozenDictionary<string, ModelPrice>.Empty;

    /// <summary>Gets the USD per million input tokens read from the provider's prompt cache; <see langword="null"/> means the input price.</summary>
    public decimal? CachedInput { get; init; }

    /// <summary>Gets the USD per million input tokens written to the provider's prompt cache; <see langword="null"/> means the input price.</summary>
    public decimal? CacheWrite { get; init; }

    /// <summary>
    /// Gets the USD per million input tokens written to the provider's longer-lived prompt cache (Anthropic's one-hour cache, at
    /// twice the input price against 1.25 times for the five-minute one), for providers that report those writes apart;
    /// <see langword="null"/> means the <see cref="CacheWrite"/> price.
    /// </summary>
    public decimal? ExtendedCacheWrite { get; init; }

    /// <summary>Gets the USD per million reasoning (thinking) output tokens; <see langword="null"/> means the output price.</summary>
    public decimal? ReasoningOutput { get; init; }

    /// <summary>
    /// Gets the long-prompt tiers: each gives the prices of a whole call whose prompt reaches its threshold, in place of this
    /// price's own. The call is billed by the last tier whose threshold it reaches, so list them from the smallest threshold up.
    /// </summary>
    /// <value>The default is empty: one price whatever the prompt size.</value>
    public IReadOnlyList<PriceTier> Tiers
    {
        get => _tiers;
        init => _tiers = value is null || value.Count == 0 ? [] : [.. value];
    }

    /// <summary>
    /// Gets the prices of the provider's other service tiers, by the name the provider gives the tier in its request option and
    /// response (OpenAI's <c>service_tier</c>: <c>flex</c>, <c>priority</c>); names compare case-insensitively, and
    /// <c>fast</c> and <c>priority</c> name the same tier (OpenAI renamed priority processing to fast mode and takes either).
    /// Each is a whole price, with its own long-prompt <see cref="Tiers"/>; a scheduled change (<see cref="Then"/>) carries its
    /// own service tiers.
    /// </summary>
    /// <value>The default is empty: every call is billed at this price, whatever tier served it.</value>
    /// <remarks>
    /// A call is billed at the price of the tier its response says served it, else of the tier its request asked for
    /// (<c>service_tier</c> in <see cref="Microsoft.Extensions.AI.ChatOptions.AdditionalProperties"/>), else at this price; a tier
    /// without a price here (<c>default</c>, <c>auto</c>, <c>scale</c>, a name this price does not list) is billed at this price.
    /// Estimates (<c>Cheapest</c>, <c>MaxPrice</c>, budget reservations) use the requested tier's price.
    /// </remarks>
    /// <exception cref="ArgumentException">Two names differ only in case.</exception>
    public IReadOnlyDictionary<string, ModelPrice> ServiceTiers
    {
        get => _serviceTiers;
        init
        {
            if (value is null || value.Count == 0)
            {
                _serviceTiers = FrozenDictionary<string, ModelPrice>.Empty;
                return;
            }

            FrozenDictionary<string, ModelPrice> tiers = value.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
            if (tiers.Count != value.Count)
            {
                throw new ArgumentException(
                    $"ServiceTiers names a tier twice ({string.Join(", ", value.Keys)}); names compare ignoring case, so give each tier once.", nameof(value));
            }

            _serviceTiers = tiers;
        }
    }

    /// <summary>
    /// Gets the instant this price stops applying, from which <see cref="Then"/> applies; <see langword="null"/> (the default) when
    /// no change is scheduled. Set both or neither.
    /// </summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>Gets the price that applies from <see cref="Until"/> on; <see langword="null"/> (the default) when no change is scheduled.</summary>
    public ModelPrice? Then { get; init; }

    /// <summary>Gets whether the price is the same for every call: no tiers, no service tiers and no scheduled change.</summary>
    internal bool IsFlat => _tiers.Count == 0 && _serviceTiers.Count == 0 && Then is null;

    /// <summary>Gets whether some call may be billed at one of <see cref="ServiceTiers"/>, now or after a scheduled change.</summary>
    internal bool HasServiceTiers => _serviceTiers.Count > 0 || Then is { HasServiceTiers: true };

    /// <summary>Gets the price a call served in <paramref name="serviceTier"/> is billed at: that tier's price when this price lists it, else this price.</summary>
    /// <param name="serviceTier">The service tier, as the provider names it (<c>flex</c>, <c>priority</c>, <c>fast</c>, <c>default</c>), or <see langword="null"/>.</param>
    /// <returns>The tier's price from <see cref="ServiceTiers"/>; this price for <see langword="null"/>, the standard tier's names and names it does not list.</returns>
    /// <remarks>Apply it to the price in force (<see cref="At"/>): each scheduled price has its own service tiers.</remarks>
    public ModelPrice ForServiceTier(string? serviceTier)
    {
        if (serviceTier is null || _serviceTiers.Count == 0)
        {
            return this;
        }

        if (_serviceTiers.TryGetValue(serviceTier, out ModelPrice? price))
        {
            return price;
        }

        // OpenAI renamed priority processing to fast mode and accepts either name; a price may list the tier under either.
        string? other = serviceTier.Equals(PriorityTier, StringComparison.OrdinalIgnoreCase) ? FastTier
            : serviceTier.Equals(FastTier, StringComparison.OrdinalIgnoreCase) ? PriorityTier
            : null;
        return other is not null && _serviceTiers.TryGetValue(other, out price) ? price : this;
    }

    private const string PriorityTier = "priority";
    private const string FastTier = "fast";

    /// <summary>The names a provider gives its standard tier: a price listed under one would never be the standard price's alternative.</summary>
    private static readonly FrozenSet<string> StandardTierNames =
        new[] { "default", "standard", "auto", "on_demand", "standard_only" }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets the price in force at <paramref name="time"/>: this one, or the scheduled change (or a later one) whose time has come.</summary>
    /// <param name="time">The instant of the call, from the router's <see cref="TimeProvider"/>.</param>
    /// <returns>This price or one of its scheduled successors; its own <see cref="Until"/> is after <paramref name="time"/> or unset.</returns>
    public ModelPrice At(DateTimeOffset time)
    {
        ModelPrice price = this;
        while (price.Until is { } until && time >= until && price.Then is { } next)
        {
            price = next;
        }

        return price;
    }

    /// <summary>The prices of a call whose prompt has <paramref name="promptTokens"/> tokens: the last tier it reaches, else this price's own.</summary>
    internal PriceRates RatesFor(long promptTokens)
    {
        IReadOnlyList<PriceTier> tiers = _tiers;
        for (int i = tiers.Count - 1; i >= 0; i--)
        {
            if (promptTokens >= tiers[i].MinPromptTokens)
            {
                return tiers[i].Rates;
            }
        }

        return new PriceRates(Input, Output, CachedInput, CacheWrite, ExtendedCacheWrite, ReasoningOutput);
    }

    /// <summary>Adds to <paramref name="errors"/> every problem of this price, its tiers and its scheduled changes, each prefixed by <paramref name="subject"/>.</summary>
    /// <param name="subject">Who has the price, as the messages should name it, for example <c>Deployment 'mini': Price</c>.</param>
    /// <param name="errors">The list to add to.</param>
    internal void Validate(string subject, List<string> errors)
    {
        ModelPrice? price = this;
        string where = subject;
        DateTimeOffset? previousUntil = null;
        while (price is not null)
        {
            CheckRates(where, price.Input, price.Output, price.CachedInput, price.CacheWrite, price.ExtendedCacheWrite, price.ReasoningOutput, errors);
            long previousMin = 0;
            for (int i = 0; i < price._tiers.Count; i++)
            {
                PriceTier tier = price._tiers[i];
                string at = string.Create(CultureInfo.InvariantCulture, $"{where}.Tiers[{i}]");
                if (tier is null)
                {
                    errors.Add($"{at} is null; remove it or give its threshold and prices.");
                    continue;
                }

                if ((tier.AbovePromptTokens is null) == (tier.FromPromptTokens is null))
                {
                    errors.Add($"{at} must set exactly one of AbovePromptTokens (prompts of more tokens than this) and FromPromptTokens (prompts of this many tokens or more).");
                }
                else if (tier.AbovePromptTokens < 0 || tier.FromPromptTokens < 1)
                {
                    errors.Add($"{at}: the threshold must be a positive number of prompt tokens.");
                }
                else if (tier.MinPromptTokens <= previousMin)
                {
                    errors.Add($"{at}: tiers must be listed from the smallest threshold up, each larger than the one before.");
                }
                else
                {
                    previousMin = tier.MinPromptTokens;
                }

                CheckRates(at, tier.Input, tier.Output, tier.CachedInput, tier.CacheWrite, tier.ExtendedCacheWrite, tier.ReasoningOutput, errors);
            }

            foreach ((string name, ModelPrice tierPrice) in price._serviceTiers.OrderBy(tier => tier.Key, StringComparer.OrdinalIgnoreCase))
            {
                string at = $"{where}.ServiceTiers['{name}']";
                if (string.IsNullOrWhiteSpace(name))
                {
                    errors.Add($"{where}.ServiceTiers has a tier without a name; name it as the provider's service_tier does, such as 'flex' or 'priority'.");
                }
                else if (StandardTierNames.Contains(name))
                {
                    errors.Add($"{at}: '{name}' is the provider's standard tier, billed at the price itself; list only the tiers billed differently, such as 'flex' or 'priority'.");
                }

                if (tierPrice is null)
                {
                    errors.Add($"{at} is null; give the tier's prices or remove it.");
                    continue;
                }

                if (tierPrice._serviceTiers.Count > 0 || tierPrice.Until is not null || tierPrice.Then is not null)
                {
                    errors.Add($"{at} must be a plain price (with long-prompt Tiers if needed): service tiers and scheduled changes belong to the price that lists it.");
                    continue;
                }

                tierPrice.Validate(at, errors);
            }

            if ((price.Until is null) != (price.Then is null))
            {
                errors.Add($"{where} must set both Until (when the price changes) and Then (the price from then on), or neither.");
                return;
            }

            if (price.Until is { } until && previousUntil is { } before && until <= before)
            {
                errors.Add($"{where}.Until ({until:O}) must be later than the change before it ({before:O}).");
                return;
            }

            previousUntil = price.Until;
            price = price.Then;
            where += ".Then";
        }
    }

    private static void CheckRates(
        string where, decimal input, decimal output, decimal? cachedInput, decimal? cacheWrite, decimal? extendedCacheWrite, decimal? reasoningOutput, List<string> errors)
    {
        Check(where, "Input", input, errors);
        Check(where, "Output", output, errors);
        Check(where, "CachedInput", cachedInput, errors);
        Check(where, "CacheWrite", cacheWrite, errors);
        Check(where, "ExtendedCacheWrite", extendedCacheWrite, errors);
        Check(where, "ReasoningOutput", reasoningOutput, errors);

        static void Check(string where, string field, decimal? value, List<string> errors)
        {
            if (value < 0)
            {
                errors.Add($"{where}.{field} must be at least 0 USD per million tokens (was {value.Value.ToString(CultureInfo.InvariantCulture)}).");
            }
        }
    }

    /// <summary>Compares every price, the tiers in order and the scheduled change.</summary>
    /// <param name="other">The price to compare with.</param>
    /// <returns>Whether the two prices bill every call the same at every time.</returns>
    public bool Equals(ModelPrice? other) =>
        other is not null
        && Input == other.Input
        && Output == other.Output
        && CachedInput == other.CachedInput
        && CacheWrite == other.CacheWrite
        && ExtendedCacheWrite == other.ExtendedCacheWrite
        && ReasoningOutput == other.ReasoningOutput
        && _tiers.SequenceEqual(other._tiers)
        && SameServiceTiers(_serviceTiers, other._serviceTiers)
        && Until == other.Until
        && Equals(Then, other.Then);

    private static bool SameServiceTiers(FrozenDictionary<string, ModelPrice> first, FrozenDictionary<string, ModelPrice> second)
    {
        if (first.Count != second.Count)
        {
            return false;
        }

        foreach ((string name, ModelPrice price) in first)
        {
            if (!second.TryGetValue(name, out ModelPrice? other) || !Equals(price, other))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Returns a hash of the prices, consistent with <see cref="Equals(ModelPrice?)"/>.</summary>
    /// <returns>The hash code.</returns>
    public override int GetHashCode() => HashCode.Combine(Input, Output, CachedInput, CacheWrite, _tiers.Count, _serviceTiers.Count, Until, Then);
}
