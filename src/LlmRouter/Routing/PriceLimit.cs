namespace LlmRouter;

/// <summary>
/// The most a route (<see cref="RouteOptions.MaxPrice"/>) or a request (<see cref="LlmRouterRequestProperties.MaxPrice"/>) accepts
/// to pay per <b>million</b> tokens: a candidate whose <see cref="ModelPrice.Input"/> or <see cref="ModelPrice.Output"/> is above
/// the limit is never called for it.
/// </summary>
/// <remarks>Either limit may be left <see langword="null"/> for none; the same units as <see cref="ModelPrice"/> (USD per million tokens).</remarks>
public sealed record PriceLimit
{
    /// <summary>Gets the highest accepted price per million input tokens, in USD, or <see langword="null"/> for no limit.</summary>
    public decimal? Input { get; init; }

    /// <summary>Gets the highest accepted price per million output tokens, in USD, or <see langword="null"/> for no limit.</summary>
    public decimal? Output { get; init; }
}
