namespace LlmRouter;

/// <summary>
/// Shares circuit-breaker state between processes: a circuit opened in one process opens in every process, and when its break
/// ends exactly one process probes the deployment; the probe's outcome closes or reopens the circuit everywhere. Without it
/// (the default) each router's circuits are its own. Set it with <see cref="LlmRouterBuilder.UseSharedCircuits"/> (the
/// <c>LlmRouter.Redis</c> package's <c>UseRedis</c> does when <c>Circuits</c> is on) or register it in the container.
/// </summary>
/// <remarks>
/// Durations rather than deadlines cross the wire, so the processes' clocks need not agree. A process keeps its own view of each
/// circuit and hears others' changes through <see cref="Subscribe"/>: a view that is briefly stale only lets a few more calls
/// fail, or keeps a deployment out a little longer. Implementations must be thread-safe, must not throw, and must not block:
/// <see cref="PublishOpened"/>, <see cref="PublishClosed"/> and <see cref="ReleaseProbe"/> are called on the request path,
/// and <see cref="ClaimProbeAsync"/> is awaited in the background, never by a request.
/// </remarks>
public interface ISharedCircuits
{
    /// <summary>Tells the other processes that the circuit of <paramref name="deployment"/> opened here for <paramref name="breakDuration"/>.</summary>
    /// <param name="deployment">The deployment's name.</param>
    /// <param name="breakDuration">How long every process keeps the deployment out before one of them probes it; positive.</param>
    void PublishOpened(string deployment, TimeSpan breakDuration);

    /// <summary>Tells the other processes that a probe here succeeded, so the circuit of <paramref name="deployment"/> is closed everywhere.</summary>
    /// <param name="deployment">The deployment's name.</param>
    void PublishClosed(string deployment);

    /// <summary>
    /// Asks to be the one process that probes <paramref name="deployment"/> now that its break has ended. Granted to one process
    /// at a time: the grant lasts <paramref name="lease"/>, until the probe's outcome is published, or until
    /// <see cref="ReleaseProbe"/>, whichever comes first.
    /// </summary>
    /// <param name="deployment">The deployment's name.</param>
    /// <param name="lease">How long the grant keeps the other processes from probing: as long as a probe call may take.</param>
    /// <returns>
    /// <see cref="ProbeClaim.Grant"/>, or a refusal saying how long to keep the deployment out before asking again (another
    /// process probes it, or reopened it). An implementation that cannot reach the others decides whether to probe alone
    /// (grant) or keep the deployment out (refuse).
    /// </returns>
    ValueTask<ProbeClaim> ClaimProbeAsync(string deployment, TimeSpan lease);

    /// <summary>Gives back a grant this process will not use (its probe call was cancelled), so another process may probe at once.</summary>
    /// <param name="deployment">The deployment's name.</param>
    void ReleaseProbe(string deployment);

    /// <summary>
    /// Calls <paramref name="opened"/> with each circuit another process opens (the deployment and how long from now its break
    /// lasts; zero when it has ended and a probe is due) and <paramref name="closed"/> with each one another process's probe
    /// closed. Implementations also report the circuits open when the subscription starts, so a process started during a break
    /// learns of it.
    /// </summary>
    /// <param name="opened">Called on the implementation's thread; must be fast and must not throw.</param>
    /// <param name="closed">Called on the implementation's thread; must be fast and must not throw.</param>
    /// <returns>The subscription; disposing it stops the calls.</returns>
    IDisposable Subscribe(Action<string, TimeSpan> opened, Action<string> closed);
}
