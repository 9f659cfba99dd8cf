using System.Collections.Frozen;
using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// One callable model as the router built it: a client plus model id, provider, price, capabilities, tags and weight.
/// Immutable; what selection strategies see of each candidate.
/// </summary>
public sealed class Deployment
{
    private DeploymentTelemetry? _telemetry;

    internal Deployment(int index, string name, IChatClient client, string? model, string provider, DeploymentOptions options, DeploymentState state)
    {
        Index = index;
        Name = name;
        Client = client;
        Model = model;
        Provider = provider;
        Price = options.Price;
        Capabilities = options.Capabilities;
        ContextWindow = options.ContextWindow;
        Tags = options.Tags.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
        Weight = options.Weight;
        QueueTimeout = options.QueueTimeout;
        State = state;
    }

    /// <summary>Gets the deployment's unique name.</summary>
    public string Name { get; }

    /// <summary>Gets the model id sent to the provider, or <see langword="null"/> when the client's default model is used.</summary>
    public string? Model { get; }

    /// <summary>Gets the provider name reported on responses and in telemetry.</summary>
    public string Provider { get; }

    /// <summary>Gets the price in USD per million tokens, or <see langword="null"/> when unknown.</summary>
    public ModelPrice? Price { get; }

    /// <summary>Gets what the model can do, or <see langword="null"/> when unknown.</summary>
    public ModelCapabilities? Capabilities { get; }

    /// <summary>Gets the context window in tokens, or <see langword="null"/> when unknown.</summary>
    public int? ContextWindow { get; }

    /// <summary>Gets the deployment's tags, compared case-insensitively.</summary>
    public IReadOnlySet<string> Tags { get; }

    /// <summary>Gets the relative share of traffic for weighted strategies.</summary>
    public double Weight { get; }

    /// <summary>Gets the deployment's concurrency limit, or <see langword="null"/> when it has none.</summary>
    public int? MaxConcurrentRequests => State.Gate.Limit;

    /// <summary>Gets how long a request waits for a free slot when the deployment is saturated.</summary>
    public TimeSpan QueueTimeout { get; }

    /// <summary>Gets the position of the deployment in the router, for per-request bookkeeping without allocation.</summary>
    internal int Index { get; }

    /// <summary>Gets the client that serves the deployment's calls.</summary>
    internal IChatClient Client { get; }

    /// <summary>Gets the deployment's mutable runtime state, kept across configuration reloads by name.</summary>
    internal DeploymentState State { get; }

    /// <summary>Gets the deployment's telemetry values, computed on first use.</summary>
    internal DeploymentTelemetry Telemetry => _telemetry ??= new DeploymentTelemetry(this, Client);

    /// <summary>Returns the name, provider and model, for diagnostics.</summary>
    /// <returns>For example <c>primary (openai, gpt-4o-mini)</c>.</returns>
    public override string ToString() => $"{Name} ({Provider}, {Model ?? "default model"})";
}
