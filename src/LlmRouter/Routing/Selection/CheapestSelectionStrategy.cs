namespace LlmRouter;

/// <summary>Cheapest first by the estimated cost of this request (see <see cref="SelectionStrategies.Cheapest"/>).</summary>
internal sealed class CheapestSelectionStrategy : ISelectionStrategy
{
    public static CheapestSelectionStrategy Instance { get; } = new();

    public string Name => SelectionStrategies.Cheapest;

    public void Order(in SelectionContext context, Span<Deployment> candidates)
    {
        int count = candidates.Length;
        if (count < 2)
        {
            return;
        }

        double input = context.EstimatedInputTokens;

        // As TokenEstimators.ExpectedOutputTokens, inlined: the limit is read once per request, not once per candidate.
        double limit = context.Options?.MaxOutputTokens is > 0 and { } max ? max : double.PositiveInfinity;
        double unobserved = double.IsPositiveInfinity(limit) ? TokenEstimators.DefaultExpectedOutputTokens : limit;
        Span<double> keys = count <= CandidateOrder.StackLimit ? stackalloc double[count] : new double[count];
        for (int i = 0; i < count; i++)
        {
            Deployment deployment = candidates[i];
            if (deployment.Price is null)
            {
                keys[i] = double.PositiveInfinity;
                continue;
            }

            double output = deployment.State.Statistics.OutputTokens is { } observed ? Math.Min(Math.Ceiling(observed), limit) : unobserved;
            keys[i] = (input * deployment.InputPerToken) + (output * deployment.OutputPerToken);
        }

        CandidateOrder.SortByKey(candidates, keys, context.RouteModel?.OrderHint);
    }
}
