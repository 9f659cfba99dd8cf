namespace LlmRouter;

/// <summary>The router's <see cref="IRouterHealth"/>: a snapshot of each deployment's circuit, cooldown and calls in flight, from the current model.</summary>
internal sealed class RouterHealth(RouterModelHost models, TimeProvider time) : IRouterHealth
{
    /// <inheritdoc />
    public IReadOnlyList<DeploymentHealth> GetDeployments()
    {
        RouterModel model = models.Current;
        Deployment[] deployments = model.Deployments;
        var snapshot = new DeploymentHealth[deployments.Length];
        long now = time.GetTimestamp();
        for (int i = 0; i < deployments.Length; i++)
        {
            snapshot[i] = Snapshot(model, deployments[i], now);
        }

        return snapshot;
    }

    /// <inheritdoc />
    public DeploymentHealth GetDeployment(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        RouterModel model = models.Current;
        Deployment deployment = model.FindDeployment(name) ?? throw new ArgumentException(
            $"No deployment is named '{name}'. Deployments: {string.Join(", ", model.Deployments.Select(d => d.Name))}.", nameof(name));
        return Snapshot(model, deployment, time.GetTimestamp());
    }

    private DeploymentHealth Snapshot(RouterModel model, Deployment deployment, long now)
    {
        DeploymentState state = deployment.State;
        CircuitBreaker? breaker = state.Breaker;
        CircuitState circuit = breaker?.State ?? CircuitState.Closed;
        (int calls, int failures) = breaker?.Sample(now) ?? (0, 0);
        long cooldownUntil = state.CooldownUntil;
        int inFlight = state.Gate.InFlight;
        int? limit = state.Gate.Limit;

        string? reason = null;
        if (now < cooldownUntil)
        {
            reason = "cooling down after a rate limit";
        }
        else if (circuit == CircuitState.Open && now < breaker!.OpenUntil)
        {
            reason = "circuit open";
        }
        else if (circuit == CircuitState.HalfOpen)
        {
            reason = "circuit half-open, a probe call is in flight";
        }
        else if (inFlight >= limit)
        {
            reason = "all concurrent slots busy";
        }

        return new DeploymentHealth
        {
            Name = deployment.Name,
            Provider = deployment.Provider,
            Model = deployment.Model,
            Circuit = circuit,
            CircuitOpenedAt = breaker is { HasOpened: true } ? Timestamps.ToUtc(breaker.OpenedAt, time) : null,
            CircuitOpenUntil = circuit == CircuitState.Open ? Timestamps.ToUtc(breaker!.OpenUntil, time) : null,
            CooldownUntil = now < cooldownUntil ? Timestamps.ToUtc(cooldownUntil, time) : null,
            InFlight = inFlight,
            MaxConcurrentRequests = limit,
            SampledCalls = calls,
            SampledFailures = failures,
            IsAvailable = reason is null,
            UnavailableReason = reason,
            Quality = Quality(model, deployment),
            Latency = deployment.State.Statistics.Window is { } window ? Latency(window.Read(now)) : null,
        };
    }

    private static DeploymentLatency Latency(LatencySnapshot latency) => new()
    {
        TimeToFirstTokenSamples = latency.FirstTokenSamples,
        TimeToFirstTokenP50 = Duration(latency.FirstToken.P50),
        TimeToFirstTokenP90 = Duration(latency.FirstToken.P90),
        TotalSamples = latency.TotalSamples,
        TotalP50 = Duration(latency.Total.P50),
        TotalP90 = Duration(latency.Total.P90),
        OutputTokensPerSecond = double.IsNaN(latency.OutputTokensPerSecond) ? null : latency.OutputTokensPerSecond,
    };

    private static TimeSpan? Duration(double seconds) => double.IsNaN(seconds) ? null : TimeSpan.FromSeconds(seconds);

    /// <summary>The deployment's scored estimates; none is the one shared empty list, so snapshots of unscored deployments compare equal.</summary>
    private static IReadOnlyList<DeploymentQuality> Quality(RouterModel model, Deployment deployment)
    {
        List<DeploymentQuality> scored = model.Quality.Of(deployment.Name).ConvertAll(static estimate => estimate.Snapshot()).FindAll(static quality => quality.Samples > 0);
        return scored.Count == 0 ? Array.Empty<DeploymentQuality>() : scored;
    }
}
