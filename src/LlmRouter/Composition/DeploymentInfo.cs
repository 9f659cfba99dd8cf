namespace LlmRouter;

/// <summary>
/// What a step of a deployment's pipeline may need to know about the deployment it wraps, given to the callback of
/// <see cref="LlmRouterBuilder.ConfigureDeploymentClients"/>: its name, provider, model, tags, region and whether it is trusted.
/// </summary>
/// <remarks>Immutable.</remarks>
public sealed class DeploymentInfo
{
    internal DeploymentInfo(string name, string provider, string? model, IReadOnlySet<string> tags, string? region, bool trusted)
    {
        Name = name;
        Provider = provider;
        Model = model;
        Tags = tags;
        Region = region;
        Trusted = trusted;
    }

    /// <summary>Gets the deployment's unique name.</summary>
    public string Name { get; }

    /// <summary>Gets the provider name reported on responses and in telemetry.</summary>
    public string Provider { get; }

    /// <summary>Gets the model id sent to the provider, or <see langword="null"/> when the client's default model is used.</summary>
    public string? Model { get; }

    /// <summary>Gets the deployment's tags, compared case-insensitively.</summary>
    public IReadOnlySet<string> Tags { get; }

    /// <summary>Gets where the deployment processes data (<see cref="DeploymentOptions.Region"/>), or <see langword="null"/> when unknown.</summary>
    public string? Region { get; }

    /// <summary>Gets whether the deployment may see sensitive data unredacted (<see cref="DeploymentOptions.Trusted"/>).</summary>
    public bool Trusted { get; }

    /// <summary>Returns the name, provider and model, for diagnostics.</summary>
    /// <returns>For example <c>primary (openai, gpt-4o-mini)</c>.</returns>
    public override string ToString() => $"{Name} ({Provider}, {Model ?? "default model"})";
}
