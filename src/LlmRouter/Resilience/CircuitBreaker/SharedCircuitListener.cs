namespace LlmRouter;

/// <summary>
/// Applies the circuits other processes open and close (<see cref="ISharedCircuits"/>) to the router's current deployments of
/// those names. Owned and disposed by the router.
/// </summary>
internal static class SharedCircuitListener
{
    public static IDisposable Listen(ISharedCircuits circuits, Func<RouterModel> current, TimeProvider time) =>
        circuits.Subscribe(
            (name, breakLeft) =>
            {
                if (current().FindDeployment(name)?.State.Breaker is { } breaker)
                {
                    long now = time.GetTimestamp();
                    breaker.OpenFromElsewhere(now, now + Timestamps.FromTimeSpan(breakLeft, time.TimestampFrequency));
                }
            },
            name => current().FindDeployment(name)?.State.Breaker?.CloseFromElsewhere());
}
