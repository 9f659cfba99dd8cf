namespace LlmRouter;

internal static class SelectionConstants
{
    public const double LatencyBuffer = 0.1;

    public const double SampleWeight = 0.2;
}
