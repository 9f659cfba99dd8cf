namespace LlmRouter;

internal static class TimeoutConstants
{
    public static readonly TimeSpan DefaultAttempt = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan DefaultFirstChunk = TimeSpan.FromMinutes(2);
    public static readonly TimeSpan DefaultBetweenChunks = TimeSpan.FromMinutes(1);
}
