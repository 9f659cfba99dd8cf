using System.Globalization;
using StackExchange.Redis;

namespace LlmRouter;

/// <summary>
/// The pub/sub messages of shared cooldowns and circuits, <c>{instance}:{milliseconds}:{deployment}</c>: the publishing
/// router's id (so it ignores its own), a duration, and the deployment, whose name may itself contain colons.
/// </summary>
internal static class RedisMessage
{
    public static RedisValue Format(string instance, long milliseconds, string deployment) =>
        string.Create(CultureInfo.InvariantCulture, $"{instance}:{milliseconds}:{deployment}");

    public static bool TryParse(RedisValue message, out string? instance, out long milliseconds, out string deployment)
    {
        string text = message.ToString();
        int first = text.IndexOf(':', StringComparison.Ordinal);
        int second = first < 0 ? -1 : text.IndexOf(':', first + 1);
        instance = first > 0 ? text[..first] : null;
        deployment = second > 0 ? text[(second + 1)..] : string.Empty;
        milliseconds = 0;
        return second > 0 && deployment.Length > 0 &&
            long.TryParse(text.AsSpan(first + 1, second - first - 1), NumberStyles.None, CultureInfo.InvariantCulture, out milliseconds);
    }
}
