namespace LlmRouter;

/// <summary>The router's rate limits as built: the caller limits, and the shared store when one is configured.</summary>
internal sealed class RateLimitSettings(CallerRateLimit[] callers, IRateLimitStore? store)
{
    /// <summary>Gets the caller limits, in the order they were added.</summary>
    public CallerRateLimit[] Callers { get; } = callers;

    /// <summary>Gets the shared store, or <see langword="null"/> to count in this process.</summary>
    public IRateLimitStore? Store { get; } = store;
}
