namespace LlmRouter;

/// <summary>Names of the built-in selection strategies, for <see cref="RouteOptions.Strategy"/> and configuration.</summary>
public static class SelectionStrategies
{
    /// <summary>Candidates in the order the route lists them: the first is tried first, the rest are fallbacks.</summary>
    public const string Ordered = "Ordered";
}
