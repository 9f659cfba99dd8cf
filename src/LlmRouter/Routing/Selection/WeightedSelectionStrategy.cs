namespace LlmRouter;

/// <summary>A random order in proportion to weight (see <see cref="SelectionStrategies.Weighted"/>).</summary>
internal sealed class WeightedSelectionStrategy : ISelectionStrategy
{
    public static WeightedSelectionStrategy Instance { get; } = new();

    public string Name => SelectionStrategies.Weighted;

    public void Order(in SelectionContext context, Span<Deployment> candidates)
    {
        // Weight 0 means "only as a fallback": those go last, in route order, and take no part in the draw.
        int weighted = 0;
        double total = 0;
        for (int i = 0; i < candidates.Length; i++)
        {
            double weight = candidates[i].Weight;
            if (weight > 0)
            {
                CandidateOrder.MoveTo(candidates, i, weighted++);
                total += weight;
            }
        }

        // Each place is drawn among the rest in proportion to weight, so the first place goes to i with probability w_i / W.
        for (int place = 0; place < weighted - 1; place++)
        {
            double target = context.NextRandom() * total;
            int pick = weighted - 1;
            for (int j = place; j < weighted; j++)
            {
                target -= candidates[j].Weight;
                if (target < 0)
                {
                    pick = j;
                    break;
                }
            }

            total -= candidates[pick].Weight;
            CandidateOrder.MoveTo(candidates, pick, place);
        }
    }
}
