namespace LlmRouter.Tests.Routing.Quality;

/// <summary>Scripted score sequences through one estimate: when it is judged, set aside, put on probation and restored.</summary>
public class QualityEstimateTests
{
    private const long Frequency = 1_000;

    private static QualityEstimate Estimate(double? minQuality = 0.7, double? dropTolerance = null, int minimumSamples = 5, int probation = 3, double hysteresis = 0.05, double weight = 0.5)
    {
        var route = new RouteOptions
        {
            MinQuality = minQuality,
            QualityDropTolerance = dropTolerance,
            Quality = new QualityOptions { MinimumSamples = minimumSamples, ProbationRequests = probation, Hysteresis = hysteresis, SampleWeight = weight },
        };
        return new QualityEstimate("d", "r", null, null, new QualityPolicy(route, Frequency));
    }

    private static List<QualityStatus?> Feed(QualityEstimate estimate, params double[] scores) => [.. scores.Select(s => estimate.Record(s, now: 1))];

    [Fact]
    public void Record_LowScoresBeforeMinimumSamples_AreNotJudged()
    {
        QualityEstimate estimate = Estimate(minimumSamples: 5);

        List<QualityStatus?> moves = Feed(estimate, 0.1, 0.1, 0.1, 0.1);

        Assert.All(moves, Assert.Null);
        Assert.Equal(QualityStatus.Healthy, estimate.Status);
        Assert.True(estimate.Passes());
        Assert.True(double.IsNaN(estimate.Known));
    }

    [Fact]
    public void Record_EstimateFallsBelowMinQuality_SetsAsideWithTheReason()
    {
        QualityEstimate estimate = Estimate(minimumSamples: 5);

        List<QualityStatus?> moves = Feed(estimate, 0.9, 0.9, 0.9, 0.9, 0.9, 0.2, 0.2);

        // 0.9 … then 0.55 after the first 0.2 (weight 0.5): below 0.7 at the sixth score.
        Assert.Equal([null, null, null, null, null, QualityStatus.SetAside, null], moves);
        Assert.Equal(QualityStatus.SetAside, estimate.Status);
        Assert.Contains("below the route's MinQuality of 0.7", estimate.Reason);
    }

    [Fact]
    public void Passes_SetAside_PassesOverProbationRequestsThenLetsTheNextThroughOnProbation()
    {
        QualityEstimate estimate = Estimate(minimumSamples: 2, probation: 3);
        Feed(estimate, 0.1, 0.1);

        bool[] passes = [estimate.Passes(), estimate.Passes(), estimate.Passes(), estimate.Passes(), estimate.Passes()];

        Assert.Equal([false, false, false, true, true], passes);
        Assert.Equal(QualityStatus.Probation, estimate.Status);
        Assert.Equal(0, estimate.Snapshot().RecentSamples);
        Assert.Equal(2, estimate.Snapshot().Samples);
    }

    [Fact]
    public void Record_OnProbationJustAboveTheBar_IsSetAsideAgainForWantOfHysteresis()
    {
        QualityEstimate estimate = Estimate(minimumSamples: 2, probation: 1, hysteresis: 0.1);
        Feed(estimate, 0.1, 0.1);
        Assert.False(estimate.Passes());
        Assert.True(estimate.Passes());

        // 0.75 clears MinQuality (0.7) but not MinQuality + hysteresis (0.8).
        List<QualityStatus?> moves = Feed(estimate, 0.75, 0.75);

        Assert.Equal([null, QualityStatus.SetAside], moves);
        Assert.Contains("did not clear the route's bar by its hysteresis of 0.1", estimate.Reason);
    }

    [Fact]
    public void Record_OnProbationClearingTheBarByTheHysteresis_IsHealthyAgain()
    {
        QualityEstimate estimate = Estimate(minimumSamples: 2, probation: 1, hysteresis: 0.1);
        Feed(estimate, 0.1, 0.1);
        estimate.Passes();
        estimate.Passes();

        List<QualityStatus?> moves = Feed(estimate, 0.85, 0.85);

        Assert.Equal([null, QualityStatus.Healthy], moves);
        Assert.Equal(0.85, estimate.Known, 6);
    }

    [Fact]
    public void Record_HealthyEstimateWanderingBetweenTheBarAndTheBarPlusHysteresis_NeverFlaps()
    {
        QualityEstimate estimate = Estimate(minimumSamples: 3, hysteresis: 0.1, weight: 0.3);

        // Scores between 0.70 and 0.80 keep the estimate at or above MinQuality: a healthy deployment stays healthy.
        List<QualityStatus?> moves = Feed(estimate, [.. Enumerable.Range(0, 200).Select(i => i % 2 == 0 ? 0.70 : 0.80)]);

        Assert.All(moves, Assert.Null);
        Assert.Equal(QualityStatus.Healthy, estimate.Status);
    }

    [Fact]
    public void Record_ScoresAroundTheBar_SetAsideAndRestoredAtMostOncePerProbation()
    {
        QualityEstimate estimate = Estimate(minimumSamples: 4, probation: 2, hysteresis: 0.05, weight: 0.25);
        double[] script = [.. Enumerable.Range(0, 400).Select(i => 0.7 + (0.04 * Math.Sin(i)))];
        int transitions = 0;
        int requests = 0;

        foreach (double score in script)
        {
            if (estimate.Passes())
            {
                requests++;
                transitions += estimate.Record(score, now: 1) is null ? 0 : 1;
            }
        }

        // Scores within 0.04 of the bar never clear it by 0.05: once set aside, a deployment is not restored, so it moves at
        // most twice per probation (in, then out again after at least MinimumSamples new scores).
        Assert.True(transitions <= 1 + (2 * requests / 4), $"{transitions} transitions over {requests} scored requests");
        Assert.NotEqual(QualityStatus.Healthy, estimate.Status);
    }

    [Fact]
    public void Record_DropBelowTheBaselineBeyondTheTolerance_SetsAside()
    {
        QualityEstimate estimate = Estimate(minQuality: null, dropTolerance: 0.15, minimumSamples: 5, weight: 0.3);
        long now = 0;

        // A day of good scores (one an hour), then a run of bad ones within minutes.
        for (int hour = 0; hour < 24; hour++)
        {
            now += 3_600 * Frequency;
            Assert.Null(estimate.Record(0.9, now));
        }

        var moves = new List<QualityStatus?>();
        foreach (double score in (double[])[0.6, 0.6, 0.6, 0.6, 0.6])
        {
            now += 60 * Frequency;
            moves.Add(estimate.Record(score, now));
        }

        Assert.Contains(QualityStatus.SetAside, moves);
        Assert.Contains("dropped more than 15% below its baseline", estimate.Reason);
    }

    [Fact]
    public void Record_SmallDipWithinTheTolerance_StaysHealthy()
    {
        QualityEstimate estimate = Estimate(minQuality: null, dropTolerance: 0.15, minimumSamples: 5, weight: 0.3);
        long now = 0;
        for (int i = 0; i < 30; i++)
        {
            now += 600 * Frequency;
            Assert.Null(estimate.Record(0.9, now));
        }

        for (int i = 0; i < 30; i++)
        {
            now += 60 * Frequency;
            Assert.Null(estimate.Record(0.82, now));
        }

        Assert.Equal(QualityStatus.Healthy, estimate.Status);
    }
}
