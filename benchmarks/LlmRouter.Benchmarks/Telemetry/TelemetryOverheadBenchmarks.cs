using System.Diagnostics;
using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;

namespace LlmRouter.Benchmarks;

/// <summary>
/// A non-streaming call made directly on a client vs through the router with nothing listening vs through a router whose
/// spans and metrics are listened to: an <see cref="ActivityListener"/> that samples everything and a
/// <see cref="MeterListener"/> that enables every instrument and receives every measurement (the cost of an exporter's
/// own processing is not included).
/// </summary>
[MemoryDiagnoser]
public class TelemetryOverheadBenchmarks
{
    private readonly ChatMessage[] _messages = [new(ChatRole.User, "Say hello.")];
    private readonly ChatOptions _directOptions = new() { ModelId = "fake-model" };
    private readonly ChatOptions _routerOptions = new() { ModelId = "default" };
    private IChatClient _direct = null!;
    private IChatClient _quiet = null!;
    private IChatClient _listened = null!;
    private ActivityListener _activities = null!;
    private MeterListener _meters = null!;
    private long _measurements;

    [GlobalSetup]
    public void Setup()
    {
        _direct = new BenchmarkChatClient("Hello!", chunks: 1);
        _quiet = Router();
        _listened = Router();
        RouterTelemetry telemetry = ((LlmRouterClient)_listened).Telemetry;
        _activities = new ActivityListener
        {
            ShouldListenTo = source => ReferenceEquals(source, telemetry.Source),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(_activities);
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
        _meters.SetMeasurementEventCallback<double>((_, _, _, _) => Interlocked.Increment(ref _measurements));
        _meters.SetMeasurementEventCallback<long>((_, _, _, _) => Interlocked.Increment(ref _measurements));
        _meters.SetMeasurementEventCallback<int>((_, _, _, _) => Interlocked.Increment(ref _measurements));
        _meters.Start();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _activities.Dispose();
        _meters.Dispose();
    }

    [Benchmark(Baseline = true)]
    public Task<ChatResponse> Direct() => _direct.GetResponseAsync(_messages, _directOptions);

    [Benchmark]
    public Task<ChatResponse> RouterNoListener() => _quiet.GetResponseAsync(_messages, _routerOptions);

    [Benchmark]
    public Task<ChatResponse> RouterWithListeners() => _listened.GetResponseAsync(_messages, _routerOptions);

    private static IChatClient Router() => new LlmRouterBuilder()
        .AddDeployment("primary", new BenchmarkChatClient("Hello!", chunks: 1), d => d.Model = "fake-model")
        .AddDeployment("backup", new BenchmarkChatClient("Hello!", chunks: 1), d => d.Model = "fake-model")
        .AddRoute("default", r => r.Deployments = ["primary", "backup"])
        .Build();
}
