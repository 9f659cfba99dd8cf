using System.ClientModel.Primitives;

namespace LlmRouter;

/// <summary>
/// Prepares the options of an SDK built on System.ClientModel (the OpenAI and Azure OpenAI SDKs among them) for a client that
/// serves as a router deployment.
/// </summary>
/// <example>
/// <code>
/// OpenAIClientOptions options = new OpenAIClientOptions { Endpoint = endpoint }.WithoutRetries();
/// IChatClient gpt = new ChatClient("gpt-4o-mini", new ApiKeyCredential(key), options).AsIChatClient();
/// builder.AddDeployment("gpt", gpt);
/// </code>
/// </example>
public static class ClientPipelineOptionsExtensions
{
    /// <summary>
    /// Turns the SDK's own retries off (<see cref="ClientPipelineOptions.RetryPolicy"/> becomes a
    /// <see cref="ClientRetryPolicy"/> of no retries), so that a failed call reaches the router at once: the router retries,
    /// falls back and honours <c>Retry-After</c> itself, and an SDK retrying underneath would multiply its attempts.
    /// </summary>
    /// <typeparam name="TOptions">The SDK's options type, such as <c>OpenAIClientOptions</c> or <c>AzureOpenAIClientOptions</c>.</typeparam>
    /// <param name="options">The options, before a client is created from them (a client freezes its options).</param>
    /// <returns><paramref name="options"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">A client was already created from <paramref name="options"/>, which froze them.</exception>
    /// <remarks>
    /// The SDKs' default policy retries 429, 408 and 5xx responses up to three times with backoff. Nothing on a created client
    /// tells whether its pipeline retries, so the router cannot check it: set this on every options object whose client serves a
    /// deployment.
    /// </remarks>
    public static TOptions WithoutRetries<TOptions>(this TOptions options)
        where TOptions : ClientPipelineOptions
    {
        ArgumentNullException.ThrowIfNull(options);
        options.RetryPolicy = new ClientRetryPolicy(maxRetries: 0);
        return options;
    }
}
