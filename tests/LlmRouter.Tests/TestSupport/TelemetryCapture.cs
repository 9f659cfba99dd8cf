using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace LlmRouter.Tests;

/// <summary>
/// Listens to one router's spans and metrics only (by reference to its own ActivitySource and Meter), so tests running
/// in parallel with other routers see nothing of theirs. Each instrument of the router's meter gets a
/// <see cref="MetricCollector{T}"/> of its own value type; spans are collected by an <see cref="ActivityListener"/>, for
/// which the ecosystem has no collector.
/// </summary>
internal sealed class TelemetryCapture : IDisposable
{
    private readonly ActivityListener? _activities;
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly Dictionary<string, Entry> _metrics = new(StringComparer.Ordinal);

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
            // The router creates all its instruments with its meter, so every one is published by now.
            var instruments = new List<Instrument>();
            using (var discovery = new MeterListener())
            {
                discovery.InstrumentPublished = (instrument, _) =>
                {
                    if (ReferenceEquals(instrument.Meter, telemetry.Meter))
                    {
                        instruments.Add(instrument);
                    }
                };
                discovery.Start();
            }

            foreach (Instrument instrument in instruments)
            {
                _metrics.Add(instrument.Name, Collect(instrument));
            }
        }
    }

    public IReadOnlyList<Activity> Spans => [.. _stopped];

    /// <summary>Every measurement recorded so far by any of the router's instruments, for checks that must hold for all of them.</summary>
    public IReadOnlyList<(string Instrument, IReadOnlyDictionary<string, object?> Tags)> Measurements =>
        [.. _metrics.Values.SelectMany(e => e.Tags().Select(tags => (e.Instrument.Name, tags)))];

    public Activity Span(string name) => Assert.Single(_stopped, a => a.DisplayName == name);

    /// <summary>The collector of one instrument; <typeparamref name="T"/> must be the instrument's value type.</summary>
    public MetricCollector<T> Collector<T>(string instrument)
        where T : struct => (MetricCollector<T>)_metrics[instrument].Collector;

    /// <summary>What one instrument recorded so far.</summary>
    public IReadOnlyList<CollectedMeasurement<T>> Metric<T>(string instrument)
        where T : struct => Collector<T>(instrument).GetMeasurementSnapshot();

    /// <summary>Collects an observable instrument now and returns what it reported.</summary>
    public IReadOnlyList<CollectedMeasurement<T>> Observe<T>(string instrument)
        where T : struct
    {
        MetricCollector<T> collector = Collector<T>(instrument);
        collector.Clear();
        collector.RecordObservableInstruments();
        return collector.GetMeasurementSnapshot();
    }

    public void Dispose()
    {
        _activities?.Dispose();
        foreach (Entry entry in _metrics.Values)
        {
            entry.Collector.Dispose();
        }
    }

    private static Entry Collect(Instrument instrument) => instrument switch
    {
        Instrument<double> i => Typed(i, new MetricCollector<double>(i)),
        Instrument<long> i => Typed(i, new MetricCollector<long>(i)),
        Instrument<int> i => Typed(i, new MetricCollector<int>(i)),
        ObservableInstrument<double> i => Typed(i, new MetricCollector<double>(i)),
        ObservableInstrument<long> i => Typed(i, new MetricCollector<long>(i)),
        ObservableInstrument<int> i => Typed(i, new MetricCollector<int>(i)),
        _ => throw new NotSupportedException($"Instrument '{instrument.Name}' is a {instrument.GetType()}; add its value type here."),
    };

    private static Entry Typed<T>(Instrument instrument, MetricCollector<T> collector)
        where T : struct => new(instrument, collector, () => [.. collector.GetMeasurementSnapshot().Select(m => m.Tags)]);

    private sealed record Entry(Instrument Instrument, IDisposable Collector, Func<IReadOnlyList<IReadOnlyDictionary<string, object?>>> Tags);
}
