namespace LlmRouter;

/// <summary>Two random candidates, the less busy first (see <see cref="SelectionStrategies.PowerOfTwoChoices"/>).</summary>
internal sealed class PowerOfTwoChoicesSelectionStrategy : ISelectionStrategy
{
    public static PowerOfTwoChoicesSelectionStrategy Instance { get; } = new();

    public string Name => SelectionStrategies.PowerOfTwoChoices;

    public void Order(in SelectionContext context, Span<Deployment> candidates)
    {
        int count = candidates.Length;
        if (count < 2)
        {
            return;
        }

        int first = CandidateOrder.Draw(context, count);
        int second = CandidateOrder.Draw(context, count - 1);
        if (second >= first)
        {
            second++;
        }

        bool firstWins = candidates[first].State.Gate.InFlight <= candidates[second].State.Gate.InFlight;
        int winner = firstWins ? first : second;
        int loser = firstWins ? second : first;

        // Winner to the front, loser right behind it; the others keep route order.
        CandidateOrder.MoveTo(candidates, winner, 0);
        CandidateOrder.MoveTo(candidates, loser < winner ? loser + 1 : loser, 1);
    }
}
