namespace LlmRouter;

/// <summary>
/// Applies the cooldowns other processes publish (<see cref="ISharedCooldowns"/>) to the router's current deployments: a
/// deployment of that name cools down until then, unless it already cools down longer. Owned and disposed by the router.
/// </summary>
internal static class SharedCooldownListener
{
    public static IDisposable Listen(ISharedCooldowns cooldowns, Func<RouterModel> current, TimeProvider time) =>
        cooldowns.Subscribe((name, duration) =>
        {
            if (duration > TimeSpan.Zero && current().FindDeployment(name) is { } deployment)
            {
                deployment.State.ExtendCooldown(time.GetTimestamp() + Timestamps.FromTimeSpan(duration, time.TimestampFrequency));
            }
        });
}
