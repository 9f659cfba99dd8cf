using System.Globalization;

namespace LlmRouter;

/// <summary>Checks a route's quality bars and latency target when the router is built; every message names the key and what would be valid.</summary>
internal static class AdaptiveRoutingValidation
{
    private static readonly QualityOptionsValidator QualityValidator = new();
    private static readonly LatencyTargetOptionsValidator LatencyValidator = new();
    private static readonly EvaluationOptionsValidator EvaluationValidator = new();

    public static void Validate(string route, RouteOptions options, List<string> errors) => Validate(route, options, [], errors);

    public static void Validate(string route, RouteOptions options, List<(string Name, RouteOptions Options)> routes, List<string> errors)
    {
        if (options.Evaluation is { } evaluation)
        {
            ValidateEvaluation(route, evaluation, routes, errors);
        }

        Fraction(route, "MinQuality", options.MinQuality, "a quality estimate from 0 to 1", errors);
        if (options.QualityDropTolerance is { } drop && !(drop > 0 && drop < 1))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture,
                $"Routes:{route}:QualityDropTolerance is {drop}; it must be a fraction between 0 and 1 (0.15 sets a deployment aside 15 % below its baseline)."));
        }

        Fraction(route, "QualityTolerance", options.QualityTolerance, "a difference of quality estimates from 0 to 1", errors);
        if (options.Quality is { } quality)
        {
            RouterValidation.AddFailures(QualityValidator.Validate($"Routes:{route}:Quality", quality), errors);
        }

        if (options.LatencyTarget is not { } target)
        {
            return;
        }

        RouterValidation.AddFailures(LatencyValidator.Validate($"Routes:{route}:LatencyTarget", target), errors);
        if (target.TimeToFirstToken is null && target.Total is null)
        {
            errors.Add($"Routes:{route}:LatencyTarget sets neither TimeToFirstToken nor Total; set at least one (for example \"TimeToFirstToken\": \"00:00:00.800\").");
        }

        Positive(route, "TimeToFirstToken", target.TimeToFirstToken, errors);
        Positive(route, "Total", target.Total, errors);
        if (target.Percentile is not (50 or 90 or 95 or 99))
        {
            errors.Add($"Routes:{route}:LatencyTarget:Percentile is {target.Percentile}; valid percentiles: 50, 90, 95, 99.");
        }
    }

    private static void ValidateEvaluation(string route, EvaluationOptions evaluation, List<(string Name, RouteOptions Options)> routes, List<string> errors)
    {
        RouterValidation.AddFailures(EvaluationValidator.Validate($"Routes:{route}:Evaluation", evaluation), errors);
        if (!(evaluation.MinScore < evaluation.MaxScore) || !double.IsFinite(evaluation.MinScore) || !double.IsFinite(evaluation.MaxScore))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture,
                $"Routes:{route}:Evaluation: MinScore ({evaluation.MinScore}) must be below MaxScore ({evaluation.MaxScore}); they are the metric's worst and best values (1 and 5 for a 1-to-5 judge)."));
        }

        (string Name, RouteOptions Options) judge = routes.Find(r => string.Equals(r.Name, evaluation.JudgeRoute, StringComparison.OrdinalIgnoreCase));
        if (string.IsNullOrWhiteSpace(evaluation.JudgeRoute))
        {
            errors.Add($"Routes:{route}:Evaluation:JudgeRoute is not set; name the route the judge model is called through (one of: {RouterValidation.JoinNames(routes.Select(r => r.Name))}).");
        }
        else if (judge.Options is null)
        {
            errors.Add($"Routes:{route}:Evaluation:JudgeRoute names unknown route '{evaluation.JudgeRoute}'. Known routes: {RouterValidation.JoinNames(routes.Select(r => r.Name))}.");
        }
        else if (judge.Options.Evaluation is not null)
        {
            errors.Add($"Routes:{route}:Evaluation:JudgeRoute '{judge.Name}' is itself evaluated; the judge's route must not be, or each judgement would be judged in turn.");
        }
    }

    /// <summary>Adds the quality and latency keys a route that dispatches (by tiers or variants) must not have.</summary>
    public static void Misplaced(RouteOptions options, List<string> misplaced)
    {
        if (options.MinQuality is not null || options.QualityDropTolerance is not null || options.Quality is not null)
        {
            misplaced.Add("quality bars (MinQuality, QualityDropTolerance, Quality)");
        }

        if (options.LatencyTarget is not null)
        {
            misplaced.Add("LatencyTarget");
        }

        if (options.Evaluation is not null)
        {
            misplaced.Add("Evaluation");
        }
    }

    private static void Fraction(string route, string key, double? value, string what, List<string> errors)
    {
        if (value is { } fraction && !(fraction >= 0 && fraction <= 1))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"Routes:{route}:{key} is {fraction}; it must be {what}."));
        }
    }

    private static void Positive(string route, string key, TimeSpan? value, List<string> errors)
    {
        if (value is { } duration && duration <= TimeSpan.Zero)
        {
            errors.Add($"Routes:{route}:LatencyTarget:{key} is {duration}; it must be longer than zero.");
        }
    }
}
