using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// The outermost step of an untrusted deployment's pipeline in a router that protects data: for a request the router marked for
/// redaction, sends the redacted messages instead of the caller's and puts the original values back in the answer, streamed or
/// not, tool-call arguments included. A streamed answer holds back only text that may be the start of a placeholder, so a
/// placeholder split across chunks is restored whole. Other requests pass through untouched.
/// </summary>
/// <remarks>Thread-safe; keeps no state between calls. Disposing it disposes the inner step, as every pipeline step does.</remarks>
internal sealed class RedactingChatClient(IChatClient innerClient) : DelegatingChatClient(innerClient)
{
    /// <inheritdoc />
    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return Take(ref options) is { } redaction
            ? RespondAsync(redaction, options, cancellationToken)
            : base.GetResponseAsync(messages, options, cancellationToken);
    }

    /// <inheritdoc />
    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return Take(ref options) is { } redaction
            ? StreamAsync(redaction, options, cancellationToken)
            : base.GetStreamingResponseAsync(messages, options, cancellationToken);
    }

    /// <summary>Takes the redaction the router left in the options, and removes it from what the deployment receives.</summary>
    private static RedactedRequest? Take(ref ChatOptions? options)
    {
        if (options?.AdditionalProperties is not { } properties
            || !properties.TryGetValue(LlmRouterRequestProperties.DataProtection, out object? value)
            || value is not DataProtectionOutcome { Redaction: { } redaction })
        {
            return null;
        }

        ChatOptions forwarded = options.Clone();
        var rest = new AdditionalPropertiesDictionary(properties);
        rest.Remove(LlmRouterRequestProperties.DataProtection);
        forwarded.AdditionalProperties = rest.Count == 0 ? null : rest;
        options = forwarded;
        return redaction;
    }

    private async Task<ChatResponse> RespondAsync(RedactedRequest redaction, ChatOptions? options, CancellationToken cancellationToken)
    {
        ChatResponse response = await base.GetResponseAsync(redaction.Messages, options, cancellationToken).ConfigureAwait(false);
        foreach (ChatMessage message in response.Messages)
        {
            Restore(message.Contents, redaction.Placeholders);
        }

        return response;
    }

    private async IAsyncEnumerable<ChatResponseUpdate> StreamAsync(
        RedactedRequest redaction, ChatOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Placeholders placeholders = redaction.Placeholders;
        string held = string.Empty;
        ChatResponseUpdate? last = null;
        await foreach (ChatResponseUpdate update in base.GetStreamingResponseAsync(redaction.Messages, options, cancellationToken).ConfigureAwait(false))
        {
            IList<AIContent> contents = update.Contents;
            for (int i = 0; i < contents.Count; i++)
            {
                if (contents[i] is TextContent text)
                {
                    string pending = held + text.Text;
                    int releasable = placeholders.Releasable(pending);
                    held = pending[releasable..];
                    text.Text = placeholders.Restore(pending[..releasable]);
                }
                else
                {
                    Restore(contents[i], placeholders);
                }
            }

            last = update;
            yield return update;
        }

        if (held.Length > 0)
        {
            yield return new ChatResponseUpdate(ChatRole.Assistant, placeholders.Restore(held))
            {
                MessageId = last?.MessageId,
                ResponseId = last?.ResponseId,
                ModelId = last?.ModelId,
            };
        }
    }

    private static void Restore(IList<AIContent> contents, Placeholders placeholders)
    {
        foreach (AIContent content in contents)
        {
            Restore(content, placeholders);
        }
    }

    private static void Restore(AIContent content, Placeholders placeholders)
    {
        switch (content)
        {
            case TextContent text:
                text.Text = placeholders.Restore(text.Text);
                break;
            case TextReasoningContent reasoning:
                reasoning.Text = placeholders.Restore(reasoning.Text);
                break;
            case FunctionCallContent { Arguments: { } arguments }:
                foreach (KeyValuePair<string, object?> argument in arguments.ToArray())
                {
                    arguments[argument.Key] = argument.Value switch
                    {
                        string value => placeholders.Restore(value),
                        JsonElement { ValueKind: JsonValueKind.String } value => placeholders.Restore(value.GetString() ?? string.Empty),
                        JsonElement { ValueKind: JsonValueKind.Object or JsonValueKind.Array } value => RestoreJson(value, placeholders),
                        _ => argument.Value,
                    };
                }

                break;
        }
    }

    private static JsonElement RestoreJson(JsonElement value, Placeholders placeholders)
    {
        string raw = value.GetRawText();
        string restored = placeholders.Restore(raw, json: true);
        if (ReferenceEquals(raw, restored))
        {
            return value;
        }

        using var document = JsonDocument.Parse(restored);
        return document.RootElement.Clone();
    }
}
