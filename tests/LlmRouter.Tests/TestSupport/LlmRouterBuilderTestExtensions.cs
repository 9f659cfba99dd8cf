namespace LlmRouter.Tests;

internal static class LlmRouterBuilderTestExtensions
{
    /// <summary>One attempt per deployment: for tests about fallback order, where a retry would only repeat the failure.</summary>
    public static LlmRouterBuilder WithoutRetries(this LlmRouterBuilder builder) => builder.ConfigureRetry(r => r.MaxAttempts = 1);
}
