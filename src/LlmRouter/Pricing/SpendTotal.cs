namespace LlmRouter;

/// <summary>What the calls of the router, one route or one deployment have cost since the router was built, from <see cref="IRouterSpend"/>.</summary>
/// <remarks>
/// Totals are kept in units of 10⁻¹⁰ USD (each call's exact cost rounded to the nearest unit) and survive configuration
/// reloads. Hedged attempts that lost the race but completed, and failed attempts whose provider reported usage, are included:
/// the provider bills them.
/// </remarks>
public sealed record SpendTotal
{
    /// <summary>Gets the route or deployment name, or <see langword="null"/> for the router-wide total.</summary>
    public string? Name { get; init; }

    /// <summary>Gets the total cost in US dollars of the calls whose cost is known.</summary>
    public decimal CostUsd { get; init; }

    /// <summary>Gets how many calls were costed: their provider reported usage and their deployment has a price.</summary>
    public long Calls { get; init; }

    /// <summary>
    /// Gets how many served calls have no known cost, because their provider reported no usage or their deployment has no
    /// price; when it is not zero, <see cref="CostUsd"/> is a lower bound.
    /// </summary>
    public long UncostedCalls { get; init; }
}
