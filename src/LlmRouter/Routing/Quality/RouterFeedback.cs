using System.Globalization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace LlmRouter;

/// <summary>The router's <see cref="IRouterFeedback"/>: finds the estimates a score moves in the current model's registry and logs when a deployment is set aside or restored.</summary>
internal sealed class RouterFeedback(RouterModelHost models, ILogger logger) : IRouterFeedback
{
    // The policy of estimates for routes that only keep them, in the router's own clock's units.
    private QualityPolicy? _unjudged;

    /// <inheritdoc />
    public void Record(ChatResponse response, double score, string? dimension = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        AdditionalPropertiesDictionary? properties = Served(response);
        if (properties?.TryGetValue(LlmRouterProperties.Deployment, out object? deployment) != true || deployment is not string deploymentName ||
            !properties.TryGetValue(LlmRouterProperties.Route, out object? route) || route is not string routeName)
        {
            throw new ArgumentException(
                $"The response does not say which deployment and route served it (AdditionalProperties '{LlmRouterProperties.Deployment}' and " +
                $"'{LlmRouterProperties.Route}'): pass a response the router returned, or call Record(deployment, route, tier, score).", nameof(response));
        }

        string? tier = properties.TryGetValue(LlmRouterProperties.Tier, out object? named) ? named as string : null;
        Record(deploymentName, routeName, tier, score, dimension);
    }

    /// <inheritdoc />
    public void Record(string deployment, string route, string? tier, double score, string? dimension = null)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        ArgumentNullException.ThrowIfNull(route);
        if (!double.IsFinite(score) || score is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(score), score, "A quality score must be a number from 0 (worst) to 1 (best).");
        }

        RouterModel model = models.Current;
        Deployment served = model.FindDeployment(deployment) ?? throw new ArgumentException(
            $"No deployment is named '{deployment}'. Deployments: {string.Join(", ", model.Deployments.Select(d => d.Name))}.", nameof(deployment));
        Route servedRoute = model.FindRoute(route) ?? throw new ArgumentException(
            $"No route is named '{route}'. Routes: {string.Join(", ", model.Routes.Select(r => r.Name))}.", nameof(route));
        if (Array.IndexOf(servedRoute.Deployments, served) < 0)
        {
            throw new ArgumentException(
                $"Route '{servedRoute.Name}' does not list deployment '{served.Name}'; score the route that served the response (its '{LlmRouterProperties.Route}' property). " +
                $"Its deployments: {string.Join(", ", servedRoute.Deployments.Select(d => d.Name))}.", nameof(route));
        }

        int slot = QualityRegistry.TierSlot(tier);
        if (slot < 0)
        {
            throw new ArgumentException($"'{tier}' is not a tier. Valid tiers: {string.Join(", ", QualityRegistry.TierNames)}, or null for a request without one.", nameof(tier));
        }

        string? tierName = QualityRegistry.TierName(slot);
        long now = model.Time.GetTimestamp();
        QualityPolicy policy = servedRoute.Quality?.Policy ?? Unjudged(model.Time.TimestampFrequency);
        QualityEstimate overall = servedRoute.Quality?.For(served, tierName) ?? model.Quality.Find(served.Name, servedRoute.Name, tierName, dimension: null, policy);
        Report(overall, overall.Record(score, now));
        if (!string.IsNullOrEmpty(dimension))
        {
            model.Quality.Find(served.Name, servedRoute.Name, tierName, dimension, policy).Record(score, now);
        }
    }

    /// <summary>
    /// The properties that say who served the response: its own, or, for a stream combined with <c>ToChatResponse</c> (which
    /// puts each update's properties on its message), the last message's that has them.
    /// </summary>
    private static AdditionalPropertiesDictionary? Served(ChatResponse response)
    {
        if (response.AdditionalProperties is { } own && own.ContainsKey(LlmRouterProperties.Deployment))
        {
            return own;
        }

        for (int i = response.Messages.Count - 1; i >= 0; i--)
        {
            if (response.Messages[i].AdditionalProperties is { } properties && properties.ContainsKey(LlmRouterProperties.Deployment))
            {
                return properties;
            }
        }

        return response.AdditionalProperties;
    }

    private QualityPolicy Unjudged(long frequency) =>
        _unjudged is { } policy && policy.Frequency == frequency ? policy : _unjudged = new QualityPolicy(new RouteOptions(), frequency);

    private void Report(QualityEstimate estimate, QualityStatus? moved)
    {
        switch (moved)
        {
            case QualityStatus.SetAside:
                Log.QualitySetAside(logger, estimate.Deployment, estimate.Route, estimate.Tier ?? "-", estimate.Reason ?? string.Empty, estimate.Policy.ProbationRequests);
                break;
            case QualityStatus.Healthy:
                Log.QualityRestored(logger, estimate.Deployment, estimate.Route, estimate.Tier ?? "-",
                    estimate.Snapshot().Estimate.ToString("0.###", CultureInfo.InvariantCulture));
                break;
        }
    }
}
