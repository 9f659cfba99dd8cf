using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// Hedging: when the running attempt has not answered within the route's hedge delay, the next candidate starts alongside;
/// the first answer wins and the others are cancelled. A failed attempt is replaced by the next candidate at once.
/// </summary>
internal sealed partial class LlmRouterClient
{
    private async Task<ChatResponse> HedgedResponseAsync(RouterRequest request, IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        try
        {
            (Attempt winner, ChatResponse response) = await RaceAsync(
                request,
                streaming: false,
                attempt => Call(attempt, messages, options),
                discard: null,
                usageOf: static response => response.Usage,
                cancellationToken).ConfigureAwait(false);
            long end = _time.GetTimestamp();
            Succeeded(ref winner, end);
            Annotate(response, ref winner, request);
            Served(request, ref winner, response, end);
            return response;
        }
        finally
        {
            ReturnRequest(request);
        }
    }

    /// <summary>
    /// Runs attempts in parallel as the hedge delay allows, until one succeeds. The winner's attempt is still open: the
    /// caller ends it, at once for a response or when the stream ends.
    /// </summary>
    private async Task<(Attempt Winner, T Result)> RaceAsync<T>(
        RouterRequest request,
        bool streaming,
        Func<Attempt, Task<T>> start,
        Func<T, ValueTask>? discard,
        Func<T, UsageDetails?> usageOf,
        CancellationToken cancellationToken)
        where T : class
    {
        HedgingOptions hedging = request.Requested.Hedging!;
        var running = new List<(Attempt Attempt, Task<T> Task)>(hedging.MaxParallelAttempts);
        var waitingOn = new List<Task>(hedging.MaxParallelAttempts + 1);
        using var hedgeTimers = new CancellationTokenSource();
        Task? hedgeTimer = null;
        bool exhausted = false;
        try
        {
            while (true)
            {
                if (running.Count == 0)
                {
                    if (!await TryStartHedgeAsync(request, running, start, streaming, cancellationToken).ConfigureAwait(false))
                    {
                        // Nothing left to race: Select either admits an earliest-opened circuit or throws the final error.
                        Select(request, _time.GetTimestamp(), out Candidate last);
                        Admission admission = await ReserveAsync(request, last, cancellationToken).ConfigureAwait(false);
                        if (!admission.Proceed)
                        {
                            continue;
                        }

                        running.Add(StartRacer(request, last, start, streaming, cancellationToken, _time.GetTimestamp(), admission.Charges));
                        exhausted = true;
                    }

                    hedgeTimer = null;
                }

                if (hedgeTimer is null && !exhausted && running.Count < hedging.MaxParallelAttempts)
                {
                    hedgeTimer = Task.Delay(hedging.Delay, _time, hedgeTimers.Token);
                }

                waitingOn.Clear();
                foreach ((Attempt _, Task<T> task) in running)
                {
                    waitingOn.Add(task);
                }

                if (hedgeTimer is not null)
                {
                    waitingOn.Add(hedgeTimer);
                }

                Task finished = await Task.WhenAny(waitingOn).ConfigureAwait(false);
                if (ReferenceEquals(finished, hedgeTimer))
                {
                    hedgeTimer = null;
                    cancellationToken.ThrowIfCancellationRequested();
                    exhausted = !await TryStartHedgeAsync(request, running, start, streaming, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                int index = running.FindIndex(r => ReferenceEquals(r.Task, finished));
                (Attempt attempt, Task<T> completed) = running[index];
                running.RemoveAt(index);
                if (completed.IsCompletedSuccessfully && completed.Result is { } result)
                {
                    return (attempt, result);
                }

                long end = _time.GetTimestamp();

                Exception failure = completed.Exception?.InnerException
                    ?? (completed.IsCanceled
                        ? new TaskCanceledException(completed)
                        : new ProviderException($"Deployment '{attempt.Deployment.Name}' returned no response.", ProviderErrorKind.InvalidResponse));

                // Other attempts are running or about to: a hedged failure moves on rather than waiting to retry.
                OnFailure(request, ref attempt, failure, cancellationToken, end, out _, mayRetry: false);
                if (!exhausted && running.Count < hedging.MaxParallelAttempts)
                {
                    exhausted = !await TryStartHedgeAsync(request, running, start, streaming, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            await hedgeTimers.CancelAsync().ConfigureAwait(false);
            foreach ((Attempt attempt, Task<T> task) in running)
            {
                attempt.Timer?.CancelNow();
                _ = ObserveLoserAsync(attempt, task, discard, usageOf, Hold(request.Model));
            }
        }
    }

    private async ValueTask<bool> TryStartHedgeAsync<T>(
        RouterRequest request, List<(Attempt Attempt, Task<T> Task)> running, Func<Attempt, Task<T>> start, bool streaming, CancellationToken cancellationToken)
    {
        while (true)
        {
            long now = _time.GetTimestamp();
            if (now >= request.Deadline || !request.TryNext(now, out Candidate candidate))
            {
                return false;
            }

            if (candidate.NeedsSlot)
            {
                // A race does not queue for a busy deployment; the next candidate runs instead.
                request.NoteSaturated(candidate.Deployment);
                continue;
            }

            Admission admission = await ReserveAsync(request, candidate, cancellationToken).ConfigureAwait(false);
            if (!admission.Proceed)
            {
                continue;
            }

            running.Add(StartRacer(request, candidate, start, streaming, cancellationToken, _time.GetTimestamp(), admission.Charges));
            return true;
        }
    }

    private (Attempt Attempt, Task<T> Task) StartRacer<T>(
        RouterRequest request, in Candidate candidate, Func<Attempt, Task<T>> start, bool streaming, CancellationToken cancellationToken, long now, AttemptCharges? charges)
    {
        Attempt attempt = StartAttempt(request, candidate, @try: 1, streaming, cancellationToken, now, charges, cancellable: true);
        LogFallback(request, attempt);
        Task<T> task;
        try
        {
            task = start(attempt);
        }
        catch (Exception exception)
        {
            task = Task.FromException<T>(exception);
        }

        return (attempt, task);
    }

    /// <summary>
    /// Lets a cancelled loser finish in the background, releases what it holds, and observes its outcome. A loser that
    /// completed anyway was billed by its provider: its usage is costed like any other call's.
    /// </summary>
    private async Task ObserveLoserAsync<T>(Attempt attempt, Task<T> task, Func<T, ValueTask>? discard, Func<T, UsageDetails?> usageOf, RouterModel? held)
    {
        UsageDetails? usage = null;
        try
        {
            T result = await task.ConfigureAwait(false);
            if (result is not null)
            {
                usage = usageOf(result);
                if (discard is not null)
                {
                    await discard(result).ConfigureAwait(false);
                }
            }
        }
#pragma warning disable CA1031 // The race already has its winner; a loser's failure (usually our own cancellation) is no news.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            usage = (exception as ProviderException)?.Usage;
        }

        EndAttempt(ref attempt);
        Charge(request: null, ref attempt, usage, AttemptEnd.Stopped);
        attempt.Deployment.State.Breaker?.OnIgnored(attempt.Probe);
        _telemetry.AttemptFailed(ref attempt, ProviderErrorKind.Cancelled, exception: null, _time.GetTimestamp());
        if (held is not null)
        {
            Release(held);
        }
    }

    /// <summary>A stream opened up to its commit point: the held role-only updates, the first committing update, and the rest to read.</summary>
    private sealed record StreamOpening(IAsyncEnumerator<ChatResponseUpdate> Stream, List<ChatResponseUpdate>? Held, ChatResponseUpdate? First, bool Ended)
    {
        /// <summary>The usage the stream reported up to its commit point, if any (a stream that lost a race is not read further).</summary>
        public UsageDetails? Usage()
        {
            var tail = default(StreamTail);
            foreach (ChatResponseUpdate update in Held ?? [])
            {
                tail.Observe(update);
            }

            if (First is not null)
            {
                tail.Observe(First);
            }

            return tail.Usage;
        }
    }

    /// <summary>Opens a stream and reads it up to its commit point, for a hedged race; disposes it if it fails before.</summary>
    private async Task<StreamOpening> OpenStreamAsync(Attempt attempt, IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        IAsyncEnumerator<ChatResponseUpdate>? stream = null;
        List<ChatResponseUpdate>? held = null;
        try
        {
            stream = attempt.Deployment.Client
                .GetStreamingResponseAsync(messages, ForwardOptions(options, attempt.Deployment), attempt.Token)
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

                    return new StreamOpening(stream, held, First: null, Ended: true);
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
                    return new StreamOpening(stream, held, update, Ended: false);
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
}
