namespace LlmRouter;

/// <summary>One counter of a rate limit that an <see cref="IRateLimitStore"/> keeps: its key, its limit per window, and the amount to take.</summary>
/// <param name="Key">
/// The counter's name, unique within the router: <c>deployment:{name}:requests</c>, <c>deployment:{name}:tokens</c>, or
/// <c>caller:{limit}:{window}:{requests|tokens}:{caller}</c>. A shared store prefixes it with its own namespace.
/// </param>
/// <param name="Limit">The units the counter admits per window; positive.</param>
/// <param name="Window">The window; positive.</param>
/// <param name="Amount">
/// The units to take (<see cref="IRateLimitStore.TryAcquireAsync"/>), or to settle by (<see cref="IRateLimitStore.AdjustAsync"/>:
/// negative gives units back).
/// </param>
public readonly record struct RateLimitCounter(string Key, long Limit, TimeSpan Window, long Amount);
