namespace LlmRouter;

/// <summary>
/// The prices of one call, in USD per million tokens: a <see cref="ModelPrice"/>'s own, or those of the long-prompt
/// <see cref="PriceTier"/> the call falls in. A value, so choosing the tier allocates nothing.
/// </summary>
internal readonly record struct PriceRates(
    decimal Input, decimal Output, decimal? CachedInput, decimal? CacheWrite, decimal? ExtendedCacheWrite, decimal? ReasoningOutput);
