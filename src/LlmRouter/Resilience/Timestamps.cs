namespace LlmRouter;

/// <summary>Conversions between <see cref="TimeSpan"/> and <see cref="TimeProvider"/> timestamps, which tick at the provider's frequency.</summary>
internal static class Timestamps
{
    /// <summary>No deadline.</summary>
    public const long Never = long.MaxValue;

    public static long FromTimeSpan(TimeSpan duration, long frequency) =>
        duration.Ticks <= 0 ? 0 : (long)Math.Min(duration.Ticks * ((double)frequency / TimeSpan.TicksPerSecond), long.MaxValue / 4);

    public static TimeSpan ToTimeSpan(long timestamps, long frequency) =>
        TimeSpan.FromTicks((long)(timestamps * ((double)TimeSpan.TicksPerSecond / frequency)));

    /// <summary>The deadline <paramref name="duration"/> after <paramref name="now"/>, or <see cref="Never"/> when there is no duration.</summary>
    public static long Deadline(long now, TimeSpan? duration, long frequency) =>
        duration is { } value ? now + FromTimeSpan(value, frequency) : Never;

    /// <summary>The wall-clock time of a timestamp.</summary>
    public static DateTimeOffset ToUtc(long timestamp, TimeProvider time) =>
        time.GetUtcNow() + ToTimeSpan(timestamp - time.GetTimestamp(), time.TimestampFrequency);
}
