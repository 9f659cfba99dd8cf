namespace LlmRouter;

/// <summary>The answer to <see cref="ISharedCircuits.ClaimProbeAsync"/>: this process probes, or keeps the deployment out for a while.</summary>
/// <param name="Granted">Whether this process is the one that probes the deployment.</param>
/// <param name="KeepOutFor">When refused, how long the deployment stays out before this process asks again; zero when granted.</param>
public readonly record struct ProbeClaim(bool Granted, TimeSpan KeepOutFor)
{
    /// <summary>Gets the grant: this process probes the deployment.</summary>
    public static ProbeClaim Grant => new(true, TimeSpan.Zero);

    /// <summary>Refuses the probe: the deployment stays out for <paramref name="keepOutFor"/>, then this process asks again.</summary>
    /// <param name="keepOutFor">How long; a non-positive value is read as one millisecond.</param>
    /// <returns>The refusal.</returns>
    public static ProbeClaim Refuse(TimeSpan keepOutFor) => new(false, keepOutFor > TimeSpan.Zero ? keepOutFor : TimeSpan.FromMilliseconds(1));
}
