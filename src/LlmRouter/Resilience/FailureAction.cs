namespace LlmRouter;

/// <summary>What a request does after one of its attempts failed, as <see cref="FailurePolicy.Decide"/> says.</summary>
internal enum FailureAction
{
    /// <summary>Try the next candidate now.</summary>
    MoveOn,

    /// <summary>Call the same deployment again after the wait <see cref="FailurePolicy.Decide"/> gave.</summary>
    Retry,

    /// <summary>The request did not fit the context window: try only candidates with a larger one.</summary>
    MoveOnToLargerContext,

    /// <summary>The deployment rejected the request itself as invalid: no other deployment is tried.</summary>
    StopBadRequest,

    /// <summary>A content filter blocked the request and the route does not fall back on that: no other deployment is tried.</summary>
    StopContentFiltered,
}
