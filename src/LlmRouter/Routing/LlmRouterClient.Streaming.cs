using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>Streaming: fail over and retry until the commit point, then pass the provider's stream through untouched.</summary>
internal sealed partial class LlmRouterClient
{
    // Provider streams often open with a role-only or empty-text update; holding those back until real content
    // arrives keeps failover possible when the stream breaks right after. Beyond this many, commit anyway.
    private const int MaxHeldUpdates = 16;

    /// <inheritdoc />
    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        RouterModel model = _model;
        Route route = model.ResolveRoute(options?.ModelId);
        return StreamAsync(model, route, messages, options, cancellationToken);
    }

    private async IAsyncEnumerable<ChatResponseUpdate> StreamAsync(
        RouterModel model,
        Route requested,
        IEnumerable<ChatMessage> messages,
        ChatOptions? options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        long now = _time.GetTimestamp();
        RouterRequest request = RentRequest(model, requested, messages, options, now, streaming: true, cancellationToken);
        requested = request.Requested;
        IAsyncEnumerator<ChatResponseUpdate>? stream = null;
        List<ChatResponseUpdate>? held = null;
        ChatResponseUpdate? first = null;
        Attempt attempt = default;
        var tail = default(StreamTail);
        bool attemptOpen = false;
        bool ended = false;
        bool retrying = false;
        try
        {
            if (requested.Hedging is not null)
            {
                (attempt, StreamOpening opening) = await RaceAsync(
                    request,
                    streaming: true,
                    racer => OpenStreamAsync(racer, messages, options),
                    discard: static loser => loser.Stream.DisposeAsync(),
                    usageOf: static loser => loser.Usage(),
                    cancellationToken).ConfigureAwait(false);
                attemptOpen = true;
                (stream, held, first, ended) = (opening.Stream, opening.Held, opening.First, opening.Ended);
            }

            // Before the commit point: any failure retries the deployment or moves on to the next candidate.
            while (requested.Hedging is null)
            {
                if (!retrying)
                {
                    Select(request, _time.GetTimestamp(), out Candidate candidate);
                    if (candidate.NeedsSlot && !await WaitForSlotAsync(request.Deadline, candidate, cancellationToken).ConfigureAwait(false))
                    {
                        request.NoteSaturated(candidate.Deployment);
                        continue;
                    }

                    if (candidate.NeedsSlot && !request.CompleteAdmission(ref candidate, _time.GetTimestamp()))
                    {
                        continue;
                    }

                    Admission admission = await ReserveAsync(request, candidate, cancellationToken).ConfigureAwait(false);
                    if (!admission.Proceed)
                    {
                        continue;
                    }

                    attempt = StartAttempt(request, candidate, @try: 1, streaming: true, cancellationToken, _time.GetTimestamp(), admission.Charges);
                    LogFallback(request, attempt);
                }

                retrying = false;
                attemptOpen = true;
                Exception? failure = null;
                try
                {
                    stream = attempt.Deployment.Client
                        .GetStreamingResponseAsync(messages, ForwardOptions(options, attempt.Deployment), attempt.Token)
                        .GetAsyncEnumerator(attempt.Token);
                    while (true)
                    {
                        if (!await stream.MoveNextAsync().ConfigureAwait(false))
                        {
                            ended = true;
                            if (held is not { Count: > 0 })
                            {
                                failure = new ProviderException(
                                    $"Deployment '{attempt.Deployment.Name}' ended its stream without sending any update.", ProviderErrorKind.InvalidResponse);
                            }

                            break;
                        }

                        ChatResponseUpdate update = stream.Current;
                        attempt.Timer?.OnChunk();
                        if (held is not { Count: > 0 })
                        {
                            _telemetry.FirstChunk(attempt);
                            FirstChunkTimed(attempt);
                        }

                        if (Commits(update) || held?.Count >= MaxHeldUpdates)
                        {
                            first = update;
                            break;
                        }

                        (held ??= []).Add(update);
                    }
                }
                catch (Exception exception)
                {
                    failure = exception;
                }

                if (failure is null)
                {
                    break;
                }

                held?.Clear();
                ended = false;
                if (stream is not null)
                {
                    IAsyncEnumerator<ChatResponseUpdate> failed = stream;
                    stream = null;
                    await DisposeAfterFailureAsync(failed).ConfigureAwait(false);
                }

                attemptOpen = false;
                if (OnFailure(request, ref attempt, failure, cancellationToken, _time.GetTimestamp(), out TimeSpan wait) == AfterFailure.Retry)
                {
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
                    }

                    if (request.TryReadmit(attempt.Deployment, attempt.Route, _time.GetTimestamp(), out Candidate again))
                    {
                        Admission admission = await ReserveAsync(request, again, cancellationToken).ConfigureAwait(false);
                        if (admission.Proceed)
                        {
                            attempt = StartAttempt(request, again, attempt.Try + 1, streaming: true, cancellationToken, _time.GetTimestamp(), admission.Charges);
                            retrying = true;
                        }
                    }
                }
            }

            // Committed: from here on, the caller sees the provider's stream and its errors unchanged.
            if (held is not null)
            {
                foreach (ChatResponseUpdate update in held)
                {
                    Observe(ref tail, request, update);
                    yield return update;
                }
            }

            if (first is not null)
            {
                Observe(ref tail, request, first);
                yield return first;
                while (true)
                {
                    Exception? broken = null;
                    bool more = false;
                    try
                    {
                        more = await stream!.MoveNextAsync().ConfigureAwait(false);
                    }
                    catch (Exception exception)
                    {
                        broken = exception;
                    }

                    if (broken is not null)
                    {
                        IAsyncEnumerator<ChatResponseUpdate> failed = stream!;
                        stream = null;
                        await DisposeAfterFailureAsync(failed).ConfigureAwait(false);
                        attemptOpen = false;
                        Exception surfaced = OnStreamBroken(request, ref attempt, broken, cancellationToken, _time.GetTimestamp(), tail.Usage);
                        request.Telemetry.Failure = surfaced;
                        ExceptionDispatchInfo.Throw(surfaced);
                    }

                    if (!more)
                    {
                        break;
                    }

                    ChatResponseUpdate update = stream!.Current;
                    attempt.Timer?.OnChunk();
                    Observe(ref tail, request, update);
                    yield return update;
                }
            }

            if (stream is not null)
            {
                IAsyncEnumerator<ChatResponseUpdate> finished = stream;
                stream = null;
                await finished.DisposeAsync().ConfigureAwait(false);
            }

            attemptOpen = false;
            long end = _time.GetTimestamp();
            Succeeded(ref attempt, end);
            object? cost = Charge(request, ref attempt, tail.Usage, AttemptEnd.Served) is not null ? (object)request.Cost : null;
            ChatResponseUpdate final = FinalUpdate(tail, attempt, request, cost);
            StreamServed(request, ref attempt, final.AdditionalProperties, end);
            yield return final;
        }
        finally
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }

            if (attemptOpen)
            {
                // The consumer stopped reading: the deployment was serving fine.
                long end = _time.GetTimestamp();
                Succeeded(ref attempt, end);
                Charge(request, ref attempt, tail.Usage, AttemptEnd.Stopped);
                request.Telemetry.Abandoned = true;
                StreamServed(request, ref attempt, properties: null, end);
            }

            ReturnRequest(request);
        }
    }

    private static ChatResponseUpdate FinalUpdate(in StreamTail tail, in Attempt attempt, RouterRequest request, object? cost) => new()
    {
        ResponseId = tail.ResponseId,
        MessageId = tail.MessageId,
        ConversationId = tail.ConversationId,
        ModelId = tail.ModelId ?? attempt.Deployment.Model,
        AdditionalProperties = CreateProperties(attempt, request, cost),
    };

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

    private static async ValueTask DisposeAfterFailureAsync(IAsyncEnumerator<ChatResponseUpdate> stream)
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

    /// <summary>The identifiers of a committed stream, copied onto the router's final update, and the usage it reported, for its cost.</summary>
    private struct StreamTail
    {
        public string? ResponseId;
        public string? MessageId;
        public string? ConversationId;
        public string? ModelId;

        /// <summary>The usage the stream reported: its one <see cref="UsageContent"/>, or the sum of several (as <c>ToChatResponse</c> sums them).</summary>
        public UsageDetails? Usage;

        private bool _ownsUsage;

        public void Observe(ChatResponseUpdate update)
        {
            ResponseId = update.ResponseId ?? ResponseId;
            MessageId = update.MessageId ?? MessageId;
            ConversationId = update.ConversationId ?? ConversationId;
            ModelId = update.ModelId ?? ModelId;
            IList<AIContent> contents = update.Contents;
            for (int i = 0; i < contents.Count; i++)
            {
                if (contents[i] is UsageContent { Details: { } details })
                {
                    AddUsage(details);
                }
            }
        }

        private void AddUsage(UsageDetails details)
        {
            if (Usage is null)
            {
                Usage = details;
                return;
            }

            // The provider's own object is never changed: a second report is added to a copy.
            if (!_ownsUsage)
            {
                var sum = new UsageDetails();
                sum.Add(Usage);
                Usage = sum;
                _ownsUsage = true;
            }

            Usage.Add(details);
        }
    }
}
