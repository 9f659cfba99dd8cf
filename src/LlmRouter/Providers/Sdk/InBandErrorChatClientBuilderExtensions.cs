using LlmRouter;

namespace Microsoft.Extensions.AI;

/// <summary>Adds <see cref="InBandErrorChatClient"/> to a chat client pipeline.</summary>
public static class InBandErrorChatClientBuilderExtensions
{
    /// <summary>
    /// Adds a step that raises the errors the OpenAI SDK (and other SDKs built on System.ClientModel) pass on as stream data: an
    /// error event (<c>data: {"error": {…}}</c>) in a stream answered with HTTP 200, which the SDK reads as a chunk without content
    /// instead of throwing. The step throws a <see cref="ProviderException"/> classified by the OpenAI error rules instead, so the
    /// router falls back when it comes before the stream's first content, and the caller sees the failure rather than a stream
    /// that ends early as if it had succeeded.
    /// </summary>
    /// <param name="builder">The pipeline, typically a deployment's (<see cref="LlmRouterBuilder.ConfigureDeploymentClients"/>).</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <remarks>
    /// Other clients' updates, and responses that are not streamed, pass through untouched, so the step can wrap every deployment.
    /// It inspects only updates without content whose raw representation is a System.ClientModel model, writing each out once.
    /// </remarks>
    /// <example>
    /// <code>
    /// builder.ConfigureDeploymentClients((_, pipeline) => pipeline.UseInBandErrors());
    /// </code>
    /// </example>
    public static ChatClientBuilder UseInBandErrors(this ChatClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use(static inner => new InBandErrorChatClient(inner));
    }
}
