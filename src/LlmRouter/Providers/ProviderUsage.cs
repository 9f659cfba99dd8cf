namespace LlmRouter;

/// <summary>Keys the provider clients use in <c>UsageDetails.AdditionalCounts</c> for counts Microsoft.Extensions.AI has no property for.</summary>
internal static class ProviderUsage
{
    /// <summary>
    /// Input tokens written to the provider's prompt cache (Anthropic <c>cache_creation_input_tokens</c>, OpenAI
    /// <c>prompt_tokens_details.cache_write_tokens</c>), priced as cache writes.
    /// </summary>
    public const string CacheWriteInputTokenCount = "CacheWriteInputTokenCount";

    /// <summary>
    /// Of the <see cref="CacheWriteInputTokenCount"/>, those written to the provider's longer-lived cache (Anthropic
    /// <c>cache_creation.ephemeral_1h_input_tokens</c>), priced at <see cref="ModelPrice.ExtendedCacheWrite"/>.
    /// </summary>
    public const string ExtendedCacheWriteInputTokenCount = "ExtendedCacheWriteInputTokenCount";
}
