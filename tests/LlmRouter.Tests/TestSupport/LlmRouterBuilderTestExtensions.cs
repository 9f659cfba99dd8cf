namespace LlmRouter.Tests;

internal static class LlmRouterBuilderTestExtensions
{
    /// <summary>One attempt per deployment: for tests about fallback order, where a retry would only repeat the failure.</summary>
    public static LlmRouterBuilder WithoutRetries(this LlmRouterBuilder builder) => builder.ConfigureRetry(r => r.MaxAttempts = 1);

    /// <summary>No timeouts: for tests that count a manual clock's timers and want only their own delays among them.</summary>
    public static LlmRouterBuilder WithoutTimeouts(this LlmRouterBuilder builder) => builder.ConfigureTimeouts(t =>
    {
        t.Total = null;
        t.Attempt = null;
        t.FirstChunk = null;
        t.BetweenChunks = null;
    });

    /// <summary>Exact backoff delays: no jitter.</summary>
    public static LlmRouterBuilder WithExactBackoff(this LlmRouterBuilder builder, TimeSpan baseDelay, int maxAttempts = 3) =>
        builder.ConfigureRetry(r =>
        {
            r.MaxAttempts = maxAttempts;
            r.BaseDelay = baseDelay;
            r.UseJitter = false;
        });
}
