using LlmRouter;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the router's health check to ASP.NET Core health checks.</summary>
public static class LlmRouterHealthChecksBuilderExtensions
{
    /// <summary>The default name of the router's health check.</summary>
    public const string DefaultName = "llmrouter";

    /// <summary>
    /// Adds a check of the router registered as the container's <see cref="IChatClient"/>: Healthy when every deployment is
    /// available, Degraded when some are not (open circuit, cooldown, at their concurrency limit), and
    /// <paramref name="failureStatus"/> when a route has no available deployment. The result's data holds each deployment's
    /// circuit, availability, reason, in-flight calls and sampled failures. The check reads in-memory state only.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name. The default is <see cref="DefaultName"/>.</param>
    /// <param name="failureStatus">The status when a route has no available deployment. The default is <see cref="HealthStatus.Unhealthy"/>.</param>
    /// <param name="tags">Tags to filter checks by, such as <c>ready</c>.</param>
    /// <returns>The builder, for chaining.</returns>
    public static IHealthChecksBuilder AddLlmRouter(this IHealthChecksBuilder builder, string name = DefaultName, HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return builder.Add(new HealthCheckRegistration(
            name,
            services => new LlmRouterHealthCheck(services.GetRequiredService<IChatClient>()),
            failureStatus,
            tags));
    }
}
