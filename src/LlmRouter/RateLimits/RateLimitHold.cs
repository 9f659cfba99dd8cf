namespace LlmRouter;

/// <summary>What an admitted attempt took from its deployment's rate limit: one request and its estimated tokens, to settle when it ends.</summary>
/// <param name="Limit">The deployment's limit; <see langword="null"/> when the deployment has none (nothing held).</param>
/// <param name="Tokens">The tokens reserved.</param>
/// <param name="Store">The shared store the units were taken from, or <see langword="null"/> when they were counted in this process.</param>
internal readonly record struct RateLimitHold(DeploymentRateLimit? Limit, long Tokens, IRateLimitStore? Store)
{
    /// <summary>Gets whether the hold is of a deployment that was set aside: not admitted.</summary>
    public bool Refused => Tokens < 0;

    /// <summary>The answer for a deployment set aside.</summary>
    public static RateLimitHold SetAside { get; } = new(null, -1, null);
}
