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

        Span<double> keys = count <= CandidateOrder.StackLimit ? stackalloc double[count] : new double[count];
        CostKeys(context, candidates, keys);
        CandidateOrder.SortByKey(candidates, keys, context.RouteModel?.OrderHint);
    }

    /// <summary>Puts each candidate's estimated cost of this request in <paramref name="keys"/>; a deployment without a price costs infinity.</summary>
    public static void CostKeys(in SelectionContext context, ReadOnlySpan<Deployment> candidates, Span<double> keys)
    {
        int count = candidates.Length;

        // As TokenEstimators.ExpectedOutputTokens, inlined: the limit is read once per request, not once per candidate.
        double limit = context.Options?.MaxOutputTokens is > 0 and { } max ? max : double.PositiveInfinity;
        double unobserved = double.IsPositiveInfinity(limit) ? TokenEstimators.DefaultExpectedOutputTokens : limit;
        DateTimeOffset? now = null;
        for (int i = 0; i < count; i++)
        {
            Deployment deployment = candidates[i];
            if (deployment.Price is not { } price)
            {
                keys[i] = double.PositiveInfinity;
                continue;
            }

            // Each deployment's request counted by its own model's estimator (the router's, unless it makes one per model).
            double input = context.EstimatedInputTokensFor(deployment);
            double output = deployment.State.Statistics.OutputTokens is { } observed ? Math.Min(Math.Ceiling(observed), limit) : unobserved;
            if (price.IsFlat)
            {
                keys[i] = (input * deployment.InputPerToken) + (output * deployment.OutputPerToken);
                continue;
            }

            // A long-prompt tier, a service tier or a scheduled change: the prices of this request's tiers, in force now (the clock read once).
            now ??= context.Request?.Time.GetUtcNow() ?? TimeProvider.System.GetUtcNow();
            PriceRates rates = ServiceTierProperty.Estimated(price.At(now.Value), context.Options).RatesFor((long)input);
            keys[i] = ((input * (double)rates.Input) + (output * (double)rates.Output)) / 1_000_000;
        }
    }
}
