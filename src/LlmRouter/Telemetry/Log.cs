using Microsoft.Extensions.Logging;

namespace LlmRouter;

/// <summary>The router's log messages; event ids are stable so alerts can key on them.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Route '{Route}': deployment '{FailedDeployment}' failed ({Kind}); falling back to deployment '{NextDeployment}' of route '{NextRoute}'.")]
    public static partial void FallingBack(ILogger logger, string route, string failedDeployment, ProviderErrorKind kind, string nextDeployment, string nextRoute);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug,
        Message = "Deployment '{Deployment}' failed for route '{Route}': {Kind}, status {StatusCode}.")]
    public static partial void AttemptFailed(ILogger logger, string deployment, string route, ProviderErrorKind kind, int? statusCode, Exception exception);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning,
        Message = "Deployment '{Deployment}' (provider '{Provider}') looks misconfigured: {Kind}, status {StatusCode}. Check its credentials, permissions, model id and quota. Logged once per deployment.")]
    public static partial void DeploymentMisconfigured(ILogger logger, string deployment, string provider, ProviderErrorKind kind, int? statusCode);

    [LoggerMessage(EventId = 4, Level = LogLevel.Error,
        Message = "Route '{Route}': the request failed after {Attempts} attempt(s).")]
    public static partial void AllCandidatesFailed(ILogger logger, string route, int attempts, Exception exception);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information,
        Message = "Route '{Route}': the request was stopped without trying other deployments.")]
    public static partial void RequestStopped(ILogger logger, string route, Exception exception);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning,
        Message = "Deployment '{Deployment}': circuit opened after {Failures} of {Calls} sampled calls failed; it is skipped for {BreakDuration}.")]
    public static partial void CircuitOpened(ILogger logger, string deployment, int failures, int calls, TimeSpan breakDuration);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information,
        Message = "Deployment '{Deployment}': circuit closed after a successful probe.")]
    public static partial void CircuitClosed(ILogger logger, string deployment);

    [LoggerMessage(EventId = 8, Level = LogLevel.Debug,
        Message = "Deployment '{Deployment}': cooling down for {Duration} after {Kind}.")]
    public static partial void CoolingDown(ILogger logger, string deployment, TimeSpan duration, ProviderErrorKind kind);

    [LoggerMessage(EventId = 9, Level = LogLevel.Debug,
        Message = "Deployment '{Deployment}': attempt {Retry} may follow after {Wait} ({Kind}).")]
    public static partial void Retrying(ILogger logger, string deployment, int retry, TimeSpan wait, ProviderErrorKind kind);

    [LoggerMessage(EventId = 10, Level = LogLevel.Trace,
        Message = "Route '{Route}': request messages {Messages}. Logged because sensitive data is enabled.")]
    public static partial void RequestContent(ILogger logger, string route, string messages);

    [LoggerMessage(EventId = 11, Level = LogLevel.Trace,
        Message = "Route '{Route}': deployment '{Deployment}' answered {Messages}. Logged because sensitive data is enabled.")]
    public static partial void ResponseContent(ILogger logger, string route, string deployment, string messages);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information,
        Message = "Router configuration reloaded: {Deployments} deployment(s), {Routes} route(s); {Kept} deployment(s) kept their health state.")]
    public static partial void Reloaded(ILogger logger, int deployments, int routes, int kept);

    [LoggerMessage(EventId = 13, Level = LogLevel.Error,
        Message = "Router configuration change ignored; the router keeps its last valid configuration.")]
    public static partial void ReloadRejected(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 14, Level = LogLevel.Debug,
        Message = "A replaced router configuration has no request left; {Count} client(s) no longer used were disposed.")]
    public static partial void ClientsRetired(ILogger logger, int count);

    [LoggerMessage(EventId = 15, Level = LogLevel.Warning,
        Message = "Route '{Route}': budget '{Budget}' cannot cover the request; it is rejected.")]
    public static partial void BudgetExceeded(ILogger logger, string route, string budget, Exception exception);

    [LoggerMessage(EventId = 16, Level = LogLevel.Information,
        Message = "Route '{Route}': budget '{Budget}' cannot cover the request; it is served by route '{Downgrade}' instead.")]
    public static partial void Downgraded(ILogger logger, string route, string budget, string downgrade);

    [LoggerMessage(EventId = 17, Level = LogLevel.Error,
        Message = "Budget '{Budget}': the ledger could not record a call's spend.")]
    public static partial void BudgetSettlementFailed(ILogger logger, string budget, Exception exception);

    [LoggerMessage(EventId = 18, Level = LogLevel.Warning,
        Message = "Deployment '{Deployment}' set aside for route '{Route}' (tier {Tier}): {Reason}; tried again on probation after {Requests} requests.")]
    public static partial void QualitySetAside(ILogger logger, string deployment, string route, string tier, string reason, int requests);

    [LoggerMessage(EventId = 19, Level = LogLevel.Information,
        Message = "Deployment '{Deployment}' called again as usual for route '{Route}' (tier {Tier}): its quality estimate {Estimate} cleared the route's bar on probation.")]
    public static partial void QualityRestored(ILogger logger, string deployment, string route, string tier, string estimate);

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning,
        Message = "Route '{Route}': the evaluation of a sampled response failed; the sample is dropped.")]
    public static partial void EvaluationFailed(ILogger logger, string route, Exception exception);

    [LoggerMessage(EventId = 21, Level = LogLevel.Debug,
        Message = "Route '{Route}': the evaluator reported no numeric value for metric {Metric}; the sample is dropped.")]
    public static partial void EvaluationUnscored(ILogger logger, string route, string metric);
}
