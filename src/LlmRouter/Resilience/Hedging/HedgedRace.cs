using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// The hedged path: when the running attempt has not answered within the route's hedge delay, the next candidate starts
/// alongside; the first answer wins and the others are cancelled. A failed attempt is replaced by the next candidate at once,
/// never retried (others are running). Admission, failures and the losers' costs go through the same
/// <see cref="AttemptEngine"/> as the other paths.
/// </summary>
internal static class HedgedRace
{
    /// <summary>Serves a non-streaming request by racing its candidates; ends the request.</summary>
    public static async Task<ChatResponse> RespondAsync(
        AttemptEngine engine, RouterRequest request, IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        try
        {
            (Attempt winner, ChatResponse response) = await RaceAsync(
                engine,
                request,
                streaming: false,
                attempt => ResponseLoop.CallForAnswer(attempt, messages, options),
                discard: null,
                usageOf: static response => response.Usage,
                cancellationToken).ConfigureAwait(false);
            engine.Served(request, ref winner, response, engine.Time.GetTimestamp());
            return response;
        }
        finally
        {
            engine.End(request);
        }
    }

    /// <summary>
    /// Opens a streamed request by racing its candidates up to their commit points. The winner's attempt is still open: the
    /// caller reads the rest of its stream and ends it.
    /// </summary>
    public static Task<(Attempt Winner, StreamOpening Opening)> OpenStreamAsync(
        AttemptEngine engine, RouterRequest request, IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken) =>
        RaceAsync(
            engine,
            request,
            streaming: true,
            attempt => StreamOpening.OpenAsync(engine, attempt, messages, options).AsTask(),
            discard: static loser => loser.Stream.DisposeAsync(),
            usageOf: static loser => loser.Usage(),
            cancellationToken);

    /// <summary>
    /// Runs attempts in parallel as the hedge delay allows, until one succeeds. The winner's attempt is still open: the caller
    /// ends it, at once for a response or when the stream ends.
    /// </summary>
    private static async Task<(Attempt Winner, T Result)> RaceAsync<T>(
        AttemptEngine engine,
        RouterRequest request,
        bool streaming,
        Func<Attempt, Task<T>> start,
        Func<T, ValueTask>? discard,
        Func<T, UsageDetails?> usageOf,
        CancellationToken cancellationToken)
    {
        HedgingOptions hedging = request.Requested.Hedging!;
        TimeProvider time = engine.Time;
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
                    if (!await TryStartAsync(engine, request, running, start, streaming, race: true, cancellationToken).ConfigureAwait(false))
                    {
                        // Nothing left to race: the admission either finds a candidate (an earliest-opened circuit) or throws the final error.
                        await TryStartAsync(engine, request, running, start, streaming, race: false, cancellationToken).ConfigureAwait(false);
                        exhausted = true;
                    }

                    hedgeTimer = null;
                }

                if (hedgeTimer is null && !exhausted && running.Count < hedging.MaxParallelAttempts)
                {
                    hedgeTimer = Task.Delay(hedging.Delay, time, hedgeTimers.Token);
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
                    exhausted = !await TryStartAsync(engine, request, running, start, streaming, race: true, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                int index = running.FindIndex(r => ReferenceEquals(r.Task, finished));
                (Attempt attempt, Task<T> completed) = running[index];
                running.RemoveAt(index);
                if (completed.IsCompletedSuccessfully && completed.Result is { } result)
                {
                    return (attempt, result);
                }

                Exception failure = completed.Exception?.InnerException
                    ?? (completed.IsCanceled
                        ? new TaskCanceledException(completed)
                        : new ProviderException($"Deployment '{attempt.Deployment.Name}' returned no response.", ProviderErrorKind.InvalidResponse));

                // Other attempts are running or about to: a hedged failure moves on rather than waiting to retry.
                engine.Fail(request, ref attempt, failure, cancellationToken, time.GetTimestamp(), mayRetry: false, out _);
                if (!exhausted && running.Count < hedging.MaxParallelAttempts)
                {
                    exhausted = !await TryStartAsync(engine, request, running, start, streaming, race: true, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            await hedgeTimers.CancelAsync().ConfigureAwait(false);
            foreach ((Attempt attempt, Task<T> task) in running)
            {
                attempt.Timer?.CancelNow();
                _ = ObserveLoserAsync(engine, request.Model, attempt, task, discard, usageOf, engine.Models.Hold(request.Model));
            }
        }
    }

    /// <summary>Admits the next candidate and starts it as a racer; returns <see langword="false"/> when, in a race, none is left.</summary>
    private static async ValueTask<bool> TryStartAsync<T>(
        AttemptEngine engine, RouterRequest request, List<(Attempt Attempt, Task<T> Task)> running, Func<Attempt, Task<T>> start, bool streaming, bool race, CancellationToken cancellationToken)
    {
        Admission admission = await engine.AdmitAsync(request, race, cancellationToken).ConfigureAwait(false);
        if (!admission.Admitted)
        {
            return false;
        }

        Attempt attempt = default;
        engine.Start(request, admission, streaming, cancellationToken, engine.Time.GetTimestamp(), ref attempt, hedged: true);
        Task<T> task;
        try
        {
            task = start(attempt);
        }
        catch (Exception exception)
        {
            task = Task.FromException<T>(exception);
        }

        attempt.Timer?.Start();
        running.Add((attempt, task));
        return true;
    }

    /// <summary>
    /// Lets a cancelled loser finish in the background, releases what it holds, and observes its outcome. A loser that
    /// completed anyway was billed by its provider: its usage is costed like any other call's.
    /// </summary>
    private static async Task ObserveLoserAsync<T>(
        AttemptEngine engine, RouterModel model, Attempt attempt, Task<T> task, Func<T, ValueTask>? discard, Func<T, UsageDetails?> usageOf, RouterModel? held)
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

        engine.LostRace(model, ref attempt, usage, held);
    }
}
