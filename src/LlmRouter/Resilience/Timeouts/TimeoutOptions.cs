using System.ComponentModel.DataAnnotations;

namespace LlmRouter;

/// <summary>
/// The four timeouts of a request. A timed-out attempt is cancelled, its HTTP response disposed, and it counts as a
/// <see cref="ProviderErrorKind.Timeout"/> failure: the router retries or falls back. <see langword="null"/> turns a timeout off.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><see cref="Total"/> bounds the whole request: every attempt, every wait between them, and a stream to its end.</item>
/// <item><see cref="Attempt"/> bounds one call until it produces its response; a streamed response is produced when its first chunk arrives.</item>
/// <item><see cref="FirstChunk"/> bounds how long a stream may take to send its first update.</item>
/// <item><see cref="BetweenChunks"/> bounds how long a stream may stay silent between updates; a silence is detected within a
/// quarter of the timeout after it passes. A stream that stalls before its first content fails over; one that stalls after
/// it ends with a <see cref="TimeoutException"/> for the caller.</item>
/// </list>
/// Configuration section: <c>Timeouts</c>; durations as TimeSpan strings (<c>"00:00:30"</c>).
/// </remarks>
public sealed class TimeoutOptions
{
    /// <summary>Gets or sets the time limit of the whole request, streams included.</summary>
    /// <value>The default is <see langword="null"/>: no limit beyond the others.</value>
#pragma warning disable IL2026 // The options validator is source-generated and does not convert the range bounds by reflection.
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
#pragma warning restore IL2026
    public TimeSpan? Total { get; set; }

    /// <summary>Gets or sets the time limit of one call until it produces its response (for a stream, its first chunk).</summary>
    /// <value>The default is 5 minutes.</value>
#pragma warning disable IL2026 // The options validator is source-generated and does not convert the range bounds by reflection.
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
#pragma warning restore IL2026
    public TimeSpan? Attempt { get; set; } = TimeoutConstants.DefaultAttempt;

    /// <summary>Gets or sets how long a stream may take to send its first update.</summary>
    /// <value>The default is 2 minutes, long enough for reasoning models that think before they stream.</value>
#pragma warning disable IL2026 // The options validator is source-generated and does not convert the range bounds by reflection.
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
#pragma warning restore IL2026
    public TimeSpan? FirstChunk { get; set; } = TimeoutConstants.DefaultFirstChunk;

    /// <summary>Gets or sets how long a stream may stay silent between two updates.</summary>
    /// <value>The default is 1 minute.</value>
#pragma warning disable IL2026 // The options validator is source-generated and does not convert the range bounds by reflection.
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
#pragma warning restore IL2026
    public TimeSpan? BetweenChunks { get; set; } = TimeoutConstants.DefaultBetweenChunks;

    /// <summary>Copies the options as they are now, for a router that must not see later changes to this object.</summary>
    internal TimeoutOptions Snapshot() => (TimeoutOptions)MemberwiseClone();
}
