using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// A stream opened up to its commit point: the updates held back (role-only or empty ones, which the caller need not see
/// yet), the first update that commits, and the rest to read. Until the commit point a failure can still fail over; after
/// it, the caller has seen output and the stream is theirs.
/// </summary>
internal readonly struct StreamOpening
{
    // Provider streams often open with a role-only or empty-text update; holding those back until real content arrives
    // keeps failover possible when the stream breaks right after. Beyond this many, commit anyway.
    private const int MaxHeldUpdates = 16;

    private StreamOpening(IAsyncEnumerator<ChatResponseUpdate> stream, List<ChatResponseUpdate>? held, ChatResponseUpdate? first)
    {
        Stream = stream;
        Held = held;
        First = first;
    }

    /// <summary>Gets the stream, positioned after <see cref="First"/>.</summary>
    public IAsyncEnumerator<ChatResponseUpdate> Stream { get; }

    /// <summary>Gets the updates held back before the first committing one, or <see langword="null"/>.</summary>
    public List<ChatResponseUpdate>? Held { get; }

    /// <summary>Gets the first committing update, or <see langword="null"/> when the stream ended after held updates only.</summary>
    public ChatResponseUpdate? First { get; }

    /// <summary>
    /// Calls the attempt's deployment for a stream and reads it up to its commit point. A stream that fails before, or ends
    /// without sending a single update, is disposed and its failure thrown, for the caller to retry or fail over.
    /// </summary>
    public static async ValueTask<StreamOpening> OpenAsync(AttemptEngine engine, Attempt attempt, IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        IAsyncEnumerator<ChatResponseUpdate>? stream = null;
        List<ChatResponseUpdate>? held = null;
        try
        {
            stream = attempt.Deployment.Client
                .GetStreamingResponseAsync(messages, RequestProperties.Forward(options, attempt.Deployment), attempt.Token)
                .GetAsyncEnumerator(attempt.Token);
            while (true)
            {
                if (!await stream.MoveNextAsync().ConfigureAwait(false))
                {
                    if (held is not { Count: > 0 })
                    {
                        throw new ProviderException(
                            $"Deployment '{attempt.Deployment.Name}' ended its stream without sending any update.", ProviderErrorKind.InvalidResponse);
                    }

                    return new StreamOpening(stream, held, first: null);
                }

                ChatResponseUpdate update = stream.Current;
                attempt.Timer?.OnChunk();
                if (held is not { Count: > 0 })
                {
                    engine.FirstChunk(attempt);
                }

                if (Commits(update) || held?.Count >= MaxHeldUpdates)
                {
                    return new StreamOpening(stream, held, update);
                }

                (held ??= []).Add(update);
            }
        }
        catch
        {
            if (stream is not null)
            {
                await DisposeAfterFailureAsync(stream).ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>Disposes a stream that already failed; a failure to close adds nothing to the failure being recorded.</summary>
    public static async ValueTask DisposeAfterFailureAsync(IAsyncEnumerator<ChatResponseUpdate> stream)
    {
        try
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The attempt already failed with its own exception, which is what gets recorded; a broken stream failing to close adds nothing.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>The usage the stream reported up to its commit point, if any (a stream that lost a race is not read further).</summary>
    public UsageDetails? Usage()
    {
        var tail = default(StreamTail);
        if (Held is not null)
        {
            foreach (ChatResponseUpdate update in Held)
            {
                tail.Observe(update);
            }
        }

        if (First is not null)
        {
            tail.Observe(First);
        }

        return tail.Usage;
    }

    /// <summary>Whether an update carries something the caller must see; role-only and empty-text updates do not.</summary>
    private static bool Commits(ChatResponseUpdate update)
    {
        if (update.FinishReason is not null)
        {
            return true;
        }

        IList<AIContent> contents = update.Contents;
        for (int i = 0; i < contents.Count; i++)
        {
            switch (contents[i])
            {
                case TextContent { Text: null or "" }:
                case TextReasoningContent { Text: null or "", ProtectedData: null }:
                    continue;
                default:
                    return true;
            }
        }

        return false;
    }
}
