using System.Net;
using Microsoft.Extensions.AI;

namespace LlmRouter.Testing;

/// <summary>
/// What a <see cref="ScriptedChatClient"/> does for one call: reply with text, stream chunks, fail with an HTTP status
/// or an exception, stall, or wait first. Immutable: the <c>With…</c> and <c>Then…</c> methods return a new outcome.
/// </summary>
/// <example>
/// <code>
/// fake.Enqueue(ScriptedOutcome.Failure(HttpStatusCode.TooManyRequests, retryAfter: TimeSpan.FromSeconds(2)));
/// fake.Enqueue(ScriptedOutcome.Chunks("Hel", "lo").WithUsage(12, 2));
/// fake.Enqueue(ScriptedOutcome.Chunks("partial").ThenThrow(new IOException("connection reset")));
/// </code>
/// </example>
public sealed class ScriptedOutcome
{
    private ScriptedOutcome()
    {
    }

    /// <summary>Gets the text chunks the outcome streams; a non-streaming call answers with them joined.</summary>
    public IReadOnlyList<string> TextChunks { get; private init; } = [];

    /// <summary>Gets the exception thrown before any chunk, or <see langword="null"/>.</summary>
    public Exception? Exception { get; private init; }

    /// <summary>Gets the exception thrown after the chunks (a stream that breaks mid-way), or <see langword="null"/>.</summary>
    public Exception? ExceptionAfterChunks { get; private init; }

    /// <summary>Gets whether the call never answers (or, after chunks, the stream never continues) until it is cancelled.</summary>
    public bool Stalls { get; private init; }

    /// <summary>Gets whether the stall comes after the chunks rather than before them.</summary>
    public bool StallsAfterChunks { get; private init; }

    /// <summary>Gets the delay before the answer (or the first chunk), measured on the client's <see cref="TimeProvider"/>.</summary>
    public TimeSpan Delay { get; private init; }

    /// <summary>Gets the delay before each chunk after the first.</summary>
    public TimeSpan ChunkDelay { get; private init; }

    /// <summary>Gets the token usage reported with the answer, or <see langword="null"/>.</summary>
    public UsageDetails? Usage { get; private init; }

    /// <summary>Gets the model id reported on the answer, or <see langword="null"/> to report the requested one.</summary>
    public string? ModelId { get; private init; }

    /// <summary>Gets the finish reason reported on the answer.</summary>
    public ChatFinishReason? FinishReason { get; private init; } = ChatFinishReason.Stop;

    /// <summary>Gets updates streamed as given, instead of text chunks, or <see langword="null"/>.</summary>
    public IReadOnlyList<ChatResponseUpdate>? Updates { get; private init; }

    /// <summary>Replies with <paramref name="text"/>: one response, or one streamed chunk.</summary>
    /// <param name="text">The reply.</param>
    /// <returns>The outcome.</returns>
    public static ScriptedOutcome Text(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new ScriptedOutcome { TextChunks = [text] };
    }

    /// <summary>Streams <paramref name="chunks"/> as separate updates; a non-streaming call answers with them joined.</summary>
    /// <param name="chunks">The text of each update.</param>
    /// <returns>The outcome.</returns>
    public static ScriptedOutcome Chunks(params string[] chunks)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        return new ScriptedOutcome { TextChunks = [.. chunks] };
    }

    /// <summary>Streams <paramref name="updates"/> exactly as given; a non-streaming call answers with them combined.</summary>
    /// <param name="updates">The updates.</param>
    /// <returns>The outcome.</returns>
    public static ScriptedOutcome Stream(params ChatResponseUpdate[] updates)
    {
        ArgumentNullException.ThrowIfNull(updates);
        return new ScriptedOutcome { Updates = [.. updates], FinishReason = null };
    }

    /// <summary>A stream that ends without a single update; a non-streaming call answers with an empty response.</summary>
    /// <returns>The outcome.</returns>
    public static ScriptedOutcome Empty() => new() { FinishReason = null };

    /// <summary>
    /// Fails as a provider answering HTTP <paramref name="statusCode"/> would: throws a <see cref="ProviderException"/>
    /// whose kind follows from the status (429 → RateLimited, 503 → Overloaded, 400 → BadRequest, …).
    /// </summary>
    /// <param name="statusCode">The HTTP status code.</param>
    /// <param name="retryAfter">The wait the provider asks for, as a Retry-After header would; optional.</param>
    /// <param name="message">The error message; defaults to a description of the status.</param>
    /// <returns>The outcome.</returns>
    public static ScriptedOutcome Failure(HttpStatusCode statusCode, TimeSpan? retryAfter = null, string? message = null) =>
        new() { Exception = CreateFailure(statusCode, retryAfter, message) };

    /// <summary>Fails with a <see cref="ProviderException"/> of an explicit kind, such as <see cref="ProviderErrorKind.ContextLengthExceeded"/>.</summary>
    /// <param name="kind">The classification.</param>
    /// <param name="statusCode">The HTTP status code; optional.</param>
    /// <param name="message">The error message; defaults to the kind.</param>
    /// <returns>The outcome.</returns>
    public static ScriptedOutcome Failure(ProviderErrorKind kind, HttpStatusCode? statusCode = null, string? message = null) =>
        new() { Exception = new ProviderException(message ?? $"Scripted {kind} failure.", kind, statusCode) };

    /// <summary>Throws <paramref name="exception"/> (the same instance every time the outcome is used).</summary>
    /// <param name="exception">The exception.</param>
    /// <returns>The outcome.</returns>
    public static ScriptedOutcome Throw(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new ScriptedOutcome { Exception = exception };
    }

    /// <summary>Never answers: the call waits until it is cancelled, then throws <see cref="OperationCanceledException"/>.</summary>
    /// <returns>The outcome.</returns>
    public static ScriptedOutcome Stall() => new() { Stalls = true };

    /// <summary>Waits <paramref name="delay"/> on the client's clock before answering or streaming the first chunk.</summary>
    /// <param name="delay">The delay.</param>
    /// <returns>A new outcome.</returns>
    public ScriptedOutcome After(TimeSpan delay) => Copy(delay: delay);

    /// <summary>Waits <paramref name="delay"/> on the client's clock before each chunk after the first.</summary>
    /// <param name="delay">The delay.</param>
    /// <returns>A new outcome.</returns>
    public ScriptedOutcome WithChunkDelay(TimeSpan delay) => Copy(chunkDelay: delay);

    /// <summary>Reports token usage with the answer (on the last streamed update, as a <see cref="UsageContent"/>).</summary>
    /// <param name="inputTokens">Input tokens.</param>
    /// <param name="outputTokens">Output tokens.</param>
    /// <returns>A new outcome.</returns>
    public ScriptedOutcome WithUsage(long inputTokens, long outputTokens) =>
        WithUsage(new UsageDetails { InputTokenCount = inputTokens, OutputTokenCount = outputTokens, TotalTokenCount = inputTokens + outputTokens });

    /// <summary>Reports <paramref name="usage"/> with the answer.</summary>
    /// <param name="usage">The usage.</param>
    /// <returns>A new outcome.</returns>
    public ScriptedOutcome WithUsage(UsageDetails usage) => Copy(usage: usage ?? throw new ArgumentNullException(nameof(usage)));

    /// <summary>Reports <paramref name="modelId"/> as the model that answered.</summary>
    /// <param name="modelId">The model id.</param>
    /// <returns>A new outcome.</returns>
    public ScriptedOutcome WithModel(string modelId) => Copy(modelId: modelId ?? throw new ArgumentNullException(nameof(modelId)));

    /// <summary>Reports <paramref name="finishReason"/> on the answer (on the last streamed chunk).</summary>
    /// <param name="finishReason">The finish reason, or <see langword="null"/> for none.</param>
    /// <returns>A new outcome.</returns>
    public ScriptedOutcome WithFinishReason(ChatFinishReason? finishReason) => Copy(finishReason: finishReason, setFinishReason: true);

    /// <summary>After the chunks, the stream throws <paramref name="exception"/>; a non-streaming call throws it instead of answering.</summary>
    /// <param name="exception">The exception.</param>
    /// <returns>A new outcome.</returns>
    public ScriptedOutcome ThenThrow(Exception exception) => Copy(exceptionAfterChunks: exception ?? throw new ArgumentNullException(nameof(exception)));

    /// <summary>After the chunks, the stream fails as HTTP <paramref name="statusCode"/> would (see <see cref="Failure(HttpStatusCode, TimeSpan?, string?)"/>).</summary>
    /// <param name="statusCode">The HTTP status code.</param>
    /// <param name="retryAfter">The wait the provider asks for; optional.</param>
    /// <returns>A new outcome.</returns>
    public ScriptedOutcome ThenFail(HttpStatusCode statusCode, TimeSpan? retryAfter = null) =>
        Copy(exceptionAfterChunks: CreateFailure(statusCode, retryAfter, message: null));

    /// <summary>After the chunks, the stream stops sending and waits until it is cancelled; a non-streaming call never answers.</summary>
    /// <returns>A new outcome.</returns>
    public ScriptedOutcome ThenStall() => Copy(stallsAfterChunks: true);

    /// <summary>Describes the outcome, for test failure messages.</summary>
    /// <returns>For example <c>Chunks(3) then IOException</c>.</returns>
    public override string ToString()
    {
        string head = Exception is not null ? $"Throw({Exception.GetType().Name})"
            : Stalls ? "Stall"
            : Updates is not null ? $"Stream({Updates.Count})"
            : $"Chunks({TextChunks.Count})";
        string tail = ExceptionAfterChunks is not null ? $" then {ExceptionAfterChunks.GetType().Name}" : StallsAfterChunks ? " then stall" : string.Empty;
        return Delay > TimeSpan.Zero ? $"{head}{tail} after {Delay}" : head + tail;
    }

    private static ProviderException CreateFailure(HttpStatusCode statusCode, TimeSpan? retryAfter, string? message) =>
        new(statusCode, message) { RetryAfter = retryAfter, ProviderName = "scripted" };

    private ScriptedOutcome Copy(
        TimeSpan? delay = null,
        TimeSpan? chunkDelay = null,
        UsageDetails? usage = null,
        string? modelId = null,
        ChatFinishReason? finishReason = null,
        bool setFinishReason = false,
        Exception? exceptionAfterChunks = null,
        bool stallsAfterChunks = false) => new()
        {
            TextChunks = TextChunks,
            Updates = Updates,
            Exception = Exception,
            Stalls = Stalls,
            Delay = delay ?? Delay,
            ChunkDelay = chunkDelay ?? ChunkDelay,
            Usage = usage ?? Usage,
            ModelId = modelId ?? ModelId,
            FinishReason = setFinishReason ? finishReason : FinishReason,
            ExceptionAfterChunks = exceptionAfterChunks ?? ExceptionAfterChunks,
            StallsAfterChunks = stallsAfterChunks || StallsAfterChunks,
        };
}
