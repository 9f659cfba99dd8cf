namespace LlmRouter;

/// <summary>Keeps the route's own order.</summary>
internal sealed class OrderedSelectionStrategy : ISelectionStrategy
{
    public static OrderedSelectionStrategy Instance { get; } = new();

    public string Name => SelectionStrategies.Ordered;

    public void Order(in SelectionContext context, Span<Deployment> candidates)
    {
    }
}
