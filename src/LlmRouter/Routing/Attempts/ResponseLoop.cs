using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// The non-streaming path: admit a candidate, call it, and on failure admit the next (an untried candidate or a retry, in the
/// order <see cref="RetryOrder"/> sets), until one answers. A call that
/// completes before its task is returned (a cache hit, an in-memory client) is answered without an async state machine;
/// otherwise the attempt in flight lives in the pooled request, not in the state machine.
/// </summary>
internal sealed class ResponseLoop(AttemptEngine engine)
{
    /// <summary>Serves a request to <paramref name="route"/>, or starts a hedged race when the route hedges.</summary>
    public Task<ChatResponse> RespondAsync(RouterModel model, Route route, IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        long now = engine.Time.GetTimestamp();
        RouterRequest request = engine.Begin(model, route, messages, options, now, streaming: false, cancellationToken);
        if (request.Requested.Hedging is not null)
        {
            return HedgedRace.RespondAsync(engine, request, messages, options, cancellationToken);
        }

        Candidate candidate;
        RateLimitHold hold;
        try
        {
            if (!engine.TryAdmitNow(request, now, out candidate, out hold))
            {
                // A slot to wait for or a budget to reserve: the asynchronous path takes it from here.
                return ResponseAsync(request, pending: null, cancellationToken);
            }
        }
        catch (Exception exception)
        {
            // No candidate to try: the request's final error, in the task like every other outcome.
            engine.End(request);
            return Task.FromException<ChatResponse>(exception);
        }

        Attempt attempt = default;
        engine.Start(request, candidate, charges: null, hold, streaming: false, cancellationToken, now, ref attempt);
        Task<ChatResponse> pending = Call(attempt, messages, options);
        if (pending.IsCompletedSuccessfully && pending.Result is { } response && !IsEmpty(response))
        {
            engine.Served(request, ref attempt, response, engine.SynchronousEnd(request, attempt, now));
            engine.End(request);
            return pending;
        }

        if (!pending.IsCompleted)
        {
            attempt.Timer?.Start();
        }

        request.Attempt = attempt;
        return ResponseAsync(request, pending, cancellationToken);
    }

    /// <summary>Calls the attempt's deployment with the options it receives; a client that throws before returning its task failed the attempt like any other.</summary>
    public static Task<ChatResponse> Call(in Attempt attempt, IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        try
        {
            return attempt.Deployment.Client.GetResponseAsync(messages, RequestProperties.Forward(options, attempt.Deployment), attempt.Token);
        }
        catch (Exception exception)
        {
            return Task.FromException<ChatResponse>(exception);
        }
    }

    /// <summary>Calls the attempt's deployment like <see cref="Call"/>, and fails the call when it answers with nothing (<see cref="IsEmpty"/>).</summary>
    public static async Task<ChatResponse> CallForAnswer(Attempt attempt, IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        ChatResponse? response = await Call(attempt, messages, options).ConfigureAwait(false);
        return response is not null && !IsEmpty(response) ? response : throw Unusable(attempt.Deployment, response);
    }

    /// <summary>
    /// Whether a response that finished normally holds nothing for the caller: no text, no tool call, no other content. Such an
    /// answer fails its attempt like a stream that ends without content (<see cref="StreamOpening"/>), so the next candidate
    /// is tried; one cut short (length, content filter, tool calls) is the caller's to see.
    /// </summary>
    public static bool IsEmpty(ChatResponse response)
    {
        IList<ChatMessage> messages = response.Messages;

        // The common answer first: a message that starts with text. Whatever the finish reason, it is not empty. The lists
        // Microsoft.Extensions.AI makes are read as what they are, without an interface call per read.
        if (messages.GetType() == typeof(List<ChatMessage>)
            ? Unsafe.As<List<ChatMessage>>(messages) is { Count: > 0 } list && StartsWithText(list[0].Contents)
            : messages.Count > 0 && StartsWithText(messages[0].Contents))
        {
            return false;
        }

        if (response.FinishReason is { } reason && reason != ChatFinishReason.Stop)
        {
            return false;
        }

        for (int m = 0; m < messages.Count; m++)
        {
            IList<AIContent> contents = messages[m].Contents;
            for (int i = 0; i < contents.Count; i++)
            {
                if (StreamOpening.IsContent(contents[i]))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static bool StartsWithText(IList<AIContent> contents) => contents.GetType() == typeof(List<AIContent>)
        ? Unsafe.As<List<AIContent>>(contents) is { Count: > 0 } list && list[0] is TextContent { Text.Length: > 0 }
        : contents.Count > 0 && contents[0] is TextContent { Text.Length: > 0 };

    /// <summary>The failure of an attempt whose deployment returned no response, or one with nothing in it; what it used is still charged.</summary>
    private static ProviderException Unusable(Deployment deployment, ChatResponse? response) => response is null
        ? new ProviderException($"Deployment '{deployment.Name}' returned no response.", ProviderErrorKind.InvalidResponse)
        : new ProviderException(
            $"Deployment '{deployment.Name}' answered with nothing: no text, no tool call and no other content (finish reason '{response.FinishReason?.Value ?? "none"}').",
            ProviderErrorKind.InvalidResponse)
        {
            Usage = response.Usage,
        };

    /// <summary>
    /// The asynchronous path: awaits the attempt in flight (<see cref="RouterRequest.Attempt"/>) or admits and starts the next,
    /// retries or moves on after a failure, and answers with the first success.
    /// </summary>
    /// <remarks>
    /// Its state machine is allocated for every call that goes asynchronous, so it keeps only what it must: the messages and
    /// options are the request's, and the admission (whose awaiter holds a whole <see cref="Admission"/>) is awaited in
    /// <see cref="AdmitAndCallAsync"/>, which completes without allocating when nothing has to be waited for.
    /// </remarks>
    private async Task<ChatResponse> ResponseAsync(RouterRequest request, Task<ChatResponse>? pending, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                pending ??= await AdmitAndCallAsync(request, cancellationToken).ConfigureAwait(false);

                ChatResponse? response = null;
                Exception? failure = null;
                try
                {
                    response = await pending.ConfigureAwait(false);
                }
                catch (Exception exception)
                {
                    failure = exception;
                }

                pending = null;
                long end = engine.Time.GetTimestamp();
                if (failure is null && response is not null && !IsEmpty(response))
                {
                    engine.Served(request, ref request.Attempt, response, end);
                    return response;
                }

                failure ??= Unusable(request.Attempt.Deployment, response);

                // A retry, when there is one, is deferred in the request's candidates: the next admission makes it in its turn.
                engine.Fail(request, ref request.Attempt, failure, cancellationToken, end, mayRetry: true, out _);
            }
        }
        finally
        {
            engine.End(request);
        }
    }

    /// <summary>Admits the next candidate (waiting when it must) and calls it.</summary>
    private async ValueTask<Task<ChatResponse>> AdmitAndCallAsync(RouterRequest request, CancellationToken cancellationToken)
    {
        Admission admission = await engine.AdmitAsync(request, race: false, cancellationToken).ConfigureAwait(false);
        return Begin(request, admission, request.Messages, request.Options, cancellationToken);
    }

    /// <summary>Starts an attempt with an admitted candidate and calls it; its timer runs from here.</summary>
    private Task<ChatResponse> Begin(RouterRequest request, in Admission admission, IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        engine.Start(request, admission, streaming: false, cancellationToken, engine.Time.GetTimestamp(), ref request.Attempt);
        Task<ChatResponse> pending = Call(request.Attempt, messages, options);
        if (!pending.IsCompleted)
        {
            request.Attempt.Timer?.Start();
        }

        return pending;
    }
}
