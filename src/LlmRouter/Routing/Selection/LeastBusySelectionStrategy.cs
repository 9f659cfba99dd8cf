namespace LlmRouter;

/// <summary>Fewest calls in flight first, ties in random order (see <see cref="SelectionStrategies.LeastBusy"/>).</summary>
internal sealed class LeastBusySelectionStrategy : ISelectionStrategy
{
    public static LeastBusySelectionStrategy Instance { get; } = new();

    public string Name => SelectionStrategies.LeastBusy;

    public void Order(in SelectionContext context, Span<Deployment> candidates)
    {
        int count = candidates.Length;
        if (count < 2)
        {
            return;
        }

        // A random rotation before a stable sort breaks ties at random with one draw.
        CandidateOrder.Rotate(candidates, CandidateOrder.Draw(context, count));
        Span<double> keys = count <= CandidateOrder.StackLimit ? stackalloc double[count] : new double[count];
        for (int i = 0; i < count; i++)
        {
            keys[i] = candidates[i].State.Gate.InFlight;
        }

        CandidateOrder.SortByKey(candidates, keys, context.RouteModel?.OrderHint);
    }
}
