namespace LlmRouter;

/// <summary>Defaults of sampled evaluation.</summary>
internal static class EvaluationConstants
{
    public const double DefaultSampleRate = 0.05;
    public const double DefaultMinScore = 1;
    public const double DefaultMaxScore = 5;
    public const int DefaultQueueCapacity = 100;
}
