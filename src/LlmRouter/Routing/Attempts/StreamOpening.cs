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

    /// <summary>Gets the first committing update.</summary>
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
                    // Nothing the caller must see: an empty answer, which fails over like an empty non-streamed one.
                    throw held is not { Count: > 0 }
                        ? new ProviderException($"Deployment '{attempt.Deployment.Name}' ended its stream without sending any update.", ProviderErrorKind.InvalidResponse)
                        : new ProviderException(
                            $"Deployment '{attempt.Deployment.Name}' ended its stream with nothing in it: no text, no tool call and no other content.",
                            ProviderErrorKind.InvalidResponse)
                        {
                            Usage = new StreamOpening(stream, held, first: null).Usage(),
                        };
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

    /// <summary>
    /// Whether an update carries something the caller must see: content (<see cref="IsContent"/>), or a finish reason other
    /// than a normal stop (length, content filter, tool calls). Role-only, empty-text and usage-only updates, and a normal
    /// stop with nothing before it, do not: a stream made only of those is an empty answer.
    /// </summary>
    private static bool Commits(ChatResponseUpdate update)
    {
        if (update.FinishReason is { } reason && reason != ChatFinishReason.Stop)
        {
            return true;
        }

        IList<AIContent> contents = update.Contents;
        for (int i = 0; i < contents.Count; i++)
        {
            if (IsContent(contents[i]))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether a content is part of an answer: anything but empty text, empty reasoning and usage.</summary>
    public static bool IsContent(AIContent content) => content is not
        (TextContent { Text: null or "" } or TextReasoningContent { Text: null or "", ProtectedData: null } or UsageContent);
}
