namespace LlmRouter;

internal static class HedgingConstants
{
    public const int DefaultMaxParallelAttempts = 2;
    public const int MaxParallelAttemptsLimit = 10;

    public static readonly TimeSpan DefaultDelay = TimeSpan.FromSeconds(2);
}
