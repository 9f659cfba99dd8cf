namespace LlmRouter;

/// <summary>What the router does while the shared state's server (Redis) is down or slower than its timeout.</summary>
public enum SharedStateUnavailableBehavior
{
    /// <summary>
    /// Each process goes on with its own limits (budgets and rate limits counted in memory, cooldowns seen locally), logging
    /// the outage once; sharing resumes on its own when the server is back.
    /// </summary>
    FailOpen = 0,

    /// <summary>Requests that need the shared state are refused with <see cref="SharedStateUnavailableException"/>.</summary>
    FailClosed = 1,
}
