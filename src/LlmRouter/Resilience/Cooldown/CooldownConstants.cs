namespace LlmRouter;

internal static class CooldownConstants
{
    public static readonly TimeSpan DefaultDuration = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan MaxDuration = TimeSpan.FromMinutes(5);
}
