using System.Collections.Concurrent;
using StackExchange.Redis;

namespace LlmRouter;

/// <summary>
/// One connection per configuration string in the process, as StackExchange.Redis recommends (a multiplexer serves every
/// caller concurrently): routers built from the same configuration share it, and it lives as long as the process. Connects
/// without aborting when Redis is down, so the router starts and the client reconnects on its own when Redis comes back.
/// </summary>
internal static class RedisConnections
{
    private static readonly ConcurrentDictionary<string, Lazy<IConnectionMultiplexer>> Connections = new(StringComparer.Ordinal);

    public static IConnectionMultiplexer Get(string configuration) =>
        Connections.GetOrAdd(configuration, static text => new Lazy<IConnectionMultiplexer>(() => Connect(text))).Value;

    private static ConnectionMultiplexer Connect(string configuration)
    {
        ConfigurationOptions options = ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = false;
        return ConnectionMultiplexer.Connect(options);
    }
}
