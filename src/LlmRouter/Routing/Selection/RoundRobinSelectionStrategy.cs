namespace LlmRouter;

/// <summary>The route's order rotated by one per request (see <see cref="SelectionStrategies.RoundRobin"/>).</summary>
internal sealed class RoundRobinSelectionStrategy : ISelectionStrategy
{
    // For callers that order outside a route (a custom strategy delegating here); routes keep their own counter.
    private int _shared = -1;

    public static RoundRobinSelectionStrategy Instance { get; } = new();

    public string Name => SelectionStrategies.RoundRobin;

    public void Order(in SelectionContext context, Span<Deployment> candidates)
    {
        if (candidates.Length < 2)
        {
            return;
        }

        uint turn = (uint)(context.RouteModel?.NextTurn() ?? Interlocked.Increment(ref _shared));
        CandidateOrder.Rotate(candidates, (int)(turn % (uint)candidates.Length));
    }
}
