namespace LlmRouter;

/// <summary>What a request does when every one of its candidate deployments has an open circuit.</summary>
public enum AllCircuitsOpenBehavior
{
    /// <summary>
    /// Wait for the earliest circuit to let a probe through, when that is within <see cref="RetryOptions.MaxRetryAfter"/> and the
    /// request's total timeout; otherwise fail at once, saying when it would have. One request probes; others wait again.
    /// </summary>
    WaitForEarliest = 0,

    /// <summary>Fail at once with an <see cref="LlmRouterException"/> that says which circuits are open and until when.</summary>
    FailFast = 2,

    /// <summary>Call the deployment whose circuit opened earliest anyway: it is the likeliest to have recovered.</summary>
    TryEarliestOpened = 1,
}
