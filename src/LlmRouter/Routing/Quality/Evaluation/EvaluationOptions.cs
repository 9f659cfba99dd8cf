using System.ComponentModel.DataAnnotations;

namespace LlmRouter;

/// <summary>
/// Sampled evaluation for a route (<see cref="RouteOptions.Evaluation"/>): a share of its non-streaming responses is scored
/// in the background by the router's <see cref="Microsoft.Extensions.AI.Evaluation.IEvaluator"/> (by default a
/// <see cref="JudgeEvaluator"/> calling <see cref="JudgeRoute"/>), and each score goes to <see cref="IRouterFeedback"/>.
/// </summary>
/// <remarks>
/// Requests never wait for an evaluation: a sampled response is queued (at most <see cref="QueueCapacity"/>; when the queue is
/// full the sample is dropped) and one background worker evaluates the queue in order. The judge's calls are requests to
/// <see cref="JudgeRoute"/>, routed, costed and budgeted as that route's (a budget with <see cref="BudgetScope.Route"/> on it
/// caps what evaluation spends).
/// </remarks>
public sealed class EvaluationOptions
{
    /// <summary>Gets or sets the share of the route's non-streaming responses that are evaluated, from 0 to 1.</summary>
    /// <value>The default is 0.05.</value>
    [Range(0.0, 1.0)]
    public double SampleRate { get; set; } = EvaluationConstants.DefaultSampleRate;

    /// <summary>Gets or sets the route the judge model is called through; it must not itself be evaluated.</summary>
    /// <value>The default is <see langword="null"/>; required.</value>
    public string? JudgeRoute { get; set; }

    /// <summary>Gets or sets the name of the evaluator's numeric metric that is the score; <see langword="null"/> takes the first numeric metric.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public string? Metric { get; set; }

    /// <summary>Gets or sets the metric's worst value, which becomes a quality score of 0.</summary>
    /// <value>The default is 1 (the 1-to-5 scale of Microsoft.Extensions.AI.Evaluation's quality evaluators and of <see cref="JudgeEvaluator"/>).</value>
    public double MinScore { get; set; } = EvaluationConstants.DefaultMinScore;

    /// <summary>Gets or sets the metric's best value, which becomes a quality score of 1.</summary>
    /// <value>The default is 5.</value>
    public double MaxScore { get; set; } = EvaluationConstants.DefaultMaxScore;

    /// <summary>Gets or sets how many sampled responses may wait for evaluation; more are dropped.</summary>
    /// <value>The default is 100.</value>
    [Range(1, 100_000)]
    public int QueueCapacity { get; set; } = EvaluationConstants.DefaultQueueCapacity;

    /// <summary>Copies the options as they are now, for a router that must not see later changes to this object.</summary>
    internal EvaluationOptions Snapshot() => (EvaluationOptions)MemberwiseClone();
}
