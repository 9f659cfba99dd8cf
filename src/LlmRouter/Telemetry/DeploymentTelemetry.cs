using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>A deployment's telemetry values, computed once: span name, server address and port (boxed once).</summary>
internal sealed class DeploymentTelemetry
{
    public DeploymentTelemetry(Deployment deployment, IChatClient client)
    {
        Name = deployment.Name;
        Provider = deployment.Provider;
        Model = deployment.Model ?? deployment.Name;
        SpanName = TelemetryConstants.ChatOperation + " " + Model;
        if (client.GetService(typeof(ChatClientMetadata)) is ChatClientMetadata { ProviderUri: { IsAbsoluteUri: true } uri })
        {
            // Only host and port: a URL's path or query may carry a key for some providers.
            ServerAddress = uri.Host;
            ServerPort = uri.Port;
        }
    }

    public string Name { get; }

    public string Provider { get; }

    /// <summary>Gets the model sent to the provider, or the deployment's name when it uses the client's default model.</summary>
    public string Model { get; }

    public string SpanName { get; }

    public string? ServerAddress { get; }

    public object? ServerPort { get; }
}
