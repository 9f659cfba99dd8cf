using Microsoft.Extensions.Logging;

namespace LlmRouter;

/// <summary>Registers what a router needs to serve deployments with the official Anthropic SDK's clients.</summary>
public static class LlmRouterBuilderAnthropicExtensions
{
    /// <summary>
    /// Classifies the Anthropic SDK's exceptions (<see cref="AnthropicSdkErrorClassifier"/>) for deployments whose client is the
    /// SDK's own <c>AsIChatClient</c>, and warns once per deployment, when the router is built, about such a client whose SDK
    /// retries are still on (<c>MaxRetries</c> other than 0): they would multiply the router's own retries.
    /// </summary>
    /// <param name="builder">The router builder.</param>
    /// <param name="loggerFactory">
    /// Where the warning is logged (category <c>LlmRouter</c>, event 100, Warning). Optional: under dependency injection the
    /// container's <see cref="ILoggerFactory"/> is used; without either, nothing is logged.
    /// </param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <remarks>
    /// Clients created with <see cref="AnthropicClientRouterExtensions.AsRouterChatClient"/> need neither: their retries are off and
    /// they report failures the router already understands. The SDK's exceptions carry no response headers, so with this
    /// classifier alone a rate-limited deployment cools down for <see cref="CooldownOptions.DefaultDuration"/>, not for the
    /// <c>Retry-After</c> Anthropic sent.
    /// </remarks>
    /// <example>
    /// <code>
    /// builder.AddAnthropicSdkErrors()
    ///        .AddDeployment("haiku", new AnthropicClient(new ClientOptions { MaxRetries = 0 }).AsIChatClient("claude-haiku-4-5", 1024));
    /// </code>
    /// </example>
    public static LlmRouterBuilder AddAnthropicSdkErrors(this LlmRouterBuilder builder, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var check = new AnthropicSdkRetriesCheck(loggerFactory);
        return builder
            .AddErrorClassifier(new AnthropicSdkErrorClassifier())
            .ConfigureDeploymentClients(check.Inspect);
    }
}
