using Microsoft.Extensions.Logging;

namespace LlmRouter;

/// <summary>The rate limits' log messages.</summary>
internal static partial class RateLimitLog
{
    [LoggerMessage(EventId = 60, Level = LogLevel.Information,
        Message = "Route '{Route}': caller '{Caller}' is over rate limit '{Limit}'.")]
    public static partial void CallerLimited(ILogger logger, string route, string caller, string limit, Exception exception);

    [LoggerMessage(EventId = 61, Level = LogLevel.Debug,
        Message = "Deployment '{Deployment}' is at its rate limit; set aside for {Wait}.")]
    public static partial void DeploymentLimited(ILogger logger, string deployment, TimeSpan wait);

    [LoggerMessage(EventId = 62, Level = LogLevel.Warning,
        Message = "The rate-limit store could not settle counter '{Counter}'.")]
    public static partial void SettlementFailed(ILogger logger, string counter, Exception exception);
}
