using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.AI;

namespace LlmRouter.Tests;

/// <summary>
/// Listens to one router's spans and metrics only (by reference to its own ActivitySource and Meter), so tests running
/// in parallel with other routers see nothing of theirs.
/// </summary>
internal sealed class TelemetryCapture : IDisposable
{
    private readonly ActivityListener? _activities;
    private readonly MeterListener? _meters;
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ConcurrentQueue<Measurement> _measurements = new();

    public TelemetryCapture(IChatClient router, bool spans = true, bool metrics = true)
    {
        RouterTelemetry telemetry = ((LlmRouterClient)router).Telemetry;
        if (spans)
        {
            _activities = new ActivityListener
            {
                ShouldListenTo = source => ReferenceEquals(source, telemetry.Source),
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = activity => _stopped.Enqueue(activity),
            };
            ActivitySource.AddActivityListener(_activities);
        }

        if (metrics)
        {
            _meters = new MeterListener
            {
                InstrumentPublished = (instrument, listener) =>
                {
                    if (ReferenceEquals(instrument.Meter, telemetry.Meter))
                    {
                        listener.EnableMeasurementEvents(instrument);
                    }
                },
            };
            _meters.SetMeasurementEventCallback<double>((i, v, t, _) => Add(i, v, t));
            _meters.SetMeasurementEventCallback<long>((i, v, t, _) => Add(i, v, t));
            _meters.SetMeasurementEventCallback<int>((i, v, t, _) => Add(i, v, t));
            _meters.Start();
        }
    }

    public IReadOnlyList<Activity> Spans => [.. _stopped];

    public IReadOnlyList<Measurement> Measurements => [.. _measurements];

    public Activity Span(string name) => Assert.Single(_stopped, a => a.DisplayName == name);

    public IReadOnlyList<Measurement> Metric(string name) => [.. _measurements.Where(m => m.Instrument == name)];

    /// <summary>Collects the observable instruments now and returns what they reported.</summary>
    public IReadOnlyList<Measurement> Observe(string name)
    {
        _measurements.Clear();
        _meters!.RecordObservableInstruments();
        return Metric(name);
    }

    public void Dispose()
    {
        _activities?.Dispose();
        _meters?.Dispose();
    }

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, object?> tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }

        _measurements.Enqueue(new Measurement(instrument.Name, instrument.Unit, value, copy));
    }

    internal sealed record Measurement(string Instrument, string? Unit, double Value, IReadOnlyDictionary<string, object?> Tags)
    {
        public object? Tag(string key) => Tags.TryGetValue(key, out object? value) ? value : null;
    }
}
