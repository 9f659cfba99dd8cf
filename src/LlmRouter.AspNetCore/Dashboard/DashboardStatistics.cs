using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using static LlmRouter.TelemetryConstants;

namespace LlmRouter;

/// <summary>
/// The dashboard's sliding windows, fed from the router's own measurements: a <see cref="MeterListener"/> on the router's
/// meter turns each attempt's duration, time to first chunk and fallback into 10-second slots per deployment and per
/// fallback reason; the gateway endpoint adds the cost per caller, which the router's meter does not tag.
/// </summary>
/// <remarks>
/// One instance per router (<see cref="For"/>), shared by the endpoint and the dashboard, disposed when the application
/// stops. Listens to the router's own <see cref="Meter"/> instance, so other routers in the process do not mix in, and to
/// the response cache's request counter. Thread-safe; recording takes no lock.
/// </remarks>
internal sealed class DashboardStatistics : IDisposable
{
    private static readonly ConditionalWeakTable<LlmRouterClient, DashboardStatistics> Instances = new();

    private readonly Meter _meter;
    private readonly MeterListener _listener;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, SlidingWindow> _deployments = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SlidingWindow> _fallbacks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CallerSpend> _callers = new(StringComparer.Ordinal);
    private long _cacheHits;
    private long _cacheMisses;
    private int _disposed;

    private DashboardStatistics(LlmRouterClient router, TimeProvider time)
    {
        Measured = router;
        _meter = router.Meter;
        _time = time;
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                bool ours = ReferenceEquals(instrument.Meter, _meter) &&
                    instrument.Name is GenAI.OperationDuration or GenAI.TimeToFirstChunk or Router.Fallbacks;
                bool cache = instrument.Meter.Name == SourceName && instrument.Name == Cache.Requests;
                if (ours || cache)
                {
                    listener.EnableMeasurementEvents(instrument, this);
                }
            },
        };
        _listener.SetMeasurementEventCallback<double>(static (instrument, value, tags, state) => ((DashboardStatistics)state!).OnDouble(instrument, value, tags));
        _listener.SetMeasurementEventCallback<long>(static (instrument, value, tags, state) => ((DashboardStatistics)state!).OnLong(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>Gets the router measured.</summary>
    public LlmRouterClient Measured { get; }

    /// <summary>Gets the statistics of <paramref name="router"/>, starting them on first use.</summary>
    public static DashboardStatistics For(LlmRouterClient router, TimeProvider time) =>
        Instances.GetValue(router, r => new DashboardStatistics(r, time));

    /// <summary>Gets the statistics of <paramref name="router"/> when something started them, without starting them.</summary>
    public static DashboardStatistics? Find(LlmRouterClient router) =>
        Instances.TryGetValue(router, out DashboardStatistics? statistics) ? statistics : null;

    /// <summary>Gets the current 10-second slot number.</summary>
    public long Now => _time.GetUtcNow().ToUnixTimeSeconds() / SlidingWindow.SlotSeconds;

    /// <summary>Gets the time measurements are stamped with.</summary>
    public DateTimeOffset UtcNow => _time.GetUtcNow();

    /// <summary>Gets the sliding window of every deployment that has ended an attempt.</summary>
    public IReadOnlyDictionary<string, SlidingWindow> Deployments => _deployments;

    /// <summary>Gets the sliding fallback counts by reason (the <c>error.type</c> of the failure that caused them).</summary>
    public IReadOnlyDictionary<string, SlidingWindow> Fallbacks => _fallbacks;

    /// <summary>Gets the cost of the requests the gateway served, by caller.</summary>
    public IReadOnlyDictionary<string, CallerSpend> Callers => _callers;

    /// <summary>Gets the response cache's hits and misses since the statistics started; both zero without a cache.</summary>
    public (long Hits, long Misses) CacheRequests => (Volatile.Read(ref _cacheHits), Volatile.Read(ref _cacheMisses));

    /// <summary>Adds a served request's cost to its caller's.</summary>
    public void Served(string caller, AdditionalPropertiesDictionary? properties)
    {
        decimal cost = properties?.TryGetValue(LlmRouterProperties.CostUsd, out object? value) == true ? value switch
        {
            decimal usd => usd,
            double usd => (decimal)usd,
            _ => 0m,
        } : 0m;
        _callers.GetOrAdd(caller, static _ => new CallerSpend()).Add(cost);
    }

    /// <summary>Records an attempt's end directly: what the listener does for each <c>gen_ai.client.operation.duration</c>.</summary>
    public void RecordCall(string deployment, bool failed, double seconds) =>
        Window(_deployments, deployment, latencies: true).RecordCall(Now, failed, seconds);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _listener.Dispose();
            Instances.Remove(Measured);
        }
    }

    private void OnDouble(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string? deployment = Tag(tags, Router.Deployment);
        if (deployment is null)
        {
            return;
        }

        if (instrument.Name == GenAI.OperationDuration)
        {
            RecordCall(deployment, failed: Tag(tags, Common.ErrorType) is not null, value);
        }
        else
        {
            Window(_deployments, deployment, latencies: true).RecordFirstChunk(Now, value);
        }
    }

    private void OnLong(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (instrument.Name == Router.Fallbacks)
        {
            Window(_fallbacks, Tag(tags, Router.FallbackReason) ?? OtherError, latencies: false).Add(Now, value);
        }
        else if (Tag(tags, Cache.Result) is { } result)
        {
            if (result == Cache.Hit)
            {
                Interlocked.Add(ref _cacheHits, value);
            }
            else if (result == Cache.Miss)
            {
                Interlocked.Add(ref _cacheMisses, value);
            }
        }
    }

    private static SlidingWindow Window(ConcurrentDictionary<string, SlidingWindow> windows, string name, bool latencies) =>
        windows.TryGetValue(name, out SlidingWindow? window) ? window : windows.GetOrAdd(name, static (_, latencies) => new SlidingWindow(latencies), latencies);

    private static string? Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string name)
    {
        foreach (KeyValuePair<string, object?> tag in tags)
        {
            if (tag.Key == name)
            {
                return tag.Value as string;
            }
        }

        return null;
    }
}
