namespace LlmRouter;

/// <summary>Exponential backoff with optional jitter: BaseDelay × 2^(retry − 1), spread by ±25 %, capped at MaxDelay.</summary>
internal static class Backoff
{
    /// <summary>The delay before retry number <paramref name="retry"/> (1 for the first retry).</summary>
    /// <param name="retry">The retry number, starting at 1.</param>
    /// <param name="options">The retry settings.</param>
    /// <param name="random">A source of uniform numbers in [0, 1).</param>
    public static TimeSpan Delay(int retry, RetryOptions options, Func<double> random)
    {
        double exponent = Math.Min(retry - 1, 30);
        double ticks = options.BaseDelay.Ticks * Math.Pow(2, exponent);
        if (options.UseJitter)
        {
            ticks *= 1 + ((random() * 2) - 1) * RetryConstants.JitterFraction;
        }

        return TimeSpan.FromTicks((long)Math.Min(ticks, options.MaxDelay.Ticks));
    }
}
