namespace LlmRouter;

/// <summary>When a deployment that failed with a transient error is retried, relative to the request's other candidates.</summary>
public enum RetryOrder
{
    /// <summary>
    /// Move on to the next untried candidate at once; retry a failed deployment (after its Retry-After or backoff) only when no
    /// untried candidate can be called. A refusing primary costs one round trip before the backup serves.
    /// </summary>
    FailoverFirst = 0,

    /// <summary>
    /// Retry the failed deployment (after its Retry-After or backoff) before trying the next candidate, for example to keep a
    /// provider's prompt cache warm. A deployment cooling down longer than its retry would wait is still passed over first.
    /// </summary>
    SameDeploymentFirst = 1,
}
