namespace LlmRouter;

/// <summary>
/// A rate limit on each caller (a tenant, user or API key) for <see cref="LlmRouterBuilder.AddRateLimit"/>: requests and
/// tokens per minute and per hour, counted for each value of <see cref="CallerProperty"/> separately, optionally only for the
/// requests of one route. A caller over a limit gets <see cref="RateLimitExceededException"/> before anything is sent.
/// </summary>
/// <remarks>
/// <para>
/// Each limit is a token bucket: it holds the whole limit and refills continuously, so a caller that was idle may spend its
/// limit at once and then gets the limit's rate (for example 60 requests per minute: one a second). Tokens are the request's
/// estimated input plus its expected output, reserved when the request is admitted and settled with the usage the providers
/// reported when it ends.
/// </para>
/// <para>
/// Read once when the router is built. Limits count in this process unless a shared store is configured (the
/// <c>LlmRouter.Redis</c> package's <c>UseRedis</c>), in which case every process using the store shares them.
/// </para>
/// </remarks>
public sealed class RateLimitOptions
{
    /// <summary>
    /// Gets or sets the request property (<c>ChatOptions.AdditionalProperties</c>) whose value identifies the caller. Requests
    /// without it are not limited.
    /// </summary>
    /// <value>The default is <see cref="LlmRouterRequestProperties.Caller"/> (<c>llmrouter.caller</c>).</value>
    public string CallerProperty { get; set; } = LlmRouterRequestProperties.Caller;

    /// <summary>
    /// Gets or sets the route whose requests the limit counts (requests that asked for it, directly or through a tiered or A/B
    /// route); each caller then has the limit on that route alone.
    /// </summary>
    /// <value>The default is <see langword="null"/>: every request counts.</value>
    public string? Route { get; set; }

    /// <summary>
    /// Gets or sets the one caller (a value of <see cref="CallerProperty"/>, compared exactly) the limit applies to, such as a
    /// tenant or an API key with a limit of its own; other callers are not limited by it.
    /// </summary>
    /// <value>The default is <see langword="null"/>: each caller separately, every one with the whole limit.</value>
    public string? Caller { get; set; }

    /// <summary>Gets or sets how many requests a caller may make per minute.</summary>
    /// <value>The default is <see langword="null"/>: no limit.</value>
    public long? RequestsPerMinute { get; set; }

    /// <summary>Gets or sets how many requests a caller may make per hour.</summary>
    /// <value>The default is <see langword="null"/>: no limit.</value>
    public long? RequestsPerHour { get; set; }

    /// <summary>Gets or sets how many tokens (input plus output) a caller may use per minute.</summary>
    /// <value>The default is <see langword="null"/>: no limit.</value>
    public long? TokensPerMinute { get; set; }

    /// <summary>Gets or sets how many tokens (input plus output) a caller may use per hour.</summary>
    /// <value>The default is <see langword="null"/>: no limit.</value>
    public long? TokensPerHour { get; set; }
}
