namespace LlmRouter;

/// <summary>
/// What a model costs, in US dollars per <b>million</b> tokens, held as <see cref="decimal"/> so sums stay exact.
/// </summary>
/// <param name="Input">USD per million input (prompt) tokens that were not read from the provider's prompt cache.</param>
/// <param name="Output">USD per million output (completion) tokens.</param>
/// <remarks>
/// Prices are per million tokens, as providers publish them: GPT-4o mini at $0.15 input and $0.60 output is
/// <c>new ModelPrice(0.15m, 0.60m)</c>, not <c>0.00000015m</c>. The optional prices default to
/// <see langword="null"/>, which means "priced like <paramref name="Input"/>" (or <paramref name="Output"/> for reasoning).
/// </remarks>
public sealed record ModelPrice(decimal Input, decimal Output)
{
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
}
