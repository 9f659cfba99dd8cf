namespace LlmRouter;

/// <summary>
/// A route's strategy with its <see cref="RouteOptions.LatencyTarget"/> applied after it: when at least one candidate meets
/// the target, those that miss it or have too few recent calls to tell are set aside behind every one that does (each group
/// keeps the strategy's order), so they serve only as fallbacks. With <see cref="LatencyTargetOptions.ExplorationRate"/> a
/// request tries one of those set aside first instead (when none meets the target, one without data), so a deployment that
/// recovered, or was never measured, is measured again.
/// </summary>
internal sealed class LatencyTargetSelectionStrategy(ISelectionStrategy inner, LatencyTargetOptions target) : ISelectionStrategy
{
    private const byte Misses = 0;
    private const byte Unknown = 1;
    private const byte Meets = 2;

    private readonly double? _firstToken = target.TimeToFirstToken?.TotalSeconds;
    private readonly double? _total = target.Total?.TotalSeconds;

    /// <summary>Gets the strategy the route names, which orders the candidates before the target sets any aside.</summary>
    public ISelectionStrategy Inner => inner;

    public string Name => inner.Name;

    public void Order(in SelectionContext context, Span<Deployment> candidates)
    {
        inner.Order(context, candidates);
        int count = candidates.Length;
        if (count < 2)
        {
            return;
        }

        long now = context.Request?.Began ?? TimeProvider.System.GetTimestamp();
        Span<byte> verdicts = count <= CandidateOrder.StackLimit ? stackalloc byte[count] : new byte[count];
        int meeting = 0;
        int unknown = -1;
        for (int i = 0; i < count; i++)
        {
            verdicts[i] = Judge(candidates[i], now);
            if (verdicts[i] == Meets)
            {
                meeting++;
            }
            else if (verdicts[i] == Unknown && unknown < 0)
            {
                unknown = i;
            }
        }

        if (meeting == count)
        {
            return;
        }

        if (meeting == 0)
        {
            // Nothing to set aside for; still, a deployment never measured (or not lately) is tried now and then.
            if (unknown > 0 && Explores(context))
            {
                MoveToFront(candidates, unknown);
            }

            return;
        }

        // Stable partition in place: each candidate that meets the target moves up past those that do not.
        int placed = 0;
        for (int i = 0; i < count; i++)
        {
            if (verdicts[i] != Meets)
            {
                continue;
            }

            if (i != placed)
            {
                MoveToFront(candidates[placed..], i - placed);
                verdicts[placed..i].CopyTo(verdicts[(placed + 1)..]);
                verdicts[placed] = Meets;
            }

            placed++;
        }

        if (Explores(context))
        {
            // The first set aside, in the strategy's order, goes first for this request.
            MoveToFront(candidates, placed);
        }
    }

    /// <summary>Whether the deployment's recent calls meet the target, miss it, or are too few to tell.</summary>
    private byte Judge(Deployment deployment, long now)
    {
        if (deployment.State.Statistics.Window is not { } window)
        {
            return Unknown;
        }

        LatencySnapshot latency = window.Read(now);
        int percentile = target.Percentile;
        if (_firstToken is { } firstToken)
        {
            if (latency.FirstTokenSamples < target.MinimumSamples)
            {
                return Unknown;
            }

            if (!(latency.FirstToken.At(percentile) <= firstToken))
            {
                return Misses;
            }
        }

        if (_total is { } total)
        {
            if (latency.TotalSamples < target.MinimumSamples)
            {
                return Unknown;
            }

            if (!(latency.Total.At(percentile) <= total))
            {
                return Misses;
            }
        }

        return Meets;
    }

    private bool Explores(in SelectionContext context) => target.ExplorationRate > 0 && context.NextRandom() < target.ExplorationRate;

    /// <summary>Moves the candidate at <paramref name="index"/> to the front, the ones before it one place down.</summary>
    private static void MoveToFront(Span<Deployment> candidates, int index)
    {
        Deployment moved = candidates[index];
        candidates[..index].CopyTo(candidates[1..]);
        candidates[0] = moved;
    }
}
