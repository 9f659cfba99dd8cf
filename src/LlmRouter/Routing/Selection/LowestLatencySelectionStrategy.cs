namespace LlmRouter;

/// <summary>Fastest first by decaying averages, near-equals shuffled (see <see cref="SelectionStrategies.LowestLatency"/>).</summary>
internal sealed class LowestLatencySelectionStrategy : ISelectionStrategy
{
    public static LowestLatencySelectionStrategy Instance { get; } = new();

    public string Name => SelectionStrategies.LowestLatency;

    public void Order(in SelectionContext context, Span<Deployment> candidates)
    {
        int count = candidates.Length;
        if (count < 2)
        {
            return;
        }

        bool streaming = context.IsStreaming;
        Span<double> keys = count <= CandidateOrder.StackLimit ? stackalloc double[count] : new double[count];
        for (int i = 0; i < count; i++)
        {
            DeploymentStatistics statistics = candidates[i].State.Statistics;
            double? seconds = streaming
                ? statistics.FirstChunkSeconds ?? statistics.LatencySeconds
                : statistics.LatencySeconds ?? statistics.FirstChunkSeconds;

            // Not timed yet: first, so that it gets measured.
            keys[i] = seconds ?? 0;
        }

        CandidateOrder.SortByKey(candidates, keys, context.RouteModel?.OrderHint);
        double buffer = context.Request?.Model.Selection.LatencyBuffer ?? SelectionConstants.LatencyBuffer;
        double threshold = keys[0] * (1 + buffer);
        int equals = 1;
        while (equals < count && keys[equals] <= threshold)
        {
            equals++;
        }

        if (equals > 1)
        {
            CandidateOrder.Shuffle(context, candidates[..equals], keys[..equals]);
        }
    }
}
