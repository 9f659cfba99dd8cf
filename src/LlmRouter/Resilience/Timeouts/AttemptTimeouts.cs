namespace LlmRouter;

/// <summary>
/// The router's four timeouts as one routing model applies them: the request's deadline, which attempts need a timer, how a
/// timer is armed for an attempt, and the error each timeout raises. Built from a snapshot of <see cref="TimeoutOptions"/>.
/// </summary>
internal sealed class AttemptTimeouts
{
    // Each timeout in timestamp units, converted once; Timestamps.Never when it is off.
    private readonly long _total;
    private readonly long _attempt;
    private readonly long _firstChunk;
    private readonly long _betweenChunks;

    public AttemptTimeouts(TimeoutOptions options, long timestampFrequency)
    {
        Options = options.Snapshot();
        _total = Length(Options.Total, timestampFrequency);
        _attempt = Length(Options.Attempt, timestampFrequency);
        _firstChunk = Length(Options.FirstChunk, timestampFrequency);
        _betweenChunks = Options.BetweenChunks is { } idle ? Timestamps.FromTimeSpan(idle, timestampFrequency) : 0;
        TimesCalls = Options.Total is not null || Options.Attempt is not null;
        TimesStreams = TimesCalls || Options.FirstChunk is not null || Options.BetweenChunks is not null;
    }

    public TimeoutOptions Options { get; }

    /// <summary>Gets whether a non-streaming attempt needs a timer: it has a total or attempt timeout.</summary>
    public bool TimesCalls { get; }

    /// <summary>Gets whether a streaming attempt needs a timer.</summary>
    public bool TimesStreams { get; }

    /// <summary>Gets when a request that starts at <paramref name="now"/> must end, or <see cref="Timestamps.Never"/>.</summary>
    public long RequestDeadline(long now) => Deadline(now, _total);

    /// <summary>Gets whether an attempt needs a timer at all.</summary>
    /// <param name="streaming">Whether the attempt is a stream.</param>
    /// <param name="cancellable">Whether the router must be able to cancel the attempt itself (a hedged racer).</param>
    public bool NeedsTimer(bool streaming, bool cancellable) => cancellable || (streaming ? TimesStreams : TimesCalls);

    /// <summary>Arms <paramref name="timer"/> with the deadlines of an attempt that starts at <paramref name="now"/>.</summary>
    public void Arm(AttemptTimer timer, CancellationToken caller, long now, long requestDeadline, bool streaming) =>
        timer.Arm(
            caller,
            now,
            requestDeadline,
            Deadline(now, _attempt),
            streaming ? Deadline(now, _firstChunk) : Timestamps.Never,
            streaming ? _betweenChunks : 0);

    /// <summary>The error an attempt's timeout raises, naming the setting that set it.</summary>
    public TimeoutException Exceeded(TimeoutKind kind, string route, Deployment deployment, Exception inner)
    {
        string message = kind switch
        {
            TimeoutKind.Total => $"Route '{route}': the request exceeded its total timeout of {Options.Total} (Timeouts.Total) while deployment '{deployment.Name}' was answering.",
            TimeoutKind.Attempt => $"Deployment '{deployment.Name}' did not answer within the attempt timeout of {Options.Attempt} (Timeouts.Attempt).",
            TimeoutKind.FirstChunk => $"Deployment '{deployment.Name}' sent no first chunk within {Options.FirstChunk} (Timeouts.FirstChunk).",
            _ => $"Deployment '{deployment.Name}' sent nothing for {Options.BetweenChunks} between chunks (Timeouts.BetweenChunks).",
        };
        return new TimeoutException(message, inner);
    }

    /// <summary>The message of a request that ran out of its total time between attempts.</summary>
    public string TotalExceeded(string route) => $"Route '{route}': the request exceeded its total timeout of {Options.Total} (Timeouts.Total).";

    private static long Length(TimeSpan? duration, long frequency) =>
        duration is { } value ? Timestamps.FromTimeSpan(value, frequency) : Timestamps.Never;

    private static long Deadline(long now, long length) => length == Timestamps.Never ? Timestamps.Never : now + length;
}
