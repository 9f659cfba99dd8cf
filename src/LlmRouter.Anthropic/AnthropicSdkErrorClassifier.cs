namespace LlmRouter;

/// <summary>
/// Classifies the official Anthropic SDK's exceptions for the router, so a deployment served by the SDK's <c>AsIChatClient</c>
/// falls back, retries, cools down and stops as the built-in Anthropic client does. Added by
/// <see cref="LlmRouterBuilderAnthropicExtensions.AddAnthropicSdkErrors"/>.
/// </summary>
/// <remarks>
/// <para>
/// A failed response (<c>AnthropicApiException</c> and its subclasses) is classified by its error body's type and message, else
/// its status code: a too-long prompt is <see cref="ProviderErrorKind.ContextLengthExceeded"/>, 529 and <c>overloaded_error</c>
/// are <see cref="ProviderErrorKind.Overloaded"/>, 429 is <see cref="ProviderErrorKind.RateLimited"/>, 400 is
/// <see cref="ProviderErrorKind.BadRequest"/>. An <c>error</c> event in the middle of a stream (<c>AnthropicSseException</c>) is
/// classified by its type; a broken connection (<c>AnthropicIOException</c>) is <see cref="ProviderErrorKind.Transport"/>; an
/// unreadable response (<c>AnthropicInvalidDataException</c>) is <see cref="ProviderErrorKind.InvalidResponse"/>. Other
/// exceptions are left to the next classifier.
/// </para>
/// <para>
/// The SDK's exceptions carry no response headers, so this classifier cannot see a <c>Retry-After</c>: a rate-limited deployment
/// cools down for <see cref="CooldownOptions.DefaultDuration"/>. A client created with
/// <see cref="AnthropicClientRouterExtensions.AsRouterChatClient"/> reads the header itself and needs no classifier.
/// </para>
/// <para>Thread-safe and stateless.</para>
/// </remarks>
public sealed class AnthropicSdkErrorClassifier : IProviderErrorClassifier
{
    /// <inheritdoc/>
    public ProviderError? Classify(Exception exception) => AnthropicSdkErrors.Classify(exception);
}
