namespace LlmRouter;

/// <summary>Cheapest first among the candidates good enough by quality (see <see cref="SelectionStrategies.BestValue"/>).</summary>
internal sealed class BestValueSelectionStrategy : ISelectionStrategy
{
    /// <summary>Sorts a candidate below the tolerance after every one within it, better quality first.</summary>
    private const double BelowTolerance = 1e300;

    public static BestValueSelectionStrategy Instance { get; } = new();

    public string Name => SelectionStrategies.BestValue;

    public void Order(in SelectionContext context, Span<Deployment> candidates)
    {
        int count = candidates.Length;
        if (count < 2)
        {
            return;
        }

        Span<double> keys = count <= CandidateOrder.StackLimit ? stackalloc double[count] : new double[count];
        CheapestSelectionStrategy.CostKeys(context, candidates, keys);
        if (context.RouteModel?.Quality is { } gate)
        {
            string? tier = context.Request?.Tier;
            double best = double.NegativeInfinity;
            Span<double> quality = count <= CandidateOrder.StackLimit ? stackalloc double[count] : new double[count];
            for (int i = 0; i < count; i++)
            {
                // NaN (too few scores to judge) is never the best and never below it.
                quality[i] = gate.For(candidates[i], tier).Known;
                best = Math.Max(best, double.IsNaN(quality[i]) ? double.NegativeInfinity : quality[i]);
            }

            double bar = best - gate.Policy.Tolerance;
            for (int i = 0; i < count; i++)
            {
                if (quality[i] < bar)
                {
                    keys[i] = BelowTolerance * (1 + best - quality[i]);
                }
            }
        }

        CandidateOrder.SortByKey(candidates, keys, context.RouteModel?.OrderHint);
    }
}
