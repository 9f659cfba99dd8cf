using LlmRouter.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.AI.Evaluation;

namespace LlmRouter.Tests.Routing.Quality;

/// <summary>Sampled evaluation: a judge scores responses in the background, the scores reach the estimates, requests never wait.</summary>
public class SampledEvaluationTests
{
    private readonly Queue<double> _draws = new();

    private LlmRouterBuilder Builder(IChatClient judge, Action<EvaluationOptions>? configure = null) => new LlmRouterBuilder().WithoutRetries()
        .UseRandomSource(() => _draws.TryDequeue(out double draw) ? draw : 0.0)
        .AddDeployment("answerer", new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Text("Paris.").WithUsage(10, 2) }, d => d.Price = new ModelPrice(1m, 2m))
        .AddDeployment("judge", judge, d => d.Price = new ModelPrice(3m, 15m))
        .AddRoute("r", r =>
        {
            r.Deployments = ["answerer"];
            r.Evaluation = new EvaluationOptions { SampleRate = 0.5, JudgeRoute = "judging" };
            configure?.Invoke(r.Evaluation);
        })
        .AddRoute("judging", r => r.Deployments = ["judge"]);

    private static DeploymentQuality? Quality(IChatClient router) =>
        router.GetRequiredService<IRouterHealth>().GetDeployment("answerer").Quality.SingleOrDefault();

    [Fact]
    public async Task GetResponseAsync_Sampled_JudgeScoreReachesTheEstimate()
    {
        var judge = new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Text("4").WithUsage(60, 1) };
        using IChatClient router = Builder(judge).Build();

        ChatResponse response = await router.GetResponseAsync("Capital of France?", RouterCalls.Route("r"));
        await Eventually.WaitUntilAsync(() => Quality(router) is not null);

        Assert.Equal("Paris.", response.Text);
        DeploymentQuality quality = Quality(router)!;
        Assert.Equal((1L, 0.75), (quality.Samples, quality.Estimate));

        // The judge saw the conversation and the response, and was called through its own route, which was charged.
        Assert.Contains("user: Capital of France?", judge.Calls.Single().Messages.Last().Text, StringComparison.Ordinal);
        Assert.Contains("Response to judge:\nParis.", judge.Calls.Single().Messages.Last().Text, StringComparison.Ordinal);
        SpendTotal judging = router.GetRequiredService<IRouterSpend>().GetRouteTotals().Single(r => r.Name == "judging");
        Assert.True(judging.CostUsd > 0);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_Sampled_CompletedStreamIsJudgedAsOneResponse()
    {
        var judge = new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Text("5").WithUsage(60, 1) };
        using IChatClient router = Builder(judge).Build();

        List<ChatResponseUpdate> updates = [];
        await foreach (ChatResponseUpdate update in router.GetStreamingResponseAsync("Capital of France?", RouterCalls.Route("r")))
        {
            updates.Add(update);
        }

        await Eventually.WaitUntilAsync(() => Quality(router) is not null);

        // The caller's stream is the router's, untouched; the judge saw it combined.
        Assert.Equal("Paris.", updates.ToChatResponse().Text);
        Assert.Equal((1L, 1.0), (Quality(router)!.Samples, Quality(router)!.Estimate));
        Assert.Contains("Response to judge:\nParis.", judge.Calls.Single().Messages.Last().Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_AbandonedOrDrawnAboveTheRate_NotEvaluated()
    {
        var judge = new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Text("1") };
        using IChatClient router = Builder(judge).Build();

        // Abandoned after its first update: never judged, whatever the draw.
        await foreach (ChatResponseUpdate update in router.GetStreamingResponseAsync("Capital of France?", RouterCalls.Route("r")))
        {
            break;
        }

        _draws.Enqueue(0.7);
        await foreach (ChatResponseUpdate update in router.GetStreamingResponseAsync("Capital of France?", RouterCalls.Route("r")))
        {
        }

        // A non-streaming request drawn in: the only one the judge sees.
        _draws.Enqueue(0.1);
        await router.GetResponseAsync("Capital of France?", RouterCalls.Route("r"));
        await Eventually.WaitUntilAsync(() => Quality(router) is not null);

        Assert.Single(judge.Calls);
    }

    [Fact]
    public async Task GetResponseAsync_DrawAboveTheRate_NotEvaluated()
    {
        var judge = new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Text("1") };
        using IChatClient router = Builder(judge).Build();
        _draws.Enqueue(0.7);

        await router.GetResponseAsync("Capital of France?", RouterCalls.Route("r"));
        _draws.Enqueue(0.1);
        await router.GetResponseAsync("Capital of France?", RouterCalls.Route("r"));
        await Eventually.WaitUntilAsync(() => Quality(router) is not null);

        Assert.Single(judge.Calls);
    }

    [Fact]
    public async Task GetResponseAsync_JudgeBusyAndQueueFull_RequestsCompleteAndSamplesAreDropped()
    {
        using var judge = new GatedClient();
        using IChatClient router = Builder(judge, e => e.QueueCapacity = 1).Build();
        using var capture = new TelemetryCapture(router, spans: false);

        // The first sample is taken by the worker and waits on the judge, the second fills the queue, the rest are dropped.
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal("Paris.", (await router.GetResponseAsync("Capital of France?", RouterCalls.Route("r"))).Text);
            if (i == 0)
            {
                await judge.Started.Task;
            }
        }

        long dropped = capture.Metric<long>("llmrouter.evaluations").Where(m => (string?)m.Tags["llmrouter.evaluation.outcome"] == "dropped").Sum(m => m.Value);
        judge.Release("5");
        await Eventually.WaitUntilAsync(() => Quality(router)?.Samples == 2);

        Assert.Equal(3, dropped);
        Assert.Equal(2, Quality(router)!.Samples);
    }

    [Fact]
    public async Task UseEvaluator_CustomEvaluator_ItsMetricIsTheScore()
    {
        var judge = new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Text("unused") };
        using IChatClient router = Builder(judge, e => { e.Metric = "Faithfulness"; e.MinScore = 0; e.MaxScore = 10; })
            .UseEvaluator(new FixedEvaluator(new NumericMetric("Other", 1), new NumericMetric("Faithfulness", 8)))
            .Build();

        await router.GetResponseAsync("Capital of France?", RouterCalls.Route("r"));
        await Eventually.WaitUntilAsync(() => Quality(router) is not null);

        Assert.Equal(0.8, Quality(router)!.Estimate, 6);
    }

    [Fact]
    public async Task Evaluation_JudgeFails_RequestUnaffectedAndNoScore()
    {
        var judge = new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Failure(System.Net.HttpStatusCode.InternalServerError) };
        using IChatClient router = Builder(judge).Build();
        using var capture = new TelemetryCapture(router, spans: false);

        ChatResponse response = await router.GetResponseAsync("Capital of France?", RouterCalls.Route("r"));
        await Eventually.WaitUntilAsync(() => capture.Metric<long>("llmrouter.evaluations").Any());

        Assert.Equal("Paris.", response.Text);
        Assert.Equal("failed", Assert.Single(capture.Metric<long>("llmrouter.evaluations")).Tags["llmrouter.evaluation.outcome"]);
        Assert.Null(Quality(router));
    }

    [Fact]
    public void Build_JudgeRouteMissingUnknownOrEvaluated_AreConfigurationErrors()
    {
        LlmRouterConfigurationException error = Assert.Throws<LlmRouterConfigurationException>(() => new LlmRouterBuilder()
            .AddDeployment("d", new ScriptedChatClient("fake"))
            .AddRoute("a", r => { r.Deployments = ["d"]; r.Evaluation = new EvaluationOptions(); })
            .AddRoute("b", r => { r.Deployments = ["d"]; r.Evaluation = new EvaluationOptions { JudgeRoute = "nowhere", MinScore = 5, MaxScore = 1 }; })
            .AddRoute("c", r => { r.Deployments = ["d"]; r.Evaluation = new EvaluationOptions { JudgeRoute = "b", SampleRate = 2 }; })
            .Build());

        Assert.Contains("Routes:a:Evaluation:JudgeRoute is not set", error.Message);
        Assert.Contains("Routes:b:Evaluation:JudgeRoute names unknown route 'nowhere'.", error.Message);
        Assert.Contains("Routes:b:Evaluation: MinScore (5) must be below MaxScore (1)", error.Message);
        Assert.Contains("Routes:c:Evaluation:JudgeRoute 'b' is itself evaluated", error.Message);
        Assert.Contains("SampleRate", error.Message);
    }

    [Fact]
    public async Task JudgeEvaluator_AnswerWithoutRating_ReportsADiagnosticAndNoValue()
    {
        var judge = new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Text("It is fine.") };

        EvaluationResult result = await new JudgeEvaluator().EvaluateAsync(
            [new ChatMessage(ChatRole.User, "Hi")], new ChatResponse(new ChatMessage(ChatRole.Assistant, "Hello")), new ChatConfiguration(judge));

        NumericMetric metric = result.Get<NumericMetric>(JudgeEvaluator.MetricName);
        Assert.Null(metric.Value);
        Assert.Contains(metric.Diagnostics!, d => d.Severity == EvaluationDiagnosticSeverity.Error);
    }

    private sealed class FixedEvaluator(params EvaluationMetric[] metrics) : IEvaluator
    {
        public IReadOnlyCollection<string> EvaluationMetricNames => [.. metrics.Select(m => m.Name)];

        public ValueTask<EvaluationResult> EvaluateAsync(
            IEnumerable<ChatMessage> messages, ChatResponse modelResponse, ChatConfiguration? chatConfiguration = null,
            IEnumerable<EvaluationContext>? additionalContext = null, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(new EvaluationResult(metrics));
    }

    /// <summary>A judge that answers only when released; signals its first call.</summary>
    private sealed class GatedClient : IChatClient
    {
        private readonly TaskCompletionSource<string> _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release(string answer) => _gate.TrySetResult(answer);

        public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Started.TrySetResult();
            return new ChatResponse(new ChatMessage(ChatRole.Assistant, await _gate.Task.WaitAsync(cancellationToken)));
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("The judge is called without streaming.");

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose() => _gate.TrySetCanceled();
    }
}
