using System.Collections.Frozen;
using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// One callable model as the router built it: a client plus model id, provider, price, capabilities, tags and weight.
/// Immutable; what selection strategies see of each candidate.
/// </summary>
/// <remarks>
/// <see cref="Price"/>, <see cref="ContextWindow"/> and <see cref="Capabilities"/> are the deployment's own settings when it
/// has them, else the <see cref="PriceCatalog.Default"/> entry of its model: found by model and provider, else by model
/// alone when only one provider's entry has that name (so a model served through Azure OpenAI, OpenRouter or an
/// OpenAI-compatible endpoint still finds its list price).
/// </remarks>
public sealed class Deployment
{
    private DeploymentTelemetry? _telemetry;

    internal Deployment(
        int index,
        string name,
        IChatClient client,
        string? model,
        string provider,
        DeploymentOptions options,
        ModelCatalogEntry? catalogEntry,
        DeploymentState state,
        SpendCounter spend)
    {
        Index = index;
        Name = name;
        Source = client;
        Client = client;
        Model = model;
        Provider = provider;
        CatalogEntry = catalogEntry;
        Price = options.Price ?? catalogEntry?.Price;
        Capabilities = options.Capabilities ?? catalogEntry?.Capabilities;
        ContextWindow = options.ContextWindow ?? catalogEntry?.ContextWindow;
        Tags = options.Tags?.ToFrozenSet(StringComparer.OrdinalIgnoreCase) ?? FrozenSet<string>.Empty;
        Weight = options.Weight;
        Region = options.Region;
        Trusted = options.Trusted;
        PromptCacheKey = client is OpenAIChatClient { SendsPromptCacheKey: true };
        QueueTimeout = options.QueueTimeout;
        State = state;
        Spend = spend;
        if (Price is { } price)
        {
            InputPerToken = (double)price.Input / 1_000_000;
            OutputPerToken = (double)price.Output / 1_000_000;
        }
    }

    /// <summary>Gets the deployment's unique name.</summary>
    public string Name { get; }

    /// <summary>Gets the model id sent to the provider, or <see langword="null"/> when the client's default model is used.</summary>
    public string? Model { get; }

    /// <summary>Gets the provider name reported on responses and in telemetry.</summary>
    public string Provider { get; }

    /// <summary>
    /// Gets the price in USD per million tokens: <see cref="DeploymentOptions.Price"/>, else the price catalog's list price for
    /// the model; <see langword="null"/> when neither is known, in which case the deployment's calls are not costed.
    /// </summary>
    public ModelPrice? Price { get; }

    /// <summary>
    /// Gets what the model can do: <see cref="DeploymentOptions.Capabilities"/>, else the price catalog's; <see langword="null"/>
    /// when unknown, in which case no request is kept from the deployment for lack of a capability.
    /// </summary>
    public ModelCapabilities? Capabilities { get; }

    /// <summary>Gets the context window in tokens: <see cref="DeploymentOptions.ContextWindow"/>, else the price catalog's; <see langword="null"/> when unknown.</summary>
    public int? ContextWindow { get; }

    /// <summary>Gets the deployment's tags, compared case-insensitively.</summary>
    public IReadOnlySet<string> Tags { get; }

    /// <summary>Gets where the deployment processes data (<see cref="DeploymentOptions.Region"/>), or <see langword="null"/> when unknown.</summary>
    public string? Region { get; }

    /// <summary>Gets whether the deployment may see sensitive data unredacted (<see cref="DeploymentOptions.Trusted"/>).</summary>
    public bool Trusted { get; }

    /// <summary>
    /// Gets the estimator of this deployment's requests: the router's <see cref="ITokenEstimator"/>, made for the deployment's
    /// model (<see cref="ITokenEstimator.ForModel"/>) when the routing model is built.
    /// </summary>
    internal ITokenEstimator Estimator { get; set; } = TokenEstimators.Default;

    /// <summary>Gets whether the deployment's requests carry a <c>prompt_cache_key</c> derived from the caller key (<see cref="PromptCacheKeys"/>).</summary>
    internal bool PromptCacheKey { get; }

    /// <summary>Gets the relative share of traffic for weighted strategies.</summary>
    public double Weight { get; }

    /// <summary>Gets the deployment's concurrency limit, or <see langword="null"/> when it has none.</summary>
    public int? MaxConcurrentRequests => State.Gate.Limit;

    /// <summary>Gets how many calls to the deployment are in flight right now, across every route and request.</summary>
    public int InFlight => State.Gate.InFlight;

    /// <summary>Gets how long a request waits for a free slot when the deployment is saturated.</summary>
    public TimeSpan QueueTimeout { get; }

    /// <summary>Gets the price catalog entry of the deployment's model, or <see langword="null"/> when the catalog does not know it.</summary>
    internal ModelCatalogEntry? CatalogEntry { get; }

    /// <summary>Gets the input price per token as a <see cref="double"/>, for ranking; 0 without a price.</summary>
    internal double InputPerToken { get; }

    /// <summary>Gets the output price per token as a <see cref="double"/>, for ranking; 0 without a price.</summary>
    internal double OutputPerToken { get; }

    /// <summary>Gets the position of the deployment in the router, for per-request bookkeeping without allocation.</summary>
    internal int Index { get; }

    /// <summary>Gets the client the router calls: <see cref="Source"/> behind the deployment's pipeline, or <see cref="Source"/> itself when it has none.</summary>
    internal IChatClient Client { get; private set; }

    /// <summary>Gets the deployment's own client, as added or built from configuration; the router disposes it once, however many deployments share it.</summary>
    internal IChatClient Source { get; }

    /// <summary>Gets the deployment's mutable runtime state, kept across configuration reloads by name.</summary>
    internal DeploymentState State { get; }

    /// <summary>Gets what the deployment's calls have cost, kept across configuration reloads by name.</summary>
    internal SpendCounter Spend { get; }

    /// <summary>Gets the budgets that limit this deployment's own spend; empty for most deployments.</summary>
    internal Budget[] Budgets { get; set; } = [];

    /// <summary>Gets whether a route ranks this deployment by latency, so its calls are timed.</summary>
    internal bool TracksLatency { get; set; }

    /// <summary>Gets the deployment's telemetry values, computed on first use.</summary>
    internal DeploymentTelemetry Telemetry => _telemetry ??= new DeploymentTelemetry(this, Source);

    /// <summary>Makes <paramref name="pipeline"/> (the deployment's client behind its steps) what the router calls; once, while the model is built.</summary>
    internal void UsePipeline(IChatClient pipeline) => Client = pipeline;

    /// <summary>Disposes the steps of the deployment's pipeline, if it has any; the deployment's own client is left to its owner.</summary>
    internal void DisposePipeline()
    {
        if (!ReferenceEquals(Client, Source))
        {
            Client.Dispose();
        }
    }

    /// <summary>Returns the name, provider and model, for diagnostics.</summary>
    /// <returns>For example <c>primary (openai, gpt-4o-mini)</c>.</returns>
    public override string ToString() => $"{Name} ({Provider}, {Model ?? "default model"})";
}
