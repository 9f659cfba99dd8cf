using System.Diagnostics;
using System.Net;
using LlmRouter.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace LlmRouter.Tests.Telemetry;

public class RouterTelemetryTests
{
    private static IChatClient Router(params (string Name, IChatClient Client)[] deployments) =>
        Router(_ => { }, deployments);

    private static IChatClient Router(Action<LlmRouterBuilder> configure, params (string Name, IChatClient Client)[] deployments)
    {
        var builder = new LlmRouterBuilder().WithoutRetries();
        foreach ((string name, IChatClient client) in deployments)
        {
            builder.AddDeployment(name, client, d => d.Model = name + "-model");
        }

        builder.AddRoute("chat", r => r.Deployments = [.. deployments.Select(d => d.Name)]);
        configure(builder);
        return builder.Build();
    }

    private static ScriptedChatClient Fake(params ScriptedOutcome[] outcomes) => new ScriptedChatClient("fake").Enqueue(outcomes);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_PrimarySucceeds_RecordsRequestSpanWithAttemptClientSpan(bool streaming)
    {
        IChatClient router = Router(("primary", Fake(ScriptedOutcome.Chunks("Hel", "lo").WithUsage(12, 5).WithModel("primary-model-2025"))));
        using var capture = new TelemetryCapture(router);

        await router.CallAsync(streaming);

        Activity request = capture.Span("chat chat");
        Activity attempt = capture.Span("chat primary-model");
        Assert.Equal(ActivityKind.Internal, request.Kind);
        Assert.Equal(ActivityKind.Client, attempt.Kind);
        Assert.Equal(request.SpanId, attempt.ParentSpanId);
        Assert.Equal(request.TraceId, attempt.TraceId);

        Assert.Equal("chat", attempt.GetTagItem("gen_ai.operation.name"));
        Assert.Equal("primary-model", attempt.GetTagItem("gen_ai.request.model"));
        Assert.Equal("primary-model-2025", attempt.GetTagItem("gen_ai.response.model"));
        Assert.Equal("fake", attempt.GetTagItem("gen_ai.provider.name"));
        Assert.Equal(12L, attempt.GetTagItem("gen_ai.usage.input_tokens"));
        Assert.Equal(5L, attempt.GetTagItem("gen_ai.usage.output_tokens"));
        Assert.Equal(new[] { "stop" }, attempt.GetTagItem("gen_ai.response.finish_reasons"));
        Assert.Equal("primary", attempt.GetTagItem("llmrouter.deployment"));
        Assert.Equal("chat", attempt.GetTagItem("llmrouter.route"));
        Assert.Equal("Ordered", attempt.GetTagItem("llmrouter.strategy"));
        Assert.Equal(1, attempt.GetTagItem("llmrouter.attempt"));
        Assert.Equal(1, attempt.GetTagItem("llmrouter.try"));
        Assert.Equal("closed", attempt.GetTagItem("llmrouter.circuit.state"));
        Assert.Null(attempt.GetTagItem("error.type"));
        Assert.Equal(ActivityStatusCode.Unset, attempt.Status);
        Assert.Equal(streaming, attempt.GetTagItem("gen_ai.response.time_to_first_chunk") is double);

        Assert.Equal("chat", request.GetTagItem("gen_ai.operation.name"));
        Assert.Equal("chat", request.GetTagItem("gen_ai.request.model"));
        Assert.Equal("chat", request.GetTagItem("llmrouter.route"));
        Assert.Equal("primary", request.GetTagItem("llmrouter.deployment"));
        Assert.Equal("fake", request.GetTagItem("gen_ai.provider.name"));
        Assert.Equal("primary-model-2025", request.GetTagItem("gen_ai.response.model"));
        Assert.Equal(1, request.GetTagItem("llmrouter.attempts"));
        Assert.Equal(12L, request.GetTagItem("gen_ai.usage.input_tokens"));
        Assert.Null(request.GetTagItem("error.type"));
        Assert.Null(request.GetTagItem("gen_ai.input.messages"));
        Assert.Null(request.GetTagItem("gen_ai.output.messages"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_PrimaryFails_RecordsFailedAttemptThenFallbackAttempt(bool streaming)
    {
        IChatClient router = Router(
            ("primary", Fake(ScriptedOutcome.Failure(HttpStatusCode.ServiceUnavailable))),
            ("backup", Fake(ScriptedOutcome.Text("ok"))));
        using var capture = new TelemetryCapture(router);

        await router.CallAsync(streaming);

        Activity failed = capture.Span("chat primary-model");
        Assert.Equal("overloaded", failed.GetTagItem("error.type"));
        Assert.Equal(ActivityStatusCode.Error, failed.Status);
        Activity served = capture.Span("chat backup-model");
        Assert.Equal("overloaded", served.GetTagItem("llmrouter.fallback.reason"));
        Assert.Equal(2, served.GetTagItem("llmrouter.attempt"));
        Activity request = capture.Span("chat chat");
        Assert.Equal("backup", request.GetTagItem("llmrouter.deployment"));
        Assert.Equal(2, request.GetTagItem("llmrouter.attempts"));
        Assert.Equal("primary: Overloaded, HTTP 503", request.GetTagItem("llmrouter.fallback_reasons"));
        Assert.Equal(ActivityStatusCode.Unset, request.Status);

        CollectedMeasurement<long> fallback = Assert.Single(capture.Metric<long>("llmrouter.fallbacks"));
        Assert.Equal(1, fallback.Value);
        Assert.Equal("overloaded", fallback.Tags["llmrouter.fallback.reason"]);
        Assert.Equal("primary", fallback.Tags["llmrouter.deployment"]);
        Assert.Equal("chat", fallback.Tags["llmrouter.route"]);

        IReadOnlyList<CollectedMeasurement<double>> durations = capture.Metric<double>("gen_ai.client.operation.duration");
        Assert.Equal(2, durations.Count);
        Assert.Equal("overloaded", durations.Single(d => (string?)d.Tags.GetValueOrDefault("llmrouter.deployment") == "primary").Tags["error.type"]);
        Assert.Null(durations.Single(d => (string?)d.Tags.GetValueOrDefault("llmrouter.deployment") == "backup").Tags.GetValueOrDefault("error.type"));
        Assert.Equal(2, Assert.Single(capture.Metric<int>("llmrouter.attempts")).Value);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_EveryCandidateFails_RequestSpanAndMetricsCarryErrorType(bool streaming)
    {
        IChatClient router = Router(
            ("primary", Fake(ScriptedOutcome.Failure(HttpStatusCode.InternalServerError))),
            ("backup", Fake(ScriptedOutcome.Failure(HttpStatusCode.TooManyRequests))));
        using var capture = new TelemetryCapture(router);

        await Assert.ThrowsAsync<LlmRouterException>(() => router.CallAsync(streaming));

        Activity request = capture.Span("chat chat");
        Assert.Equal("rate_limited", request.GetTagItem("error.type"));
        Assert.Equal(ActivityStatusCode.Error, request.Status);
        Assert.Equal(2, request.GetTagItem("llmrouter.attempts"));
        Assert.Equal(2, capture.Spans.Count(s => s.Kind == ActivityKind.Client && s.Status == ActivityStatusCode.Error));
        CollectedMeasurement<double> duration = Assert.Single(capture.Metric<double>("llmrouter.request.duration"));
        Assert.Equal("rate_limited", duration.Tags["error.type"]);
        Assert.Null(duration.Tags.GetValueOrDefault("llmrouter.deployment"));
        Assert.Equal("rate_limited", Assert.Single(capture.Metric<int>("llmrouter.attempts")).Tags["error.type"]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_Succeeds_RecordsGenAIMetricsWithLowCardinalityTags(bool streaming)
    {
        IChatClient router = Router(("primary", Fake(ScriptedOutcome.Chunks("a", "b").WithUsage(100, 7))));
        using var capture = new TelemetryCapture(router, spans: false);

        await router.CallAsync(streaming);

        CollectedMeasurement<double> duration = Assert.Single(capture.Metric<double>("gen_ai.client.operation.duration"));
        Assert.Equal("s", capture.Collector<double>("gen_ai.client.operation.duration").Instrument!.Unit);
        Assert.True(duration.Value >= 0);
        Assert.Equal("chat", duration.Tags["gen_ai.operation.name"]);
        Assert.Equal("fake", duration.Tags["gen_ai.provider.name"]);
        Assert.Equal("primary-model", duration.Tags["gen_ai.request.model"]);
        Assert.Equal("primary-model", duration.Tags["gen_ai.response.model"]);
        Assert.Equal("primary", duration.Tags["llmrouter.deployment"]);
        Assert.Equal("chat", duration.Tags["llmrouter.route"]);
        Assert.False(duration.Tags.ContainsKey("error.type"));

        IReadOnlyList<CollectedMeasurement<long>> tokens = capture.Metric<long>("gen_ai.client.token.usage");
        Assert.Equal("{token}", capture.Collector<long>("gen_ai.client.token.usage").Instrument!.Unit);
        Assert.Equal(100, Assert.Single(tokens, t => (string?)t.Tags.GetValueOrDefault("gen_ai.token.type") == "input").Value);
        Assert.Equal(7, Assert.Single(tokens, t => (string?)t.Tags.GetValueOrDefault("gen_ai.token.type") == "output").Value);

        Assert.Equal(streaming ? 1 : 0, capture.Metric<double>("gen_ai.client.operation.time_to_first_chunk").Count);
        CollectedMeasurement<double> request = Assert.Single(capture.Metric<double>("llmrouter.request.duration"));
        Assert.Equal("primary", request.Tags["llmrouter.deployment"]);
        Assert.Null(request.Tags.GetValueOrDefault("error.type"));
        CollectedMeasurement<int> attempts = Assert.Single(capture.Metric<int>("llmrouter.attempts"));
        Assert.Equal(1, attempts.Value);
        Assert.False(attempts.Tags.ContainsKey("error.type"));
        Assert.Empty(capture.Metric<long>("llmrouter.fallbacks"));
        Assert.Empty(capture.Metric<double>("llmrouter.cost"));
    }

    [Fact]
    public async Task GetResponseAsync_SlowAttempt_RecordsDurationsFromTheRouterClock()
    {
        var clock = new TimerTrackingFakeTimeProvider();
        ScriptedChatClient slow = new ScriptedChatClient("fake", timeProvider: clock).Enqueue(ScriptedOutcome.Text("late").After(TimeSpan.FromSeconds(3)));
        IChatClient router = Router(b => b.UseTimeProvider(clock), ("slow", slow));
        using var capture = new TelemetryCapture(router, spans: false);

        Task<ChatResponse> call = router.GetResponseAsync(RouterCalls.Hello);
        await clock.WaitForTimersAsync(1);
        clock.Advance(TimeSpan.FromSeconds(3));
        await call;

        Assert.Equal(3, Assert.Single(capture.Metric<double>("gen_ai.client.operation.duration")).Value);
        Assert.Equal(3, Assert.Single(capture.Metric<double>("llmrouter.request.duration")).Value);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_FirstChunkAfterDelay_RecordsTimeToFirstChunk()
    {
        var clock = new TimerTrackingFakeTimeProvider();
        ScriptedChatClient slow = new ScriptedChatClient("fake", timeProvider: clock).Enqueue(ScriptedOutcome.Chunks("a", "b").After(TimeSpan.FromSeconds(2)));
        IChatClient router = Router(b => b.UseTimeProvider(clock), ("slow", slow));
        using var capture = new TelemetryCapture(router);

        Task<List<ChatResponseUpdate>> call = router.ReadAllAsync();
        await clock.WaitForTimersAsync(1);
        clock.Advance(TimeSpan.FromSeconds(2));
        await call;

        Assert.Equal(2, Assert.Single(capture.Metric<double>("gen_ai.client.operation.time_to_first_chunk")).Value);
        Assert.Equal(2.0, capture.Span("chat slow-model").GetTagItem("gen_ai.response.time_to_first_chunk"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_SensitiveDataOff_RecordsNoContent(bool streaming)
    {
        IChatClient router = Router(b => b.ConfigureTelemetry(t => t.EnableSensitiveData = false), ("primary", Fake(ScriptedOutcome.Text("secret answer"))));
        using var capture = new TelemetryCapture(router);

        await router.CallAsync(streaming, messages: [new(ChatRole.System, "secret instructions"), new(ChatRole.User, "secret question")]);

        foreach (Activity span in capture.Spans)
        {
            foreach (KeyValuePair<string, object?> tag in span.TagObjects)
            {
                Assert.DoesNotContain("secret", tag.Value?.ToString() ?? string.Empty, StringComparison.Ordinal);
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_SensitiveDataOn_RecordsMessagesOnRequestSpan(bool streaming)
    {
        IChatClient router = Router(b => b.ConfigureTelemetry(t => t.EnableSensitiveData = true), ("primary", Fake(ScriptedOutcome.Chunks("the ", "answer"))));
        using var capture = new TelemetryCapture(router);

        await router.CallAsync(streaming, messages: [new(ChatRole.System, "be brief"), new(ChatRole.User, "the question")]);

        Activity request = capture.Span("chat chat");
        Assert.Equal("""[{"role":"user","parts":[{"type":"text","content":"the question"}]}]""", request.GetTagItem("gen_ai.input.messages"));
        Assert.Equal("""[{"type":"text","content":"be brief"}]""", request.GetTagItem("gen_ai.system_instructions"));
        Assert.Equal(
            """[{"role":"assistant","parts":[{"type":"text","content":"the answer"}],"finish_reason":"stop"}]""",
            request.GetTagItem("gen_ai.output.messages"));
        Assert.Null(capture.Span("chat primary-model").GetTagItem("gen_ai.input.messages"));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public async Task Call_TraceLogging_LogsContentOnlyWhenSensitiveDataIsOn(bool streaming, bool sensitive)
    {
        var logs = new FakeLogCollector();
        using var loggerFactory = new LoggerFactory([new FakeLoggerProvider(logs)]);
        IChatClient router = Router(
            b => b.UseLoggerFactory(loggerFactory).ConfigureTelemetry(t => t.EnableSensitiveData = sensitive),
            ("primary", Fake(ScriptedOutcome.Text("private reply"))));

        await router.CallAsync(streaming, messages: [new(ChatRole.User, "private prompt")]);

        List<FakeLogRecord> content = [.. logs.GetSnapshot().Where(e => e.Id.Id is 10 or 11)];
        if (!sensitive)
        {
            Assert.Empty(content);
            Assert.DoesNotContain(logs.GetSnapshot(), e => e.Message.Contains("private", StringComparison.Ordinal));
            return;
        }

        Assert.All(content, e => Assert.Equal(LogLevel.Trace, e.Level));
        Assert.Contains("private prompt", Assert.Single(content, e => e.Id.Id == 10).Message, StringComparison.Ordinal);
        Assert.Contains("private reply", Assert.Single(content, e => e.Id.Id == 11).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetResponseAsync_Traced_GivesTheCallerItsCurrentActivityBack()
    {
        using var gate = new SemaphoreSlim(0);
        IChatClient router = Router(("slow", new GatedClient(gate)));
        using var capture = new TelemetryCapture(router);
        using var callerSource = new ActivitySource("LlmRouter.Tests.Caller");
        using var callerListener = new ActivityListener
        {
            ShouldListenTo = s => ReferenceEquals(s, callerSource),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(callerListener);
        using Activity caller = callerSource.StartActivity("caller")!;

        Task<ChatResponse> pending = router.GetResponseAsync(RouterCalls.Hello);

        Assert.Same(caller, Activity.Current);
        gate.Release();
        await pending;
        Assert.Same(caller, Activity.Current);
        Assert.Equal(caller.SpanId, capture.Span("chat chat").ParentSpanId);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_Traced_ConsumerKeepsItsCurrentActivityBetweenUpdates()
    {
        IChatClient router = Router(("primary", Fake(ScriptedOutcome.Chunks("a", "b", "c"))));
        using var capture = new TelemetryCapture(router);
        using var callerSource = new ActivitySource("LlmRouter.Tests.StreamCaller");
        using var callerListener = new ActivityListener
        {
            ShouldListenTo = s => ReferenceEquals(s, callerSource),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(callerListener);
        using Activity caller = callerSource.StartActivity("caller")!;

        await foreach (ChatResponseUpdate update in router.GetStreamingResponseAsync(RouterCalls.Hello))
        {
            Assert.Same(caller, Activity.Current);
        }

        Assert.Same(caller, Activity.Current);
        Assert.Equal(caller.SpanId, capture.Span("chat chat").ParentSpanId);
    }

    [Fact]
    public async Task GetResponseAsync_HedgedRoute_MarksAttemptsAsHedged()
    {
        IChatClient router = Router(
            b => b.AddRoute("hedged", r => { r.Deployments = ["primary"]; r.Hedging = new HedgingOptions(); }),
            ("primary", Fake(ScriptedOutcome.Text("ok"))));
        using var capture = new TelemetryCapture(router);

        await router.GetResponseAsync(RouterCalls.Hello, RouterCalls.Route("hedged"));

        Assert.Equal(true, capture.Span("chat primary-model").GetTagItem("llmrouter.hedged"));
        Assert.Equal("primary", capture.Span("chat hedged").GetTagItem("llmrouter.deployment"));
    }

    [Fact]
    public async Task GetResponseAsync_NothingListens_CreatesNoActivity()
    {
        IChatClient router = Router(("primary", Fake(ScriptedOutcome.Text("ok"))));
        Activity? seen = null;
        var client = new InspectingClient(() => seen = Activity.Current);
        IChatClient inspected = Router(("inspect", client));

        await router.GetResponseAsync(RouterCalls.Hello);
        await inspected.GetResponseAsync(RouterCalls.Hello);

        Assert.Null(seen);
        Assert.Null(Activity.Current);
        Assert.False(((LlmRouterClient)router).Telemetry.Source.HasListeners());
    }

    [Fact]
    public async Task GetResponseAsync_Traced_ProviderCallRunsUnderTheAttemptSpan()
    {
        Activity? seen = null;
        IChatClient router = Router(("inspect", new InspectingClient(() => seen = Activity.Current)));
        using var capture = new TelemetryCapture(router);

        await router.GetResponseAsync(RouterCalls.Hello);

        Assert.NotNull(seen);
        Assert.Same(capture.Span("chat inspect-model"), seen);
    }

    [Fact]
    public async Task GetResponseAsync_ResponseCarriesCostTierVariantAndCacheHit_ReportsThem()
    {
        var properties = new AdditionalPropertiesDictionary
        {
            ["llmrouter.cost_usd"] = 0.0125m,
            ["llmrouter.tier"] = "premium",
            ["llmrouter.variant"] = "b",
            ["llmrouter.cache_hit"] = true,
        };
        IChatClient router = Router(("priced", new InspectingClient(() => { }, properties)));
        using var capture = new TelemetryCapture(router);

        // Streams carry these on the router's own final update, where the features that compute them put them.
        await router.GetResponseAsync(RouterCalls.Hello);

        CollectedMeasurement<double> cost = Assert.Single(capture.Metric<double>("llmrouter.cost"));
        Assert.Equal(0.0125, cost.Value, 10);
        Assert.Equal("USD", capture.Collector<double>("llmrouter.cost").Instrument!.Unit);
        Assert.Equal("priced", cost.Tags["llmrouter.deployment"]);
        Activity request = capture.Span("chat chat");
        Assert.Equal(0.0125, (double)request.GetTagItem("llmrouter.cost")!, 10);
        Assert.Equal("premium", request.GetTagItem("llmrouter.tier"));
        Assert.Equal("b", request.GetTagItem("llmrouter.variant"));
        Assert.Equal(true, request.GetTagItem("llmrouter.cache_hit"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_CallerCancels_RecordsCancelled(bool streaming)
    {
        ScriptedChatClient stalling = new ScriptedChatClient("fake").Enqueue(ScriptedOutcome.Stall());
        IChatClient router = Router(("stalling", stalling));
        using var capture = new TelemetryCapture(router);
        using var cancellation = new CancellationTokenSource();

        Task call = router.CallAsync(streaming, cancellationToken: cancellation.Token);
        await stalling.WaitForCallsAsync(1);
        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);

        Assert.Equal("cancelled", capture.Span("chat stalling-model").GetTagItem("error.type"));
        Assert.Equal("cancelled", capture.Span("chat chat").GetTagItem("error.type"));
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ConsumerStopsEarly_EndsSpansAsAbandoned()
    {
        IChatClient router = Router(("primary", Fake(ScriptedOutcome.Chunks("a", "b", "c"))));
        using var capture = new TelemetryCapture(router);

        await foreach (ChatResponseUpdate update in router.GetStreamingResponseAsync(RouterCalls.Hello))
        {
            break;
        }

        Activity request = capture.Span("chat chat");
        Assert.Equal(true, request.GetTagItem("llmrouter.stream.abandoned"));
        Assert.Null(request.GetTagItem("error.type"));
        Assert.Equal(true, capture.Span("chat primary-model").GetTagItem("llmrouter.stream.abandoned"));
    }

    [Fact]
    public async Task Observe_DeploymentsInFlightAndCircuitState_ReportsEachDeployment()
    {
        ScriptedChatClient stalling = new ScriptedChatClient("fake").Enqueue(ScriptedOutcome.Stall());
        ScriptedChatClient failing = Fake(ScriptedOutcome.Failure(HttpStatusCode.InternalServerError));
        IChatClient router = Router(
            b => b.ConfigureCircuitBreaker(c => c.MinimumThroughput = 1).AddRoute("failing", r => r.Deployments = ["failing"]),
            ("stalling", stalling), ("failing", failing));
        using var capture = new TelemetryCapture(router);
        await Assert.ThrowsAsync<LlmRouterException>(() => router.GetResponseAsync(RouterCalls.Hello, RouterCalls.Route("failing")));
        using var cancellation = new CancellationTokenSource();
        Task call = router.GetResponseAsync(RouterCalls.Hello, RouterCalls.Route("chat"), cancellation.Token);
        await stalling.WaitForCallsAsync(1);

        IReadOnlyList<CollectedMeasurement<int>> inFlight = capture.Observe<int>("llmrouter.deployment.in_flight");
        IReadOnlyList<CollectedMeasurement<int>> circuits = capture.Observe<int>("llmrouter.deployment.circuit.state");

        Assert.Equal(1, inFlight.Single(m => (string?)m.Tags.GetValueOrDefault("llmrouter.deployment") == "stalling").Value);
        Assert.Equal(0, inFlight.Single(m => (string?)m.Tags.GetValueOrDefault("llmrouter.deployment") == "failing").Value);
        Assert.Equal(1, circuits.Single(m => (string?)m.Tags.GetValueOrDefault("llmrouter.deployment") == "failing" && (string?)m.Tags.GetValueOrDefault("llmrouter.circuit.state") == "open").Value);
        Assert.Equal(0, circuits.Single(m => (string?)m.Tags.GetValueOrDefault("llmrouter.deployment") == "failing" && (string?)m.Tags.GetValueOrDefault("llmrouter.circuit.state") == "closed").Value);
        Assert.Equal(1, circuits.Single(m => (string?)m.Tags.GetValueOrDefault("llmrouter.deployment") == "stalling" && (string?)m.Tags.GetValueOrDefault("llmrouter.circuit.state") == "closed").Value);
        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_RouterName_TagsEveryMeasurementAndSpan(bool streaming)
    {
        // A fallback, a priced success with usage, then the observable instruments: every kind of measurement.
        IChatClient router = Router(
            b => b.ConfigureTelemetry(t => t.RouterName = "checkout").ConfigureCircuitBreaker(c => c.MinimumThroughput = 100),
            ("primary", Fake(ScriptedOutcome.Failure(HttpStatusCode.ServiceUnavailable))),
            ("backup", Fake(ScriptedOutcome.Chunks("Hi").WithUsage(10, 2))));
        using var capture = new TelemetryCapture(router);

        await router.CallAsync(streaming);
        IReadOnlyList<(string Instrument, IReadOnlyDictionary<string, object?> Tags)> recorded = capture.Measurements;
        IReadOnlyList<CollectedMeasurement<int>> inFlight = capture.Observe<int>("llmrouter.deployment.in_flight");
        IReadOnlyList<CollectedMeasurement<int>> circuits = capture.Observe<int>("llmrouter.deployment.circuit.state");

        string[] instruments = [.. recorded.Select(m => m.Instrument).Distinct().Order(StringComparer.Ordinal)];
        Assert.Contains("llmrouter.fallbacks", instruments);
        Assert.Contains("gen_ai.client.token.usage", instruments);
        Assert.Contains("llmrouter.attempts", instruments);
        Assert.All(recorded, m => Assert.Equal((m.Instrument, (object?)"checkout"), (m.Instrument, m.Tags.GetValueOrDefault("llmrouter.router"))));
        Assert.All(inFlight.Concat(circuits), m => Assert.Equal("checkout", m.Tags.GetValueOrDefault("llmrouter.router")));
        Assert.Equal(2, inFlight.Count);
        Assert.Equal(2 * 3, circuits.Count);
        Assert.All(capture.Spans, span => Assert.Equal((span.DisplayName, (object?)"checkout"), (span.DisplayName, span.GetTagItem("llmrouter.router"))));
    }

    [Fact]
    public async Task Call_NoRouterName_RecordsNoRouterTag()
    {
        IChatClient router = Router(("primary", Fake(ScriptedOutcome.Text("Hi"))));
        using var capture = new TelemetryCapture(router);

        await router.GetResponseAsync(RouterCalls.Hello);

        Assert.NotEmpty(capture.Measurements);
        Assert.All(capture.Measurements, m => Assert.Null(m.Tags.GetValueOrDefault("llmrouter.router")));
        Assert.All(capture.Observe<int>("llmrouter.deployment.in_flight"), m => Assert.Null(m.Tags.GetValueOrDefault("llmrouter.router")));
        Assert.All(capture.Spans, span => Assert.Null(span.GetTagItem("llmrouter.router")));
    }

    [Fact]
    public async Task GetResponseAsync_ProviderWithEndpoint_RecordsServerAddressAndPort()
    {
        IChatClient router = Router(("remote", new InspectingClient(() => { }, endpoint: new Uri("https://api.example.test:8443/v1?key=abc"))));
        using var capture = new TelemetryCapture(router);

        await router.GetResponseAsync(RouterCalls.Hello);

        Activity attempt = capture.Span("chat remote-model");
        Assert.Equal("api.example.test", attempt.GetTagItem("server.address"));
        Assert.Equal(8443, attempt.GetTagItem("server.port"));
        CollectedMeasurement<double> duration = Assert.Single(capture.Metric<double>("gen_ai.client.operation.duration"));
        Assert.Equal("api.example.test", duration.Tags["server.address"]);
        Assert.Equal(8443, duration.Tags["server.port"]);
    }

    [Fact]
    public void TelemetryOptions_EnableSensitiveData_DefaultsToOff()
    {
        Assert.Equal(
            string.Equals(Environment.GetEnvironmentVariable("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"), "true", StringComparison.OrdinalIgnoreCase),
            new TelemetryOptions().EnableSensitiveData);
    }

    /// <summary>Runs an action inside each call and answers with a fixed response.</summary>
    private sealed class InspectingClient(Action inspect, AdditionalPropertiesDictionary? properties = null, Uri? endpoint = null) : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            inspect();
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok"))
            {
                AdditionalProperties = properties is null ? null : new AdditionalPropertiesDictionary(properties),
            });
        }

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            inspect();
            await Task.CompletedTask;
            yield return new ChatResponseUpdate(ChatRole.Assistant, "ok");
            if (properties is not null)
            {
                yield return new ChatResponseUpdate { AdditionalProperties = new AdditionalPropertiesDictionary(properties) };
            }
        }

        public object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("inspect", endpoint, "inspect-model") : null;

        public void Dispose()
        {
        }
    }

    /// <summary>Answers once the test releases the gate.</summary>
    private sealed class GatedClient(SemaphoreSlim gate) : IChatClient
    {
        public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            await gate.WaitAsync(cancellationToken);
            return new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok"));
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
