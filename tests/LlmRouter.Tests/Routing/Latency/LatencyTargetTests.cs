using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace LlmRouter.Tests.Routing.Latency;

/// <summary>Latency targets on a fake clock: scripted latencies, percentiles over the window, cheapest that meets the target, exploration.</summary>
public class LatencyTargetTests
{
    private readonly FakeTimeProvider _clock = new();
    private readonly Queue<double> _random = new();

    private LlmRouterBuilder Builder(SlowClient cheap, SlowClient dear, Action<LatencyTargetOptions> target) =>
        new LlmRouterBuilder().WithoutRetries().UseTimeProvider(_clock)
            .UseRandomSource(() => _random.TryDequeue(out double next) ? next : 0.99)
            .AddDeployment("cheap", cheap, d => d.Price = new ModelPrice(0.1m, 0.4m))
            .AddDeployment("dear", dear, d => d.Price = new ModelPrice(3m, 15m))
            .AddRoute("r", r =>
            {
                r.Deployments = ["dear", "cheap"];
                r.Strategy = SelectionStrategies.Cheapest;
                r.LatencyTarget = new LatencyTargetOptions { MinimumSamples = 3, ExplorationRate = 0.1 };
                target(r.LatencyTarget);
            });

    /// <summary>Calls the router, then lets a second pass so the next call sees percentiles computed afresh.</summary>
    private async Task<string> ServedAsync(IChatClient router, bool streaming)
    {
        ChatResponse response = await router.CallAsync(streaming);
        _clock.Advance(TimeSpan.FromSeconds(1));
        return (string)response.Property(LlmRouterProperties.Deployment)!;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Cheapest_WithTotalTarget_ServesTheCheapestThatMeetsIt(bool streaming)
    {
        var cheap = new SlowClient(_clock, firstToken: 2.5, total: 3);
        var dear = new SlowClient(_clock, firstToken: 0.2, total: 0.5);
        IChatClient router = Builder(cheap, dear, t => t.Total = TimeSpan.FromSeconds(1)).Build();

        // No data at all: cheapest first, so "cheap" gets measured; no exploration drawn (0.99).
        string[] unmeasured = [await ServedAsync(router, streaming), await ServedAsync(router, streaming), await ServedAsync(router, streaming)];

        // "dear" has no data and nothing meets the target: a draw under the exploration rate tries it.
        _random.Enqueue(0.0);
        _random.Enqueue(0.0);
        _random.Enqueue(0.0);
        string[] explored = [await ServedAsync(router, streaming), await ServedAsync(router, streaming), await ServedAsync(router, streaming)];

        // Now "dear" meets the target and "cheap" misses it: "cheap" is set aside though it is cheaper.
        string[] targeted = [await ServedAsync(router, streaming), await ServedAsync(router, streaming)];

        Assert.Equal(["cheap", "cheap", "cheap"], unmeasured);
        Assert.Equal(["dear", "dear", "dear"], explored);
        Assert.Equal(["dear", "dear"], targeted);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Exploration_SetAsideDeploymentThatRecovered_IsFoundAgain(bool streaming)
    {
        var cheap = new SlowClient(_clock, firstToken: 2.5, total: 3);
        var dear = new SlowClient(_clock, firstToken: 0.2, total: 0.5);
        IChatClient router = Builder(cheap, dear, t => t.TimeToFirstToken = TimeSpan.FromSeconds(1)).Build();
        for (int i = 0; i < 3; i++)
        {
            await ServedAsync(router, streaming);
        }

        for (int i = 0; i < 3; i++)
        {
            _random.Enqueue(0.0);
            await ServedAsync(router, streaming);
        }

        cheap.Set(firstToken: 0.3, total: 0.4);

        // An exploring request tries "cheap" though it misses the target; its three fast calls still leave three slow ones at the 90th percentile.
        var explored = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            _random.Enqueue(0.0);
            explored.Add(await ServedAsync(router, streaming));
        }

        string stillSetAside = await ServedAsync(router, streaming);

        // Five minutes on, every call has left the window: neither is judged, so the cheapest goes first, is measured, and now meets the target.
        _clock.Advance(LatencyWindowSpan);
        string[] recovered = [await ServedAsync(router, streaming), await ServedAsync(router, streaming), await ServedAsync(router, streaming), await ServedAsync(router, streaming)];

        Assert.Equal(["cheap", "cheap", "cheap"], explored);
        Assert.Equal("dear", stillSetAside);
        Assert.Equal(["cheap", "cheap", "cheap", "cheap"], recovered);
    }

    private static readonly TimeSpan LatencyWindowSpan = TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Health_ReportsPercentilesAndOutputRate(bool streaming)
    {
        var cheap = new SlowClient(_clock, firstToken: 0.5, total: 2, outputTokens: 100);
        var dear = new SlowClient(_clock, firstToken: 0.2, total: 0.5);
        IChatClient router = Builder(cheap, dear, t => t.Total = TimeSpan.FromSeconds(5)).Build();
        foreach ((double firstToken, double total) in new[] { (0.5, 2.0), (0.5, 2.0), (0.5, 2.0), (0.5, 2.0), (1.0, 4.0) })
        {
            cheap.Set(firstToken, total);
            await ServedAsync(router, streaming);
        }

        DeploymentLatency latency = router.GetRequiredService<IRouterHealth>().GetDeployment("cheap").Latency!;

        // A non-streaming call's time to first token is its whole duration.
        Assert.Equal(streaming ? TimeSpan.FromSeconds(0.5) : TimeSpan.FromSeconds(2), latency.TimeToFirstTokenP50);
        Assert.Equal(streaming ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(4), latency.TimeToFirstTokenP90);
        Assert.Equal(TimeSpan.FromSeconds(2), latency.TotalP50);
        Assert.Equal(TimeSpan.FromSeconds(4), latency.TotalP90);
        Assert.Equal((5, 5), (latency.TimeToFirstTokenSamples, latency.TotalSamples));
        Assert.Equal(50, latency.OutputTokensPerSecond);
    }

    [Fact]
    public async Task LatencyMetric_ObservesPercentilesPerDeployment()
    {
        var cheap = new SlowClient(_clock, firstToken: 0.5, total: 2);
        IChatClient router = Builder(cheap, new SlowClient(_clock, 0.1, 0.1), t => t.Total = TimeSpan.FromSeconds(5)).Build();
        using var capture = new TelemetryCapture(router, spans: false);
        await ServedAsync(router, streaming: false);

        var total = capture.Observe<double>("llmrouter.deployment.latency")
            .Where(m => (string?)m.Tags["llmrouter.deployment"] == "cheap" && (string?)m.Tags["llmrouter.latency.kind"] == "total")
            .ToDictionary(m => (string)m.Tags["llmrouter.latency.percentile"]!, m => m.Value);

        Assert.Equal(new Dictionary<string, double> { ["p50"] = 2, ["p90"] = 2 }, total);
    }

    [Fact]
    public void Health_RouteWithoutTarget_HasNoLatency()
    {
        IChatClient router = new LlmRouterBuilder().AddDeployment("d", new SlowClient(_clock, 0.1, 0.1)).AddRoute("r", r => r.Deployments = ["d"]).Build();

        Assert.Null(router.GetRequiredService<IRouterHealth>().GetDeployment("d").Latency);
    }

    /// <summary>Answers after moving the fake clock by scripted latencies: first token, then the rest of the call.</summary>
    private sealed class SlowClient(FakeTimeProvider clock, double firstToken, double total, long outputTokens = 10) : IChatClient
    {
        private double _firstToken = firstToken;
        private double _total = total;

        public void Set(double firstToken, double total)
        {
            _firstToken = firstToken;
            _total = total;
        }

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            clock.Advance(TimeSpan.FromSeconds(_total));
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "answer"))
            {
                Usage = new UsageDetails { InputTokenCount = 5, OutputTokenCount = outputTokens },
            });
        }

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            clock.Advance(TimeSpan.FromSeconds(_firstToken));
            yield return new ChatResponseUpdate(ChatRole.Assistant, "ans");
            clock.Advance(TimeSpan.FromSeconds(_total - _firstToken));
            yield return new ChatResponseUpdate(ChatRole.Assistant, "wer")
            {
                Contents = { new UsageContent(new UsageDetails { InputTokenCount = 5, OutputTokenCount = outputTokens }) },
            };
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
