using System.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LlmRouter;

/// <summary>
/// The router's health as ASP.NET Core health checks see it: Healthy when every deployment is available, Degraded when
/// some are not (open circuit, cooldown, full), Unhealthy when a route has no available deployment left; the data holds
/// each deployment's state.
/// </summary>
/// <remarks>Reads the router's in-memory state (<see cref="IRouterHealth"/>); calls no provider. Thread-safe.</remarks>
internal sealed class LlmRouterHealthCheck(IChatClient chat) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        LlmRouterClient router = chat.GetService<LlmRouterClient>() ?? throw new InvalidOperationException(
            "The LlmRouter health check needs the router registered as the IChatClient: call services.AddLlmRouter(...).");
        IRouterHealth health = chat.GetService<IRouterHealth>()!;
        IReadOnlyList<DeploymentHealth> deployments = health.GetDeployments();
        var data = new Dictionary<string, object>(deployments.Count, StringComparer.Ordinal);
        var available = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var unavailable = new List<string>();
        foreach (DeploymentHealth deployment in deployments)
        {
            data[deployment.Name] = Describe(deployment);
            if (deployment.IsAvailable)
            {
                available.Add(deployment.Name);
            }
            else
            {
                unavailable.Add($"{deployment.Name} ({deployment.UnavailableReason ?? "unavailable"})");
            }
        }

        var dead = new StringBuilder();
        foreach (Route route in router.CurrentModel.Routes)
        {
            bool any = false;
            foreach (Deployment deployment in route.Deployments)
            {
                any |= available.Contains(deployment.Name);
            }

            if (!any)
            {
                dead.Append(dead.Length == 0 ? string.Empty : ", ").Append(route.Name);
            }
        }

        if (dead.Length > 0)
        {
            return Task.FromResult(new HealthCheckResult(
                context.Registration.FailureStatus,
                $"No available deployment on route(s) {dead}. Unavailable: {string.Join("; ", unavailable)}.",
                data: data));
        }

        return Task.FromResult(unavailable.Count > 0
            ? HealthCheckResult.Degraded($"Unavailable: {string.Join("; ", unavailable)}; every route still has an available deployment.", data: data)
            : HealthCheckResult.Healthy($"All {deployments.Count} deployment(s) available.", data));
    }

    private static Dictionary<string, object> Describe(DeploymentHealth deployment)
    {
        var state = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["provider"] = deployment.Provider,
            ["available"] = deployment.IsAvailable,
            ["circuit"] = deployment.Circuit.ToString(),
            ["in_flight"] = deployment.InFlight,
            ["sampled_calls"] = deployment.SampledCalls,
            ["sampled_failures"] = deployment.SampledFailures,
        };
        if (deployment.Model is { } model)
        {
            state["model"] = model;
        }

        if (deployment.UnavailableReason is { } reason)
        {
            state["unavailable_reason"] = reason;
        }

        if (deployment.CooldownUntil is { } cooldown)
        {
            state["cooldown_until"] = cooldown;
        }

        if (deployment.CircuitOpenUntil is { } open)
        {
            state["circuit_open_until"] = open;
        }

        return state;
    }
}
