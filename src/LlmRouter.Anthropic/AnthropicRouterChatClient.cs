using System.Runtime.CompilerServices;
using Anthropic;
using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// The Anthropic SDK's chat client as a router deployment: turns the SDK's exceptions into <see cref="ProviderException"/>s
/// (kind, status code, error type and the <c>Retry-After</c> that <see cref="FailedResponseCapture"/> read), so the router
/// classifies them without a classifier. Created by <see cref="AnthropicClientRouterExtensions.AsRouterChatClient"/>.
/// </summary>
internal sealed class AnthropicRouterChatClient : DelegatingChatClient
{
    private readonly string? _apiKey;

    public AnthropicRouterChatClient(IChatClient innerClient, IAnthropicClient sdk)
        : base(innerClient)
    {
        _apiKey = sdk.ApiKey;
    }

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        FailedResponseCapture.Scope failure = FailedResponseCapture.Begin();
        try
        {
            return await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (AnthropicSdkErrors.Translate(exception, failure.RetryAfter, _apiKey) is { } translated)
        {
            throw translated;
        }
    }

    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return StreamAsync(messages, options, cancellationToken);
    }

    private async IAsyncEnumerable<ChatResponseUpdate> StreamAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // The SDK sends the request on the first MoveNextAsync, within the execution context that begins the scope.
        FailedResponseCapture.Scope failure = FailedResponseCapture.Begin();
        IAsyncEnumerator<ChatResponseUpdate> updates = base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                try
                {
                    if (!await updates.MoveNextAsync().ConfigureAwait(false))
                    {
                        yield break;
                    }
                }
                catch (Exception exception) when (AnthropicSdkErrors.Translate(exception, failure.RetryAfter, _apiKey) is { } translated)
                {
                    throw translated;
                }

                yield return updates.Current;
            }
        }
        finally
        {
            await updates.DisposeAsync().ConfigureAwait(false);
        }
    }
}
