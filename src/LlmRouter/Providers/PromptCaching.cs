namespace LlmRouter;

/// <summary>Whether a provider client asks the provider to cache long prompt prefixes (<see cref="ProviderOptions.PromptCaching"/>).</summary>
public enum PromptCaching
{
    /// <summary>
    /// Anthropic: <c>cache_control</c> breakpoints are placed on the tools, the system prompt and the last message before the final
    /// user turn, each only when the prompt up to it is long enough for the model to cache. OpenAI and Mistral: a request with a
    /// caller key (<see cref="LlmRouterRequestProperties.Caller"/>) carries a <c>prompt_cache_key</c> derived from it (a hash,
    /// never the key itself), so one caller's requests reach the same prompt cache; a request that sets <c>prompt_cache_key</c>
    /// itself keeps its own. Other formats cache on their own.
    /// </summary>
    Auto,

    /// <summary>No breakpoints are placed and no <c>prompt_cache_key</c> is sent; a request can still set its own through the provider's fields.</summary>
    Off,
}
