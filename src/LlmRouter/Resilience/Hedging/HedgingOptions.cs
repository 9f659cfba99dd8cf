using System.ComponentModel.DataAnnotations;

namespace LlmRouter;

/// <summary>
/// Hedging for a route (<see cref="RouteOptions.Hedging"/>): when the running attempt has produced no response (or, for a
/// stream, no first chunk) after <see cref="Delay"/>, the next candidate starts too; the first to answer wins and the
/// others are cancelled. Trades extra provider calls for lower tail latency.
/// </summary>
public sealed class HedgingOptions
{
    /// <summary>Gets or sets how long to wait for an answer before starting the next candidate alongside.</summary>
    /// <value>The default is 2 seconds.</value>
#pragma warning disable IL2026 // The options validator is source-generated and does not convert the range bounds by reflection.
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
#pragma warning restore IL2026
    public TimeSpan Delay { get; set; } = HedgingConstants.DefaultDelay;

    /// <summary>Gets or sets how many attempts may run at once, the first included; at least 2.</summary>
    /// <value>The default is 2.</value>
    [Range(2, HedgingConstants.MaxParallelAttemptsLimit)]
    public int MaxParallelAttempts { get; set; } = HedgingConstants.DefaultMaxParallelAttempts;

    /// <summary>Copies the options as they are now, for a router that must not see later changes to this object.</summary>
    internal HedgingOptions Snapshot() => (HedgingOptions)MemberwiseClone();
}
