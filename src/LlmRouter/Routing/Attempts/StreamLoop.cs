using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// The streaming path: fail over and retry until the commit point (the first update with content), then pass the provider's
/// stream through untouched, and end with one update that says who served it and what it cost.
/// </summary>
internal sealed class StreamLoop(AttemptEngine engine)
{
    /// <summary>Streams a request to <paramref name="requested"/>; the request begins when enumeration does.</summary>
    public async IAsyncEnumerable<ChatResponseUpdate> StreamAsync(
        RouterModel model,
        Route requested,
        IEnumerable<ChatMessage> messages,
        ChatOptions? options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        long now = engine.Time.GetTimestamp();
        RouterRequest request = engine.Begin(model, requested, messages, options, now, streaming: true, cancellationToken);
        IAsyncEnumerator<ChatResponseUpdate>? stream = null;
        StreamOpening opening;
        Attempt attempt = default;
        var tail = default(StreamTail);
        bool attemptOpen = false;
        try
        {
            if (request.Requested.Hedging is not null)
            {
                (attempt, opening) = await HedgedRace.OpenStreamAsync(engine, request, messages, options, cancellationToken).ConfigureAwait(false);
                attemptOpen = true;
            }
            else
            {
                // Before the commit point: after any failure the next admission retries the deployment or moves on.
                if (!engine.TryAdmitNow(request, now, out Admission admission))
                {
                    admission = await engine.AdmitAsync(request, race: false, cancellationToken).ConfigureAwait(false);
                    now = engine.Time.GetTimestamp();
                }

                while (true)
                {
                    engine.Start(request, admission, streaming: true, cancellationToken, now, ref attempt);
                    attempt.Timer?.Start();
                    attemptOpen = true;
                    Exception? failure = null;
                    try
                    {
                        opening = await StreamOpening.OpenAsync(engine, attempt, messages, options).ConfigureAwait(false);
                    }
                    catch (Exception exception)
                    {
                        opening = default;
                        failure = exception;
                    }

                    if (failure is null)
                    {
                        break;
                    }

                    attemptOpen = false;

                    // A retry, when there is one, is deferred in the request's candidates: the next admission makes it in its turn.
                    engine.Fail(request, ref attempt, failure, cancellationToken, engine.Time.GetTimestamp(), mayRetry: true, out _);
                    admission = await engine.AdmitAsync(request, race: false, cancellationToken).ConfigureAwait(false);
                    now = engine.Time.GetTimestamp();
                }
            }

            // Committed: from here on, the caller sees the provider's stream and its errors unchanged.
            stream = opening.Stream;
            if (opening.Held is { } held)
            {
                foreach (ChatResponseUpdate update in held)
                {
                    Observe(ref tail, request, update);
                    yield return update;
                }
            }

            if (opening.First is { } first)
            {
                Observe(ref tail, request, first);
                yield return first;
                while (true)
                {
                    Exception? broken = null;
                    bool more = false;
                    try
                    {
                        more = await stream.MoveNextAsync().ConfigureAwait(false);
                    }
                    catch (Exception exception)
                    {
                        broken = exception;
                    }

                    if (broken is not null)
                    {
                        IAsyncEnumerator<ChatResponseUpdate> failed = stream;
                        stream = null;
                        await StreamOpening.DisposeAfterFailureAsync(failed).ConfigureAwait(false);
                        attemptOpen = false;
                        ExceptionDispatchInfo.Throw(engine.StreamBroken(request, ref attempt, broken, cancellationToken, engine.Time.GetTimestamp(), tail.Usage));
                    }

                    if (!more)
                    {
                        break;
                    }

                    ChatResponseUpdate update = stream.Current;
                    attempt.Timer?.OnChunk();
                    Observe(ref tail, request, update);
                    yield return update;
                }
            }

            IAsyncEnumerator<ChatResponseUpdate> finished = stream;
            stream = null;
            await finished.DisposeAsync().ConfigureAwait(false);
            attemptOpen = false;
            yield return engine.StreamServed(request, ref attempt, tail, engine.Time.GetTimestamp());
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
                engine.StreamAbandoned(request, ref attempt, tail.Usage, engine.Time.GetTimestamp());
            }

            engine.End(request);
        }
    }

    /// <summary>Observes an update the caller is about to receive: for the final update's identifiers and cost, and for telemetry.</summary>
    private static void Observe(ref StreamTail tail, RouterRequest request, ChatResponseUpdate update)
    {
        tail.Observe(update);
        if (request.Telemetry.Enabled)
        {
            RouterTelemetry.Observe(ref request.Telemetry, update);
        }
    }
}
