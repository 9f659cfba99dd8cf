namespace LlmRouter;

/// <summary>What dispatch chose for a request, for the response's properties and telemetry; all <see langword="null"/> when no route dispatched.</summary>
internal struct DispatchChoice
{
    /// <summary>The tier name that chose the serving route, or <see langword="null"/>.</summary>
    public string? Tier;

    /// <summary>The boxed complexity score the tier came from, or <see langword="null"/> when a request property named the tier.</summary>
    public object? Complexity;

    /// <summary>The variant chosen, or <see langword="null"/>.</summary>
    public string? Variant;

    /// <summary>The stage that chose the serving route, as the route spells it, or <see langword="null"/>.</summary>
    public string? Stage;

    /// <summary>Gets whether nothing was chosen: the route asked for served the request as it is.</summary>
    public readonly bool IsEmpty => Tier is null && Complexity is null && Variant is null && Stage is null;
}
