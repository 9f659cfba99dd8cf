using Microsoft.Extensions.Logging;

namespace LlmRouter;

/// <summary>The response cache's log messages, in the router's <c>LlmRouter</c> category; event ids are stable.</summary>
internal static partial class CacheLog
{
    [LoggerMessage(EventId = 30, Level = LogLevel.Warning,
        Message = "Response cache: reading an entry failed; requests are served by the router until the cache works again. Logged once until then.")]
    public static partial void ReadFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 31, Level = LogLevel.Warning,
        Message = "Response cache: storing an answer failed; answers are not cached until the cache works again. Logged once until then.")]
    public static partial void WriteFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 32, Level = LogLevel.Warning,
        Message = "Response cache: a semantic lookup failed (embedding or index); requests are looked up exactly only until it works again. Logged once until then.")]
    public static partial void SemanticFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 33, Level = LogLevel.Information, Message = "Response cache: settings reloaded from configuration.")]
    public static partial void Reloaded(ILogger logger);

    [LoggerMessage(EventId = 34, Level = LogLevel.Error,
        Message = "Response cache: the changed ResponseCache configuration was rejected; the previous settings stay in force.")]
    public static partial void ReloadRejected(ILogger logger, Exception exception);
}
