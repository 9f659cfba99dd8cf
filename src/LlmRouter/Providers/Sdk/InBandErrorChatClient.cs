using System.ClientModel.Primitives;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// Raises the errors an SDK built on System.ClientModel passes on as stream data. The OpenAI SDK does not throw for an error
/// event in a stream (<c>data: {"error": {…}}</c>, with or without <c>event: error</c>): it reads it as a chunk with no choices,
/// and its <c>AsIChatClient</c> turns that into an update without content, so the stream ends "successfully" with whatever it
/// had sent. This step finds the error in such an update's raw representation and throws a <see cref="ProviderException"/>
/// classified by the OpenAI error rules, so the router falls back before the commit point and the caller sees the failure after it.
/// </summary>
/// <remarks>
/// Only updates without content or finish reason are inspected, and only when their raw representation is a System.ClientModel
/// model: other clients' updates pass through untouched, and a normal stream has one such update (its opening role), written out
/// once to look for an <c>error</c> property. A response that is not streamed needs no step: for an error body sent with HTTP
/// 200 the SDK's adapter throws on its own, as it finds no choice in it.
/// </remarks>
internal sealed class InBandErrorChatClient(IChatClient innerClient) : DelegatingChatClient(innerClient)
{
    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return StreamAsync(messages, options, cancellationToken);
    }

    private async IAsyncEnumerable<ChatResponseUpdate> StreamAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (ChatResponseUpdate update in base.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
        {
            if (update.Contents.Count == 0 && update.FinishReason is null && ErrorIn(update.RawRepresentation) is { } error)
            {
                throw error;
            }

            yield return update;
        }
    }

    private ProviderException? ErrorIn(object? raw)
    {
        if (raw is not IPersistableModel<object> model)
        {
            return null;
        }

        BinaryData written;
        try
        {
            written = model.Write(ModelReaderWriterOptions.Json);
        }
        catch (Exception exception) when (exception is FormatException or InvalidOperationException or NotSupportedException)
        {
            return null;
        }

        ProviderErrorDetails details = OpenAIErrors.Parse(written.ToMemory().Span);
        if (details.Type is null && details.Code is null && details.Message is null && details.Kind is null)
        {
            return null;
        }

        string provider = InnerClient.GetService<ChatClientMetadata>()?.ProviderName ?? "The provider";
        var message = new StringBuilder(provider).Append(" reported an error");
        if ((details.Type ?? details.Code) is { } type)
        {
            message.Append(" (").Append(ErrorText.Clean(type)).Append(')');
        }

        message.Append(string.IsNullOrWhiteSpace(details.Message) ? "." : ": " + ErrorText.Clean(details.Message));
        return new ProviderException(message.ToString(), details.Kind ?? ProviderErrorKind.ServerError)
        {
            ProviderName = provider,
            ErrorType = ErrorText.Clean(details.Type),
            ErrorCode = ErrorText.Clean(details.Code),
        };
    }
}
