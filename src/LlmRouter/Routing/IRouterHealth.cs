namespace LlmRouter;

/// <summary>
/// A read-only view of the router's runtime state per deployment: circuit, cooldown, calls in flight, quality estimates and
/// recent latency. Obtain it from the
/// router with <c>router.GetService&lt;IRouterHealth&gt;()</c>; use it for health endpoints, dashboards and alerts.
/// </summary>
/// <remarks>Thread-safe; each call takes a fresh snapshot.</remarks>
public interface IRouterHealth
{
    /// <summary>Takes a snapshot of every deployment, in the order they were added.</summary>
    /// <returns>One entry per deployment.</returns>
    IReadOnlyList<DeploymentHealth> GetDeployments();

    /// <summary>Takes a snapshot of one deployment.</summary>
    /// <param name="name">The deployment's name (case-insensitive).</param>
    /// <returns>The deployment's state.</returns>
    /// <exception cref="ArgumentException">No deployment has that name; the message lists the names there are.</exception>
    DeploymentHealth GetDeployment(string name);
}
