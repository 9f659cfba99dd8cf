using Anthropic;
using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>Creates chat clients from the official Anthropic SDK that are ready to serve as router deployments.</summary>
public static class AnthropicClientRouterExtensions
{
    /// <summary>
    /// Gets an <see cref="IChatClient"/> for <paramref name="client"/>, as the SDK's <c>AsIChatClient</c> does, made for a router
    /// deployment: the SDK's own retries are off (<c>MaxRetries = 0</c>), so they never multiply the router's; and its failures
    /// reach the router as <see cref="ProviderException"/>s with their kind, status code, error type and the <c>Retry-After</c>
    /// of the failed response, so no classifier is needed and a rate-limited deployment cools down for as long as Anthropic asks.
    /// </summary>
    /// <param name="client">The SDK client. It is not changed: a copy with retries off and a handler that reads failed
    /// responses' headers serves the deployment. It must not have sent a request yet when it has <c>Handlers</c> of its own.</param>
    /// <param name="defaultModelId">The model to use when a request names none; the router sends the deployment's model.</param>
    /// <param name="defaultMaxOutputTokens">The output limit when a request sets none (the Messages API requires one).</param>
    /// <returns>A chat client; the router that serves it disposes it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="client"/> is <see langword="null"/>.</exception>
    /// <example>
    /// <code>
    /// var anthropic = new AnthropicClient(new ClientOptions { ApiKey = key });
    /// builder.AddDeployment("haiku", anthropic.AsRouterChatClient("claude-haiku-4-5", defaultMaxOutputTokens: 1024));
    /// </code>
    /// </example>
    /// <remarks>
    /// A failure after a stream's first content reaches the caller as that <see cref="ProviderException"/>, with the SDK's own
    /// exception as its <see cref="Exception.InnerException"/>.
    /// </remarks>
    public static IChatClient AsRouterChatClient(this IAnthropicClient client, string? defaultModelId = null, int? defaultMaxOutputTokens = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        IAnthropicClient forRouter = client.WithOptions(options => options with
        {
            MaxRetries = 0,
            Handlers = [.. options.Handlers ?? [], new FailedResponseCapture()],
        });
        return new AnthropicRouterChatClient(forRouter.AsIChatClient(defaultModelId, defaultMaxOutputTokens), forRouter);
    }
}
