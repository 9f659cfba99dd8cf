namespace LlmRouter;

/// <summary>
/// Shares cooldowns between processes: a rate limit (429) one process sees makes every process skip the deployment until its
/// deadline. Without it (the default) each router cools its deployments down on its own. Set it with
/// <see cref="LlmRouterBuilder.UseSharedCooldowns"/> (the <c>LlmRouter.Redis</c> package's <c>UseRedis</c> does) or register it
/// in the container.
/// </summary>
/// <remarks>
/// Durations rather than deadlines cross the wire, so the processes' clocks need not agree. A cooldown heard from another
/// process extends the local one only when it ends later: a shorter one never shortens it. Implementations must be
/// thread-safe, and <see cref="Publish"/> must not block the request that saw the rate limit.
/// </remarks>
public interface ISharedCooldowns
{
    /// <summary>Tells the other processes that <paramref name="deployment"/> cools down for <paramref name="duration"/> from now.</summary>
    /// <param name="deployment">The deployment's name.</param>
    /// <param name="duration">How long it cools down; positive.</param>
    void Publish(string deployment, TimeSpan duration);

    /// <summary>Calls <paramref name="cooledDown"/> with each cooldown another process publishes: the deployment and how long from now.</summary>
    /// <param name="cooledDown">Called on the implementation's thread; must be fast and must not throw.</param>
    /// <returns>The subscription; disposing it stops the calls.</returns>
    IDisposable Subscribe(Action<string, TimeSpan> cooledDown);
}
