namespace LlmRouter;

/// <summary>
/// A virtual key's own rate limit (<c>LlmRouter:Gateway:Keys:{name}:RateLimit</c>): the router enforces it as a caller rate
/// limit for the key's caller alone (<see cref="RateLimitOptions.Caller"/>), named <c>gateway-key:{name}</c>, so a key over it
/// gets 429 with <c>Retry-After</c> before anything is sent. Set at least one limit.
/// </summary>
public sealed class GatewayKeyRateLimit
{
    /// <summary>Gets or sets how many requests the key may make per minute.</summary>
    /// <value>The default is <see langword="null"/>: no limit.</value>
    public long? RequestsPerMinute { get; set; }

    /// <summary>Gets or sets how many requests the key may make per hour.</summary>
    /// <value>The default is <see langword="null"/>: no limit.</value>
    public long? RequestsPerHour { get; set; }

    /// <summary>Gets or sets how many tokens (input plus output) the key may use per minute.</summary>
    /// <value>The default is <see langword="null"/>: no limit.</value>
    public long? TokensPerMinute { get; set; }

    /// <summary>Gets or sets how many tokens (input plus output) the key may use per hour.</summary>
    /// <value>The default is <see langword="null"/>: no limit.</value>
    public long? TokensPerHour { get; set; }
}
