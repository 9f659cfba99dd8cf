using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// Builds a deployment's pipeline: the steps that <see cref="LlmRouterBuilder.ConfigureDeploymentClients"/> callbacks add in
/// front of its client, as a <see cref="ChatClientBuilder"/> builds them. The first step added is the outermost, the one the
/// router calls; the deployment's client is innermost.
/// </summary>
internal static class DeploymentPipeline
{
    /// <summary>Wraps <paramref name="client"/> in the steps the callbacks add; returns the client itself when they add none.</summary>
    /// <param name="client">The deployment's own client.</param>
    /// <param name="deployment">What the callbacks may decide on.</param>
    /// <param name="configure">The callbacks, in the order they were registered.</param>
    /// <param name="services">The services the steps' factories may resolve (the container's, under dependency injection), or <see langword="null"/>.</param>
    /// <param name="redact">Whether the outermost step redacts sensitive data (<see cref="RedactingChatClient"/>): for an untrusted deployment of a router that protects data.</param>
    /// <returns>The client the router calls for the deployment.</returns>
    public static IChatClient Build(
        IChatClient client, DeploymentInfo deployment, IReadOnlyList<Action<DeploymentInfo, ChatClientBuilder>> configure, IServiceProvider? services, bool redact = false)
    {
        if (configure.Count == 0 && !redact)
        {
            return client;
        }

        var innermost = new LeaveOpenChatClient(client);
        var pipeline = new ChatClientBuilder(innermost);
        if (redact)
        {
            pipeline.Use(static inner => new RedactingChatClient(inner));
        }

        foreach (Action<DeploymentInfo, ChatClientBuilder> step in configure)
        {
            step(deployment, pipeline);
        }

        IChatClient built = pipeline.Build(services);
        return ReferenceEquals(built, innermost) ? client : built;
    }
}
