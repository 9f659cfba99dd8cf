namespace LlmRouter;

internal static class RetryConstants
{
    public const int MinMaxAttempts = 1;
    public const int MaxMaxAttempts = 10;
    public const int DefaultMaxAttempts = 3;

    /// <summary>Jitter spreads a backoff delay by this fraction either way.</summary>
    public const double JitterFraction = 0.25;

    public static readonly TimeSpan DefaultBaseDelay = TimeSpan.FromMilliseconds(200);
    public static readonly TimeSpan DefaultMaxDelay = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan DefaultMaxRetryAfter = TimeSpan.FromSeconds(10);
}
