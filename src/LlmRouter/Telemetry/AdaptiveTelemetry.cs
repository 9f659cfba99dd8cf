using System.Diagnostics.Metrics;
using static LlmRouter.TelemetryConstants;

namespace LlmRouter;

/// <summary>
/// The observable metrics of adaptive routing: each deployment's quality estimates (<see cref="Router.QualityMetric"/>, with
/// route, tier, dimension and status) and its recent latency percentiles and output rate. Read only when a listener collects.
/// </summary>
internal static class AdaptiveTelemetry
{
    public static void Register(RouterTelemetry telemetry, Func<RouterModel> model)
    {
        Meter meter = telemetry.Meter;
        meter.CreateObservableGauge(Router.QualityMetric, () => ObserveQuality(telemetry, model()), "1",
            "A deployment's quality estimate for a route (and tier, and dimension) from feedback scores, 0 to 1.");
        meter.CreateObservableGauge(Router.LatencyMetric, () => ObserveLatency(telemetry, model()), "s",
            "A deployment's recent latency (time to first token, total) at the 50th and 90th percentiles.");
        meter.CreateObservableGauge(Router.OutputRateMetric, () => ObserveOutputRate(telemetry, model()), "{token}/s",
            "A deployment's median output tokens per second over its recent calls.");
    }

    private static List<Measurement<double>> ObserveQuality(RouterTelemetry telemetry, RouterModel model)
    {
        var measurements = new List<Measurement<double>>();
        foreach (QualityEstimate estimate in model.Quality.All)
        {
            DeploymentQuality quality = estimate.Snapshot();
            if (quality.Samples == 0)
            {
                continue;
            }

            var tags = new List<KeyValuePair<string, object?>>(6)
            {
                new(Router.Deployment, estimate.Deployment),
                new(Router.Route, estimate.Route),
                new(Router.QualityStatus, quality.Status switch
                {
                    QualityStatus.SetAside => "set_aside",
                    QualityStatus.Probation => "probation",
                    _ => "healthy",
                }),
            };
            Add(tags, Router.Tier, estimate.Tier);
            Add(tags, Router.QualityDimension, estimate.Dimension);
            Add(tags, Router.RouterName, telemetry.RouterName);
            measurements.Add(new Measurement<double>(quality.Estimate, tags));
        }

        return measurements;
    }

    private static List<Measurement<double>> ObserveLatency(RouterTelemetry telemetry, RouterModel model)
    {
        var measurements = new List<Measurement<double>>();
        long now = model.Time.GetTimestamp();
        foreach (Deployment deployment in model.Deployments)
        {
            if (deployment.State.Statistics.Window is not { } window)
            {
                continue;
            }

            LatencySnapshot latency = window.Read(now);
            Measure(measurements, telemetry, deployment, "time_to_first_token", "p50", latency.FirstToken.P50);
            Measure(measurements, telemetry, deployment, "time_to_first_token", "p90", latency.FirstToken.P90);
            Measure(measurements, telemetry, deployment, "total", "p50", latency.Total.P50);
            Measure(measurements, telemetry, deployment, "total", "p90", latency.Total.P90);
        }

        return measurements;
    }

    private static List<Measurement<double>> ObserveOutputRate(RouterTelemetry telemetry, RouterModel model)
    {
        var measurements = new List<Measurement<double>>();
        long now = model.Time.GetTimestamp();
        foreach (Deployment deployment in model.Deployments)
        {
            if (deployment.State.Statistics.Window is { } window && window.Read(now).OutputTokensPerSecond is var rate && !double.IsNaN(rate))
            {
                var tags = new List<KeyValuePair<string, object?>>(2) { new(Router.Deployment, deployment.Name) };
                Add(tags, Router.RouterName, telemetry.RouterName);
                measurements.Add(new Measurement<double>(rate, tags));
            }
        }

        return measurements;
    }

    private static void Measure(List<Measurement<double>> measurements, RouterTelemetry telemetry, Deployment deployment, string kind, string percentile, double seconds)
    {
        if (double.IsNaN(seconds))
        {
            return;
        }

        var tags = new List<KeyValuePair<string, object?>>(4)
        {
            new(Router.Deployment, deployment.Name),
            new(Router.LatencyKind, kind),
            new(Router.Percentile, percentile),
        };
        Add(tags, Router.RouterName, telemetry.RouterName);
        measurements.Add(new Measurement<double>(seconds, tags));
    }

    private static void Add(List<KeyValuePair<string, object?>> tags, string key, string? value)
    {
        if (value is not null)
        {
            tags.Add(new(key, value));
        }
    }
}
