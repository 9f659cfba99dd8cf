using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace LlmRouter;

/// <summary>
/// The response cache's telemetry, on the <c>LlmRouter</c> source and meter: a <c>cache {route}</c> span per lookup and the
/// <c>llmrouter.cache.requests</c> counter by result. Nothing is recorded, and no span is created, unless a listener subscribes.
/// </summary>
internal sealed class CacheTelemetry : IDisposable
{
    private readonly ActivitySource _source = new(TelemetryConstants.SourceName);
    private readonly Meter _meter = new(TelemetryConstants.SourceName);
    private readonly Counter<long> _requests;

    public CacheTelemetry() =>
        _requests = _meter.CreateCounter<long>(TelemetryConstants.Cache.Requests, "{request}", "Requests seen by the response cache, by result: hit, miss, bypass, store_failed.");

    /// <summary>Gets the activity source, for tests that listen to one step only.</summary>
    internal ActivitySource Source => _source;

    /// <summary>Gets the meter, for tests that listen to one step only.</summary>
    internal Meter Meter => _meter;

    /// <summary>Starts the span of a lookup, or returns <see langword="null"/> when nobody listens.</summary>
    public Activity? StartLookup(string? route)
    {
        if (!_source.HasListeners())
        {
            return null;
        }

        Activity? activity = _source.StartActivity(route is null ? "cache" : "cache " + route, ActivityKind.Internal);
        activity?.SetTag(TelemetryConstants.Router.Route, route);
        return activity;
    }

    /// <summary>Counts a request by <paramref name="result"/> and ends its lookup span with what it found.</summary>
    public void Record(Activity? lookup, string result, string? route, decimal? savedUsd = null)
    {
        if (_requests.Enabled)
        {
            _requests.Add(1, new KeyValuePair<string, object?>(TelemetryConstants.Cache.Result, result), new KeyValuePair<string, object?>(TelemetryConstants.Router.Route, route));
        }

        if (lookup is not null)
        {
            lookup.SetTag(TelemetryConstants.Cache.Result, result);
            lookup.SetTag(TelemetryConstants.Router.CacheHit, result == TelemetryConstants.Cache.Hit);
            if (savedUsd is { } saved)
            {
                lookup.SetTag(TelemetryConstants.Cache.CostSaved, (double)saved);
            }

            lookup.Dispose();
        }
    }

    /// <summary>Counts an answer that could not be stored; the request itself was counted already.</summary>
    public void RecordStoreFailed(string? route)
    {
        if (_requests.Enabled)
        {
            _requests.Add(1, new KeyValuePair<string, object?>(TelemetryConstants.Cache.Result, TelemetryConstants.Cache.StoreFailed), new KeyValuePair<string, object?>(TelemetryConstants.Router.Route, route));
        }
    }

    public void Dispose()
    {
        _source.Dispose();
        _meter.Dispose();
    }
}
