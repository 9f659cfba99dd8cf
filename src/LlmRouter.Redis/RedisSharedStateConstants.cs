namespace LlmRouter;

internal static class RedisSharedStateConstants
{
    public const string DefaultKeyPrefix = "llmrouter:";

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMilliseconds(50);

    /// <summary>Budget windows are kept this long after they end, so calls that began in a window settle in it.</summary>
    public static readonly TimeSpan BudgetGrace = TimeSpan.FromMinutes(1);
}
