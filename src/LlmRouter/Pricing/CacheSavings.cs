namespace LlmRouter;

/// <summary>
/// What the response cache saved since the router was built, from <see cref="IRouterSpend.GetCacheSavings"/>: hits are
/// counted apart from calls, and their savings apart from spend.
/// </summary>
public sealed record CacheSavings
{
    /// <summary>Gets how many requests the response cache answered.</summary>
    public long Hits { get; init; }

    /// <summary>Gets what the answered requests would have cost in US dollars: the cost of the calls that stored their answers, where known.</summary>
    public decimal SavedUsd { get; init; }

    /// <summary>Gets how many hits served an answer whose cost was not known; when it is not zero, <see cref="SavedUsd"/> is a lower bound.</summary>
    public long UncostedHits { get; init; }
}
