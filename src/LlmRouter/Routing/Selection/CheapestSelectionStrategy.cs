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
        Span<double> keys = count <= CandidateOrder.StackLimit ? stackalloc double[count] : new double[count];
        for (int i = 0; i < count; i++)
        {
            Deployment deployment = candidates[i];
            keys[i] = deployment.Price is null
                ? double.PositiveInfinity
                : (input * deployment.InputPerToken) + (ExpectedOutput(context, deployment) * deployment.OutputPerToken);
        }

        CandidateOrder.SortByKey(candidates, keys);
    }

    /// <summary>The output tokens to expect from <paramref name="deployment"/> for this request.</summary>
    internal static int ExpectedOutput(in SelectionContext context, Deployment deployment) =>
        ExpectedOutput(context.Options, deployment);

    internal static int ExpectedOutput(Microsoft.Extensions.AI.ChatOptions? options, Deployment deployment)
    {
        double? observed = deployment.State.Statistics.OutputTokens;
        int? average = observed is { } tokens ? (int)Math.Min(Math.Ceiling(tokens), int.MaxValue) : null;
        return TokenEstimators.ExpectedOutputTokens(options, average);
    }
}
