using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// The innermost step of a deployment's pipeline: forwards every call to the deployment's own client, and leaves that
/// client's disposal to the router, which disposes each client once however many deployments and pipelines share it.
/// </summary>
internal sealed class LeaveOpenChatClient(IChatClient innerClient) : DelegatingChatClient(innerClient)
{
    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        // The router disposes the deployment's client itself; disposing a pipeline disposes only its own steps.
    }
}
