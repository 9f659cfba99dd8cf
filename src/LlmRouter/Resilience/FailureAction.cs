namespace LlmRouter;

/// <summary>What a request does after one of its attempts failed, as <see cref="FailurePolicy.Decide"/> says.</summary>
internal enum FailureAction
{
    /// <summary>Try the next candidate now.</summary>
    MoveOn,

    /// <summary>Call the same deployment again after the wait <see cref="FailurePolicy.Decide"/> gave, before any other candidate.</summary>
    Retry,

    /// <summary>
    /// Try the next untried candidate now; call the same deployment again, no sooner than the wait
    /// <see cref="FailurePolicy.Decide"/> gave, only when no untried candidate can be called.
    /// </summary>
    RetryAfterOthers,

    /// <summary>The request did not fit the context window: try only candidates with a larger one.</summary>
    MoveOnToLargerContext,

    /// <summary>The deployment rejected the request itself as invalid: no other deployment is tried.</summary>
    StopBadRequest,

    /// <summary>A content filter blocked the request and the route does not fall back on that: no other deployment is tried.</summary>
    StopContentFiltered,
}
