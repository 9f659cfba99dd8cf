namespace LlmRouter;

/// <summary>
/// Describes one callable model for <see cref="LlmRouterBuilder.AddDeployment(string, Microsoft.Extensions.AI.IChatClient, Action{DeploymentOptions}?)"/>:
/// the model id sent to the provider, its price, capabilities, tags and weight.
/// </summary>
/// <remarks>Read once when the router is built; changing an instance afterwards has no effect on a built router.</remarks>
public sealed class DeploymentOptions
{
    /// <summary>Gets or sets the model id sent to the provider in <c>ChatOptions.ModelId</c>.</summary>
    /// <value>The default is <see langword="null"/>: the client's own default model (<c>ChatClientMetadata.DefaultModelId</c>).</value>
    public string? Model { get; set; }

    /// <summary>Gets or sets the provider name reported on responses and in telemetry (for example <c>openai</c>).</summary>
    /// <value>The default is <see langword="null"/>: the client's <c>ChatClientMetadata.ProviderName</c>, else <c>unknown</c>.</value>
    public string? Provider { get; set; }

    /// <summary>Gets or sets the price of the model, in USD per million tokens.</summary>
    /// <value>The default is <see langword="null"/>: unknown.</value>
    public ModelPrice? Price { get; set; }

    /// <summary>Gets or sets what the model can do.</summary>
    /// <value>The default is <see langword="null"/>: unknown, so no request is kept from this deployment for lack of a capability.</value>
    public ModelCapabilities? Capabilities { get; set; }

    /// <summary>Gets or sets the model's context window in tokens (prompt plus output).</summary>
    /// <value>The default is <see langword="null"/>: unknown. When known, a request that overflowed a smaller window falls back only to larger ones.</value>
    public int? ContextWindow { get; set; }

    /// <summary>Gets or sets free-form tags such as a region (<c>eu</c>), <c>zero-retention</c> or <c>local</c>. Compared case-insensitively.</summary>
    /// <value>The default is empty.</value>
    public IList<string> Tags { get; set; } = [];

    /// <summary>
    /// Gets or sets where the deployment processes data: free text such as <c>eu</c>, <c>eu-west-1</c> or <c>us</c>, compared
    /// case-insensitively. Routes and requests that allow only some regions (<see cref="RouteOptions.AllowedRegions"/>) call the
    /// deployment only when it is in one of them; steps of the deployment pipeline see it (<see cref="DeploymentInfo.Region"/>).
    /// </summary>
    /// <value>The default is <see langword="null"/>: unknown.</value>
    public string? Region { get; set; }

    /// <summary>
    /// Gets or sets whether the deployment may see sensitive data unredacted: a local or on-premises model, or a provider under
    /// a contract you trust. Data protection (<see cref="RouteOptions.DataProtection"/>) sends it unredacted text and keeps
    /// <see cref="DataProtectionAction.TrustedOnly"/> requests on such deployments; steps of the deployment pipeline see it
    /// (<see cref="DeploymentInfo.Trusted"/>).
    /// </summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool Trusted { get; set; }

    /// <summary>
    /// Gets or sets how many calls the deployment may serve at once. A saturated deployment is skipped for the next candidate,
    /// or waited for up to <see cref="QueueTimeout"/>.
    /// </summary>
    /// <value>The default is <see langword="null"/>: no limit.</value>
    public int? MaxConcurrentRequests { get; set; }

    /// <summary>
    /// Gets or sets how long a request waits for a free slot when the deployment is at <see cref="MaxConcurrentRequests"/>, or
    /// for its <see cref="RequestsPerMinute"/> and <see cref="TokensPerMinute"/> limits to admit it, before it moves on to the next candidate.
    /// </summary>
    /// <value>The default is zero: a saturated deployment is skipped at once.</value>
    public TimeSpan QueueTimeout { get; set; }

    /// <summary>
    /// Gets or sets how many calls per minute the deployment may receive, matching the provider's quota. A deployment at its
    /// limit is set aside for the next candidate with the reason (it is never called only to collect a 429), or waited for when
    /// it admits again within <see cref="QueueTimeout"/>. The limit refills continuously (a token bucket).
    /// </summary>
    /// <value>The default is <see langword="null"/>: no limit.</value>
    public long? RequestsPerMinute { get; set; }

    /// <summary>
    /// Gets or sets how many tokens per minute the deployment may receive: each call reserves its estimated input plus expected
    /// output before it is made and settles with the usage the provider reported. At its limit the deployment is set aside or
    /// waited for, as with <see cref="RequestsPerMinute"/>.
    /// </summary>
    /// <value>The default is <see langword="null"/>: no limit.</value>
    public long? TokensPerMinute { get; set; }

    /// <summary>Gets or sets the relative share of traffic for weighted strategies; must be finite and not negative.</summary>
    /// <value>The default is 1.</value>
    public double Weight { get; set; } = 1;
}
