using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// Turns token usage and a <see cref="ModelPrice"/> (USD per million tokens) into US dollars, exactly, as <see cref="decimal"/>.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Calculate(UsageDetails, ModelPrice)"/> follows the Microsoft.Extensions.AI convention that the provider clients
/// of this package keep for every provider: <see cref="UsageDetails.InputTokenCount"/> is the whole prompt, of which
/// <see cref="UsageDetails.CachedInputTokenCount"/> were read from the provider's prompt cache and the additional count
/// <c>CacheWriteInputTokenCount</c> (<c>CacheCreationInputTokens</c> from the official Anthropic SDK's <c>IChatClient</c>) were
/// written to it; <see cref="UsageDetails.OutputTokenCount"/> is the whole output,
/// of which <see cref="UsageDetails.ReasoningTokenCount"/> were reasoning (thinking). Each token is billed once:
/// </para>
/// <list type="bullet">
/// <item><description>input tokens neither read from nor written to the cache at <see cref="ModelPrice.Input"/>;</description></item>
/// <item><description>cache reads at <see cref="ModelPrice.CachedInput"/>, else <see cref="ModelPrice.Input"/>;</description></item>
/// <item><description>cache writes at <see cref="ModelPrice.CacheWrite"/>, else <see cref="ModelPrice.Input"/>; those of them
/// the additional count <c>ExtendedCacheWriteInputTokenCount</c> puts in a longer-lived cache (Anthropic's one-hour cache) at
/// <see cref="ModelPrice.ExtendedCacheWrite"/>, else the cache-write price;</description></item>
/// <item><description>
/// output at <see cref="ModelPrice.Output"/>; when <see cref="ModelPrice.ReasoningOutput"/> is set, the reasoning tokens within
/// the output are billed at that price instead (not also at the output price).
/// </description></item>
/// </list>
/// <para>
/// Inconsistent counts never bill a token twice and never bill fewer tokens than reported: cache reads and writes larger than
/// the input count are billed as reported with no uncached input, and reasoning larger than the output count is billed as the
/// whole output. Missing and negative counts are zero.
/// </para>
/// <para>
/// A price with long-prompt <see cref="ModelPrice.Tiers"/> bills the whole call at the tier its prompt falls in: by the reported
/// <see cref="UsageDetails.InputTokenCount"/> (cache reads and writes included) for <see cref="Calculate(UsageDetails, ModelPrice)"/>,
/// by the estimate for <see cref="Estimate(long, long, ModelPrice)"/>. A price with a scheduled change is billed as the price in
/// force at the time given to the overloads that take one; the overloads without a time use the price as given, before any
/// change. Time-of-day rates (DeepSeek's off-peak discount) are not applied. A call served at another service tier (flex,
/// priority) is billed at that tier's price: pass <see cref="ModelPrice.ForServiceTier(string?)"/> of the price in force, as the
/// router does with the tier the response reports (else the one the request asked for).
/// </para>
/// <para>The methods are pure, thread-safe and do not allocate.</para>
/// </remarks>
public static class CostCalculator
{
    private const decimal TokensPerPriceUnit = 1_000_000m;

    /// <summary>The additional count the official Anthropic SDK's <c>AsIChatClient</c> reports cache writes under.</summary>
    private const string AnthropicSdkCacheWriteInputTokenCount = "CacheCreationInputTokens";

    /// <summary>Computes what a call cost from the usage its provider reported.</summary>
    /// <param name="usage">The usage reported on the response (<see cref="ChatResponse.Usage"/> or the streamed <see cref="UsageContent"/>).</param>
    /// <param name="price">The serving deployment's price in USD per million tokens.</param>
    /// <returns>The cost in US dollars, exact (no rounding).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="usage"/> or <paramref name="price"/> is <see langword="null"/>.</exception>
    public static decimal Calculate(UsageDetails usage, ModelPrice price)
    {
        ArgumentNullException.ThrowIfNull(usage);
        ArgumentNullException.ThrowIfNull(price);
        return Calculate(usage, price.RatesFor(NonNegative(usage.InputTokenCount)));
    }

    /// <summary>Computes what a call made at <paramref name="time"/> cost: its usage at the price in force then (<see cref="ModelPrice.At"/>).</summary>
    /// <param name="usage">The usage reported on the response.</param>
    /// <param name="price">The serving deployment's price in USD per million tokens, with its scheduled changes.</param>
    /// <param name="time">When the call was made, from the router's <see cref="TimeProvider"/>.</param>
    /// <returns>The cost in US dollars, exact (no rounding).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="usage"/> or <paramref name="price"/> is <see langword="null"/>.</exception>
    public static decimal Calculate(UsageDetails usage, ModelPrice price, DateTimeOffset time)
    {
        ArgumentNullException.ThrowIfNull(price);
        return Calculate(usage, price.At(time));
    }

    private static decimal Calculate(UsageDetails usage, PriceRates price)
    {
        long input = NonNegative(usage.InputTokenCount);
        long cacheReads = NonNegative(usage.CachedInputTokenCount);
        long cacheWrites = CacheWrites(usage.AdditionalCounts, out long extendedWrites);
        long uncached = Math.Max(input - cacheReads - cacheWrites, 0);

        long output = NonNegative(usage.OutputTokenCount);
        long reasoning = NonNegative(usage.ReasoningTokenCount);

        decimal perMillion =
            (uncached * price.Input)
            + (cacheReads * (price.CachedInput ?? price.Input))
            + ((cacheWrites - extendedWrites) * (price.CacheWrite ?? price.Input))
            + (extendedWrites * (price.ExtendedCacheWrite ?? price.CacheWrite ?? price.Input));

        if (price.ReasoningOutput is { } reasoningPrice)
        {
            perMillion += (Math.Max(output - reasoning, 0) * price.Output) + (reasoning * reasoningPrice);
        }
        else
        {
            perMillion += Math.Max(output, reasoning) * price.Output;
        }

        return perMillion / TokensPerPriceUnit;
    }

    /// <summary>
    /// Estimates what a call will cost before it is made, from an input token estimate (see <see cref="ITokenEstimator"/>) and the
    /// expected output (see <see cref="TokenEstimators.ExpectedOutputTokens(ChatOptions?, int?)"/>), all at the uncached prices of
    /// the tier the estimated prompt falls in.
    /// </summary>
    /// <param name="inputTokens">The estimated input tokens; negative counts as zero.</param>
    /// <param name="outputTokens">The expected output tokens; negative counts as zero.</param>
    /// <param name="price">The deployment's price in USD per million tokens.</param>
    /// <returns><c>(inputTokens × Input + outputTokens × Output) / 1,000,000</c> US dollars, at the tier's prices.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="price"/> is <see langword="null"/>.</exception>
    public static decimal Estimate(long inputTokens, long outputTokens, ModelPrice price)
    {
        ArgumentNullException.ThrowIfNull(price);
        long input = Math.Max(inputTokens, 0);
        PriceRates rates = price.RatesFor(input);
        return ((input * rates.Input) + (Math.Max(outputTokens, 0) * rates.Output)) / TokensPerPriceUnit;
    }

    /// <summary>Estimates what a call made at <paramref name="time"/> will cost, at the price in force then (<see cref="ModelPrice.At"/>).</summary>
    /// <param name="inputTokens">The estimated input tokens; negative counts as zero.</param>
    /// <param name="outputTokens">The expected output tokens; negative counts as zero.</param>
    /// <param name="price">The deployment's price in USD per million tokens, with its scheduled changes.</param>
    /// <param name="time">When the call is made, from the router's <see cref="TimeProvider"/>.</param>
    /// <returns>The estimated cost in US dollars.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="price"/> is <see langword="null"/>.</exception>
    public static decimal Estimate(long inputTokens, long outputTokens, ModelPrice price, DateTimeOffset time)
    {
        ArgumentNullException.ThrowIfNull(price);
        return Estimate(inputTokens, outputTokens, price.At(time));
    }

    private static long NonNegative(long? count) => count is > 0 ? count.Value : 0;

    /// <summary>All cache writes, and how many of them went to the longer-lived cache (never more than all of them).</summary>
    private static long CacheWrites(AdditionalPropertiesDictionary<long>? counts, out long extended)
    {
        extended = 0;
        if (counts is null)
        {
            return 0;
        }

        // This package's clients use the first key; the official Anthropic SDK's IChatClient the second, for the same count.
        if (counts.TryGetValue(ProviderUsage.CacheWriteInputTokenCount, out long written)
            || counts.TryGetValue(AnthropicSdkCacheWriteInputTokenCount, out written))
        {
            written = Math.Max(written, 0);
            if (counts.TryGetValue(ProviderUsage.ExtendedCacheWriteInputTokenCount, out long longer))
            {
                extended = Math.Clamp(longer, 0, written);
            }

            return written;
        }

        return 0;
    }
}
