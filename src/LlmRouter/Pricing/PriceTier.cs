namespace LlmRouter;

/// <summary>
/// A long-prompt tier of a <see cref="ModelPrice"/>: the prices, in US dollars per <b>million</b> tokens, that apply to the whole
/// call (every input, cached, cache-write and output token) when its prompt reaches the tier's threshold.
/// </summary>
/// <remarks>
/// <para>
/// Providers word their thresholds two ways, and the difference is one token: OpenAI, Google, Anthropic, Alibaba and MiniMax
/// charge more for prompts <i>above</i> a size (<see cref="AbovePromptTokens"/>), xAI for prompts <i>at and above</i> one
/// (<see cref="FromPromptTokens"/>). Set exactly one of the two. The prompt is the whole input of the call: uncached tokens,
/// cache reads and cache writes together (<see cref="Microsoft.Extensions.AI.UsageDetails.InputTokenCount"/>).
/// </para>
/// <para>
/// The optional prices default to <see langword="null"/>, which means "priced like this tier's <see cref="Input"/>" (or
/// <see cref="Output"/> for reasoning), as for <see cref="ModelPrice"/>. Immutable once built; safe to share between threads.
/// </para>
/// </remarks>
public sealed record PriceTier
{
    /// <summary>Gets the prompt size in tokens that a prompt must exceed for this tier to apply; set this or <see cref="FromPromptTokens"/>.</summary>
    public long? AbovePromptTokens { get; init; }

    /// <summary>Gets the prompt size in tokens from which (inclusive) this tier applies; set this or <see cref="AbovePromptTokens"/>.</summary>
    public long? FromPromptTokens { get; init; }

    /// <summary>Gets the USD per million uncached input tokens of a call in this tier.</summary>
    public decimal Input { get; init; }

    /// <summary>Gets the USD per million output tokens of a call in this tier.</summary>
    public decimal Output { get; init; }

    /// <summary>Gets the USD per million input tokens read from the prompt cache; <see langword="null"/> means this tier's input price.</summary>
    public decimal? CachedInput { get; init; }

    /// <summary>Gets the USD per million input tokens written to the prompt cache; <see langword="null"/> means this tier's input price.</summary>
    public decimal? CacheWrite { get; init; }

    /// <summary>Gets the USD per million input tokens written to the longer-lived prompt cache; <see langword="null"/> means the cache-write price.</summary>
    public decimal? ExtendedCacheWrite { get; init; }

    /// <summary>Gets the USD per million reasoning output tokens; <see langword="null"/> means this tier's output price.</summary>
    public decimal? ReasoningOutput { get; init; }

    /// <summary>Gets the smallest prompt, in tokens, this tier applies to; <see cref="long.MaxValue"/> when no threshold is set.</summary>
    internal long MinPromptTokens => FromPromptTokens ?? (AbovePromptTokens is { } above ? above + 1 : long.MaxValue);

    internal PriceRates Rates => new(Input, Output, CachedInput, CacheWrite, ExtendedCacheWrite, ReasoningOutput);
}
