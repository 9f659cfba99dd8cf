using System.Diagnostics;
using System.Net;
using LlmRouter.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace LlmRouter.Tests.Routing;

/// <summary>What each call costs, on the response, on the final streamed update, in the spend totals and in telemetry.</summary>
public class LlmRouterClientCostTests
{
    // 0.15 in, 0.075 cached, 0.60 out, 2.40 reasoning per million tokens.
    private static readonly ModelPrice Price = new(0.15m, 0.60m) { CachedInput = 0.075m, ReasoningOutput = 2.40m };

    /// <summary>667 uncached × 0.15 + 567 cached × 0.075 + 68 output × 0.60 + 21 reasoning × 2.40 = 233.775 per million: $0.000233775.</summary>
    private static UsageDetails Usage() => new()
    {
        InputTokenCount = 1234,
        CachedInputTokenCount = 567,
        OutputTokenCount = 89,
        ReasoningTokenCount = 21,
        TotalTokenCount = 1323,
    };

    private static ScriptedChatClient Fake(params ScriptedOutcome[] outcomes) => new ScriptedChatClient("fake").Enqueue(outcomes);

    private static IChatClient Router(ScriptedChatClient primary, ScriptedChatClient? backup = null, ModelPrice? backupPrice = null)
    {
        var builder = new LlmRouterBuilder().WithoutRetries()
            .AddDeployment("primary", primary, d => { d.Model = "primary-model"; d.Price = Price; });
        if (backup is not null)
        {
            builder.AddDeployment("backup", backup, d => { d.Model = "backup-model"; d.Price = backupPrice; });
        }

        return builder.Build();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_PricedDeploymentReportsUsage_CostsCachedAndReasoningTokensSeparately(bool streaming)
    {
        IChatClient router = Router(Fake(ScriptedOutcome.Chunks("Hel", "lo").WithUsage(Usage())));

        ChatResponse response = await router.CallAsync(streaming);

        Assert.Equal(0.000233775m, response.Property(LlmRouterProperties.CostUsd));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_NoUsageReported_NoCostAndCountedAsUncosted(bool streaming)
    {
        IChatClient router = Router(Fake(ScriptedOutcome.Chunks("Hello")));

        ChatResponse response = await router.CallAsync(streaming);

        Assert.Null(response.Property(LlmRouterProperties.CostUsd));
        SpendTotal total = router.GetService<IRouterSpend>()!.GetTotal();
        Assert.Equal((0m, 0L, 1L), (total.CostUsd, total.Calls, total.UncostedCalls));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_DeploymentWithoutPrice_NoCost(bool streaming)
    {
        IChatClient router = new LlmRouterBuilder()
            .AddDeployment("unpriced", Fake(ScriptedOutcome.Chunks("Hello").WithUsage(Usage())), d => d.Model = "in-house-model")
            .Build();

        ChatResponse response = await router.CallAsync(streaming);

        Assert.Null(response.Property(LlmRouterProperties.CostUsd));
        Assert.Equal(1, router.GetService<IRouterSpend>()!.GetTotal().UncostedCalls);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_StreamReportsUsageTwice_SumsThem(bool streaming)
    {
        // Some providers report input and output in separate usage updates; ToChatResponse sums them, and so does the cost.
        var text = new ChatResponseUpdate(ChatRole.Assistant, "Hello") { FinishReason = ChatFinishReason.Stop };
        var input = new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(new UsageDetails { InputTokenCount = 1000 })]);
        var output = new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(new UsageDetails { OutputTokenCount = 500 })]);
        IChatClient router = Router(Fake(ScriptedOutcome.Stream(text, input, output)));

        ChatResponse response = await router.CallAsync(streaming);

        // 1,000 × 0.15 + 500 × 0.60 = 450 per million.
        Assert.Equal(0.00045m, response.Property(LlmRouterProperties.CostUsd));
        Assert.Null(input.Contents.OfType<UsageContent>().Single().Details.OutputTokenCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_FailedAttemptReportedUsage_CostedIntoTheRequest(bool streaming)
    {
        var failure = new ProviderException("The stream broke after the model had answered.", ProviderErrorKind.ServerError)
        {
            Usage = new UsageDetails { InputTokenCount = 2000, OutputTokenCount = 100 },
        };
        ScriptedChatClient primary = Fake(ScriptedOutcome.Throw(failure));
        ScriptedChatClient backup = Fake(ScriptedOutcome.Chunks("Hello").WithUsage(1000, 10));
        IChatClient router = Router(primary, backup, backupPrice: new ModelPrice(1m, 4m));

        ChatResponse response = await router.CallAsync(streaming);

        // Failed: 2,000 × 0.15 + 100 × 0.60 = 360 per million; served: 1,000 × 1 + 10 × 4 = 1,040 per million.
        Assert.Equal(0.0014m, response.Property(LlmRouterProperties.CostUsd));
        IRouterSpend spend = router.GetService<IRouterSpend>()!;
        Assert.Equal(0.0014m, spend.GetTotal().CostUsd);
        Assert.Equal(
            [("primary", 0.00036m, 1L), ("backup", 0.00104m, 1L)],
            spend.GetDeploymentTotals().Select(t => (t.Name, t.CostUsd, t.Calls)));
    }

    [Fact]
    public async Task Stream_BreaksAfterUsage_CostsTheBrokenAttempt()
    {
        ScriptedChatClient primary = Fake(ScriptedOutcome.Stream(
            new ChatResponseUpdate(ChatRole.Assistant, "Hel"),
            new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(new UsageDetails { InputTokenCount = 100, OutputTokenCount = 50 })]))
            .ThenThrow(new IOException("connection reset")));
        IChatClient router = Router(primary);

        await Assert.ThrowsAsync<IOException>(() => router.ReadAllAsync());

        // 100 × 0.15 + 50 × 0.60 = 45 per million, though the caller got an error after the commit point.
        SpendTotal total = router.GetService<IRouterSpend>()!.GetTotal();
        Assert.Equal((0.000045m, 1L, 0L), (total.CostUsd, total.Calls, total.UncostedCalls));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_ManyRequests_SpendTotalsAddUpPerRouterRouteAndDeployment(bool streaming)
    {
        var cheap = new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Chunks("a").WithUsage(1000, 100) };
        var dear = new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Chunks("b").WithUsage(1000, 100) };
        IChatClient router = new LlmRouterBuilder()
            .AddDeployment("cheap", cheap, d => d.Price = new ModelPrice(0.10m, 0.40m))
            .AddDeployment("dear", dear, d => d.Price = new ModelPrice(3m, 15m))
            .AddRoute("fast", r => r.Deployments = ["cheap"])
            .AddRoute("smart", r => r.Deployments = ["dear"])
            .Build();

        for (int i = 0; i < 3; i++)
        {
            await router.CallAsync(streaming, RouterCalls.Route("fast"));
        }

        await router.CallAsync(streaming, RouterCalls.Route("smart"));

        // cheap: 1,000 × 0.10 + 100 × 0.40 = 140 per million, three times; dear: 3,000 + 1,500 = 4,500 per million.
        IRouterSpend spend = router.GetService<IRouterSpend>()!;
        Assert.Equal((0.00492m, 4L), (spend.GetTotal().CostUsd, spend.GetTotal().Calls));
        Assert.Equal([("fast", 0.00042m), ("smart", 0.0045m)], spend.GetRouteTotals().Select(t => (t.Name, t.CostUsd)));
        Assert.Equal([("cheap", 0.00042m), ("dear", 0.0045m)], spend.GetDeploymentTotals().Select(t => (t.Name, t.CostUsd)));
    }

    [Fact]
    public async Task Hedging_LoserCompletesAfterTheWinner_LoserIsCostedToo()
    {
        var clock = new TimerTrackingFakeTimeProvider();
        var slow = new ManualChatClient();
        ScriptedChatClient fast = new ScriptedChatClient("fake", timeProvider: clock).Enqueue(ScriptedOutcome.Text("fast").WithUsage(1000, 100));
        IChatClient router = new LlmRouterBuilder()
            .UseTimeProvider(clock)
            .WithoutRetries()
            .WithoutTimeouts()
            .AddDeployment("slow", slow, d => d.Price = new ModelPrice(1m, 2m))
            .AddDeployment("fast", fast, d => d.Price = new ModelPrice(0.5m, 1m))
            .AddRoute("hedged", r => { r.Deployments = ["slow", "fast"]; r.Hedging = new HedgingOptions { Delay = TimeSpan.FromSeconds(1) }; })
            .Build();
        IRouterSpend spend = router.GetService<IRouterSpend>()!;

        Task<ChatResponse> call = router.GetResponseAsync(RouterCalls.Hello);
        await clock.WaitForTimersAsync(1);
        clock.Advance(TimeSpan.FromSeconds(1));
        ChatResponse response = await call;
        Assert.Equal(0.0006m, response.Property(LlmRouterProperties.CostUsd));

        // The provider billed the loser anyway: it finished although the router had moved on.
        slow.Complete(new ChatResponse(new ChatMessage(ChatRole.Assistant, "late")) { Usage = new UsageDetails { InputTokenCount = 1000, OutputTokenCount = 500 } });
        await Eventually.WaitUntilAsync(() => spend.GetTotal().Calls == 2);

        Assert.Equal(0.0026m, spend.GetTotal().CostUsd);
        Assert.Equal([("slow", 0.002m), ("fast", 0.0006m)], spend.GetDeploymentTotals().Select(t => (t.Name, t.CostUsd)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_Costed_SpanAndCostMetricCarryTheCost(bool streaming)
    {
        IChatClient router = Router(Fake(ScriptedOutcome.Chunks("Hello").WithUsage(Usage())));
        using var capture = new TelemetryCapture(router);

        await router.CallAsync(streaming);

        CollectedMeasurement<double> cost = Assert.Single(capture.Metric<double>("llmrouter.cost"));
        Assert.Equal(0.000233775, cost.Value, 12);
        Assert.Equal("primary", cost.Tags["llmrouter.deployment"]);
        Activity request = capture.Span("chat default");
        Assert.Equal(0.000233775, (double)request.GetTagItem("llmrouter.cost")!, 12);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_ResponseAlreadyHasProperties_CostAddedToThem(bool streaming)
    {
        var reply = new ChatResponseUpdate(ChatRole.Assistant, "Hello")
        {
            FinishReason = ChatFinishReason.Stop,
            AdditionalProperties = new() { ["provider.request_id"] = "r-1" },
        };
        var usage = new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(new UsageDetails { InputTokenCount = 10, OutputTokenCount = 10 })]);
        IChatClient router = Router(Fake(ScriptedOutcome.Stream(reply, usage)));

        ChatResponse response = await router.CallAsync(streaming);

        // 10 × 0.15 + 10 × 0.60 = 7.5 per million.
        Assert.Equal(0.0000075m, response.Property(LlmRouterProperties.CostUsd));
    }

    [Fact]
    public async Task Call_CatalogModel_PricedFromTheCatalogWithoutConfiguration()
    {
        ScriptedChatClient client = Fake(ScriptedOutcome.Text("Hello").WithUsage(1_000_000, 1_000_000));
        IChatClient router = new LlmRouterBuilder().AddDeployment("mini", client, d => { d.Model = "gpt-4o-mini"; d.Provider = "openai"; }).Build();
        Assert.True(PriceCatalog.Default.TryFind("gpt-4o-mini", "openai", out ModelCatalogEntry? entry));

        ChatResponse response = await router.GetResponseAsync(RouterCalls.Hello);

        Assert.Equal(entry.Price!.Input + entry.Price.Output, response.Property(LlmRouterProperties.CostUsd));
    }

    /// <summary>Answers when the test says so, ignoring cancellation, as a provider that already generated the answer would.</summary>
    private sealed class ManualChatClient : IChatClient
    {
        private readonly TaskCompletionSource<ChatResponse> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Complete(ChatResponse response) => _answer.SetResult(response);

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) => _answer.Task;

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
