using System.Diagnostics.Metrics;
using static LlmRouter.TelemetryConstants;

namespace LlmRouter;

/// <summary>
/// The router's observable instruments, read when a listener collects: calls in flight and circuit state per deployment, over
/// the deployments of the routing model in force at that moment.
/// </summary>
internal sealed class DeploymentGauges
{
    private readonly Func<Deployment[]> _deployments;
    private readonly string? _routerName;

    private DeploymentGauges(Func<Deployment[]> deployments, string? routerName)
    {
        _deployments = deployments;
        _routerName = routerName;
    }

    /// <summary>Creates the instruments on <paramref name="meter"/>; they live as long as it does.</summary>
    public static void Create(Meter meter, Func<Deployment[]> deployments, string? routerName)
    {
        var gauges = new DeploymentGauges(deployments, routerName);
        meter.CreateObservableUpDownCounter(Router.InFlight, gauges.ObserveInFlight, "{request}", "Calls in flight per deployment.");
        meter.CreateObservableGauge(Router.CircuitStateMetric, gauges.ObserveCircuits, "{state}", "1 for a deployment's current circuit state (closed, open, half_open), 0 for the others.");
    }

    private IEnumerable<Measurement<int>> ObserveInFlight()
    {
        Deployment[] deployments = _deployments();
        var measurements = new Measurement<int>[deployments.Length];
        for (int i = 0; i < deployments.Length; i++)
        {
            Deployment deployment = deployments[i];
            measurements[i] = new Measurement<int>(
                deployment.State.Gate.InFlight,
                ObservedTags(new(Router.Deployment, deployment.Name), new(GenAI.ProviderName, deployment.Provider)));
        }

        return measurements;
    }

    private IEnumerable<Measurement<int>> ObserveCircuits()
    {
        var measurements = new List<Measurement<int>>();
        foreach (Deployment deployment in _deployments())
        {
            if (deployment.State.Breaker is not { } breaker)
            {
                continue;
            }

            CircuitState current = breaker.State;
            Add(CircuitState.Closed, "closed");
            Add(CircuitState.Open, "open");
            Add(CircuitState.HalfOpen, "half_open");

            void Add(CircuitState state, string name) => measurements.Add(new Measurement<int>(
                current == state ? 1 : 0,
                ObservedTags(new(Router.Deployment, deployment.Name), new(Router.CircuitState, name))));
        }

        return measurements;
    }

    /// <summary>Tags of an observed measurement: the two given, after <c>llmrouter.router</c> when the router has a name.</summary>
    private KeyValuePair<string, object?>[] ObservedTags(KeyValuePair<string, object?> first, KeyValuePair<string, object?> second) =>
        _routerName is null ? [first, second] : [new(Router.RouterName, _routerName), first, second];
}
