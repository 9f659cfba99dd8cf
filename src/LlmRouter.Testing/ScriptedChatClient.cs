using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace LlmRouter.Testing;

/// <summary>
/// A fake <see cref="IChatClient"/> that plays back a queue of <see cref="ScriptedOutcome"/>s, one per call, and records
/// every call it receives. Use it as a deployment in router tests, or anywhere an <see cref="IChatClient"/> is needed.
/// </summary>
/// <example>
/// <code>
/// var primary = new ScriptedChatClient("openai", "gpt-4o-mini")
///     .Enqueue(ScriptedOutcome.Failure(HttpStatusCode.ServiceUnavailable))
///     .Enqueue(ScriptedOutcome.Text("Hello!"));
/// </code>
/// </example>
/// <remarks>
/// Thread-safe: outcomes are handed out in order to concurrent calls. Delays and stalls run on the
/// <see cref="TimeProvider"/> given to the constructor, so a <see cref="Microsoft.Extensions.Time.Testing.FakeTimeProvider"/>
/// makes them deterministic.
/// When the queue is empty, <see cref="DefaultOutcome"/> answers; without one, the call fails with
/// <see cref="InvalidOperationException"/>.
/// </remarks>
public sealed class ScriptedChatClient : IChatClient
{
    private readonly ConcurrentQueue<ScriptedOutcome> _outcomes = new();
    private readonly ConcurrentQueue<ScriptedCall> _calls = new();
    private readonly ChatClientMetadata _metadata;
    private readonly TimeProvider _timeProvider;
    private readonly Lock _waitersGate = new();
    private readonly List<(int Count, TaskCompletionSource Signal)> _callWaiters = [];
    private readonly List<TaskCompletionSource> _closeWaiters = [];
    private int _callCount;
    private int _openStreams;
    private int _disposed;

    /// <summary>Creates a scripted client.</summary>
    /// <param name="providerName">The provider name reported through <see cref="ChatClientMetadata"/>; the default is <c>scripted</c>.</param>
    /// <param name="defaultModelId">The model reported when a call names none; the default is <c>scripted-model</c>.</param>
    /// <param name="timeProvider">The clock for delays and stalls; the default is <see cref="TimeProvider.System"/>.</param>
    public ScriptedChatClient(string providerName = "scripted", string? defaultModelId = "scripted-model", TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(providerName);
        _metadata = new ChatClientMetadata(providerName, providerUri: null, defaultModelId);
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Gets or sets the outcome used when the queue is empty; <see langword="null"/> makes such a call fail.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public ScriptedOutcome? DefaultOutcome { get; set; }

    /// <summary>Gets the calls received so far, in order.</summary>
    public IReadOnlyList<ScriptedCall> Calls => [.. _calls.OrderBy(c => c.Number)];

    /// <summary>Gets how many calls were received.</summary>
    public int CallCount => Volatile.Read(ref _callCount);

    /// <summary>Gets how many queued outcomes are left.</summary>
    public int RemainingOutcomes => _outcomes.Count;

    /// <summary>Gets how many streams were started and not yet disposed: zero once every consumer let go of its stream.</summary>
    public int OpenStreams => Volatile.Read(ref _openStreams);

    /// <summary>Gets whether <see cref="Dispose"/> was called.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Adds outcomes to the end of the queue.</summary>
    /// <param name="outcomes">The outcomes, one per future call.</param>
    /// <returns>This client.</returns>
    public ScriptedChatClient Enqueue(params ScriptedOutcome[] outcomes)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        foreach (ScriptedOutcome outcome in outcomes)
        {
            _outcomes.Enqueue(outcome ?? throw new ArgumentException("Outcomes must not be null.", nameof(outcomes)));
        }

        return this;
    }

    /// <summary>
    /// Completes once at least <paramref name="count"/> calls were received: lets a test wait, without sleeping, until
    /// code running elsewhere has called the client (for example before cancelling a stalled call).
    /// </summary>
    /// <param name="count">How many calls to wait for.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes once the count is reached.</returns>
    public Task WaitForCallsAsync(int count, CancellationToken cancellationToken = default)
    {
        lock (_waitersGate)
        {
            if (CallCount >= count)
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _callWaiters.Add((count, signal));
            return signal.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Completes once no stream is open: lets a test wait, without sleeping, until code running elsewhere (a cancelled
    /// hedge, a timed-out attempt) has disposed every stream it started.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when <see cref="OpenStreams"/> is zero.</returns>
    public Task WaitForStreamsClosedAsync(CancellationToken cancellationToken = default)
    {
        lock (_waitersGate)
        {
            if (OpenStreams == 0)
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _closeWaiters.Add(signal);
            return signal.Task.WaitAsync(cancellationToken);
        }
    }

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        (ScriptedOutcome outcome, int number) = Next(messages, options, streaming: false, cancellationToken);
        await WaitAsync(outcome.Delay, cancellationToken).ConfigureAwait(false);
        if (outcome.Exception is { } exception)
        {
            throw exception;
        }

        if (outcome.Stalls)
        {
            await StallAsync(cancellationToken).ConfigureAwait(false);
        }

        for (int i = 1; i < outcome.TextChunks.Count; i++)
        {
            await WaitAsync(outcome.ChunkDelay, cancellationToken).ConfigureAwait(false);
        }

        if (outcome.ExceptionAfterChunks is { } failure)
        {
            throw failure;
        }

        if (outcome.StallsAfterChunks)
        {
            await StallAsync(cancellationToken).ConfigureAwait(false);
        }

        if (outcome.Updates is not null)
        {
            return outcome.Updates.ToChatResponse();
        }

        string modelId = ModelFor(outcome, options);
        List<ChatMessage> reply = outcome.TextChunks.Count == 0 ? [] : [new ChatMessage(ChatRole.Assistant, string.Concat(outcome.TextChunks)) { MessageId = MessageId(number) }];
        return new ChatResponse(reply)
        {
            ResponseId = ResponseId(number),
            ModelId = modelId,
            CreatedAt = _timeProvider.GetUtcNow(),
            FinishReason = reply.Count == 0 ? null : outcome.FinishReason,
            Usage = outcome.Usage,
        };
    }

    /// <inheritdoc />
    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        (ScriptedOutcome outcome, int number) = Next(messages, options, streaming: true, cancellationToken);
        return StreamAsync(outcome, number, ModelFor(outcome, options), cancellationToken);
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        return serviceType == typeof(ChatClientMetadata) ? _metadata
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <summary>Marks the client disposed; later calls still work, so tests can assert disposal without breaking other users.</summary>
    public void Dispose() => Interlocked.Exchange(ref _disposed, 1);

    private async IAsyncEnumerable<ChatResponseUpdate> StreamAsync(
        ScriptedOutcome outcome, int number, string modelId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _openStreams);
        try
        {
            await WaitAsync(outcome.Delay, cancellationToken).ConfigureAwait(false);
            if (outcome.Exception is { } exception)
            {
                throw exception;
            }

            if (outcome.Stalls)
            {
                await StallAsync(cancellationToken).ConfigureAwait(false);
            }

            if (outcome.Updates is { } updates)
            {
                for (int i = 0; i < updates.Count; i++)
                {
                    if (i > 0)
                    {
                        await WaitAsync(outcome.ChunkDelay, cancellationToken).ConfigureAwait(false);
                    }

                    yield return updates[i];
                }
            }
            else
            {
                for (int i = 0; i < outcome.TextChunks.Count; i++)
                {
                    if (i > 0)
                    {
                        await WaitAsync(outcome.ChunkDelay, cancellationToken).ConfigureAwait(false);
                    }

                    bool last = i == outcome.TextChunks.Count - 1 && outcome.ExceptionAfterChunks is null && !outcome.StallsAfterChunks;
                    yield return new ChatResponseUpdate(ChatRole.Assistant, outcome.TextChunks[i])
                    {
                        ResponseId = ResponseId(number),
                        MessageId = MessageId(number),
                        ModelId = modelId,
                        CreatedAt = _timeProvider.GetUtcNow(),
                        FinishReason = last ? outcome.FinishReason : null,
                    };
                }
            }

            if (outcome.ExceptionAfterChunks is { } failure)
            {
                throw failure;
            }

            if (outcome.StallsAfterChunks)
            {
                await StallAsync(cancellationToken).ConfigureAwait(false);
            }

            if (outcome.Usage is { } usage)
            {
                yield return new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(usage)])
                {
                    ResponseId = ResponseId(number),
                    MessageId = MessageId(number),
                    ModelId = modelId,
                };
            }
        }
        finally
        {
            if (Interlocked.Decrement(ref _openStreams) == 0)
            {
                lock (_waitersGate)
                {
                    foreach (TaskCompletionSource waiter in _closeWaiters)
                    {
                        waiter.TrySetResult();
                    }

                    _closeWaiters.Clear();
                }
            }
        }
    }

    private (ScriptedOutcome Outcome, int Number) Next(IEnumerable<ChatMessage> messages, ChatOptions? options, bool streaming, CancellationToken cancellationToken)
    {
        int number = Interlocked.Increment(ref _callCount);
        ScriptedOutcome outcome = _outcomes.TryDequeue(out ScriptedOutcome? queued) ? queued
            : DefaultOutcome ?? Throwing(number);
        _calls.Enqueue(new ScriptedCall(number, messages, options, streaming, outcome, cancellationToken));
        lock (_waitersGate)
        {
            for (int i = _callWaiters.Count - 1; i >= 0; i--)
            {
                if (number >= _callWaiters[i].Count)
                {
                    _callWaiters[i].Signal.TrySetResult();
                    _callWaiters.RemoveAt(i);
                }
            }
        }

        return (outcome, number);
    }

    private ScriptedOutcome Throwing(int number) => ScriptedOutcome.Throw(new InvalidOperationException(
        $"ScriptedChatClient '{_metadata.ProviderName}' received call #{number.ToString(CultureInfo.InvariantCulture)} but has no scripted outcome left. " +
        "Enqueue one outcome per expected call, or set DefaultOutcome."));

    private string ModelFor(ScriptedOutcome outcome, ChatOptions? options) =>
        outcome.ModelId ?? options?.ModelId ?? _metadata.DefaultModelId ?? "scripted-model";

    private Task WaitAsync(TimeSpan delay, CancellationToken cancellationToken) =>
        delay > TimeSpan.Zero ? Task.Delay(delay, _timeProvider, cancellationToken) : Task.CompletedTask;

    private Task StallAsync(CancellationToken cancellationToken) =>
        Task.Delay(Timeout.InfiniteTimeSpan, _timeProvider, cancellationToken);

    private static string ResponseId(int number) => "scripted-response-" + number.ToString(CultureInfo.InvariantCulture);

    private static string MessageId(int number) => "scripted-message-" + number.ToString(CultureInfo.InvariantCulture);
}
