using System.Runtime.CompilerServices;
using LlmRouter.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;

namespace LlmRouter.Tests.Routing;

/// <summary>Budgets: reservation before each call, settlement after, windows, rejection, downgrade, caller and deployment budgets.</summary>
public class LlmRouterClientBudgetTests
{
    // $1 in, $10 out per million tokens; every call reports exactly the input the estimator predicts and 100 output tokens,
    // the request's MaxOutputTokens, so a call costs exactly its estimate.
    private static readonly ModelPrice Price = new(1m, 10m);
    private static readonly ChatOptions Options = new() { MaxOutputTokens = 100 };
    private static readonly int InputTokens = TokenEstimators.Default.EstimateInputTokens(RouterCalls.Hello, Options);
    private static readonly decimal CallCost = ((InputTokens * 1m) + (100 * 10m)) / 1_000_000m;
    private static readonly DateTimeOffset Start = new(2026, 5, 31, 23, 58, 30, TimeSpan.Zero);

    private static ScriptedChatClient Exact() =>
        new("fake") { DefaultOutcome = ScriptedOutcome.Chunks("ok").WithUsage(InputTokens, 100) };

    private static ChatOptions For(string? route = null, string? caller = null)
    {
        ChatOptions options = Options.Clone();
        options.ModelId = route;
        if (caller is not null)
        {
            options.AdditionalProperties = new() { [LlmRouterRequestProperties.Caller] = caller };
        }

        return options;
    }

    [Fact]
    public void CallCost_OfTheTestRequest_IsWhatTheFiguresBelowAssume()
    {
        Assert.Equal((8, 0.001008m), (InputTokens, CallCost));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_RouterBudgetSpent_RejectsNamingBudgetLimitSpentAndReset(bool streaming)
    {
        var clock = new FakeTimeProvider(Start);
        ScriptedChatClient client = Exact();
        IChatClient router = new LlmRouterBuilder().UseTimeProvider(clock).WithoutRetries()
            .AddDeployment("a", client, d => d.Price = Price)
            .AddBudget("daily", b => { b.Window = BudgetWindow.Day; b.LimitUsd = 0.0035m; })
            .Build();

        for (int i = 0; i < 3; i++)
        {
            ChatResponse response = await router.CallAsync(streaming, For());
            Assert.Equal(CallCost, response.Property(LlmRouterProperties.CostUsd));
        }

        BudgetExceededException exception = await Assert.ThrowsAsync<BudgetExceededException>(() => router.CallAsync(streaming, For()));

        Assert.Equal(
            "Route 'default': budget 'daily' ($0.0035 per day for the router) cannot cover the request: $0.003024 spent, " +
            "and the request is estimated at $0.001008. It resets at 2026-06-01 00:00:00 UTC.",
            exception.Message);
        Assert.Equal(("daily", BudgetScope.Router, 0.0035m, 0.003024m, 0m, CallCost), (exception.Budget, exception.Scope, exception.LimitUsd, exception.SpentUsd, exception.ReservedUsd, exception.EstimatedUsd));
        Assert.Equal(new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero), exception.ResetsAt);
        Assert.Equal(3, client.CallCount);

        // The next day the budget starts again from zero.
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal("a", (await router.CallAsync(streaming, For())).Property(LlmRouterProperties.Deployment));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_ThousandConcurrentCalls_NeverOverspend(bool streaming)
    {
        var gate = new GatedChatClient(InputTokens, outputTokens: 100);
        IChatClient router = new LlmRouterBuilder().WithoutRetries().WithoutTimeouts()
            .AddDeployment("a", gate, d => d.Price = Price)
            .AddBudget("hourly", b => { b.Window = BudgetWindow.Hour; b.LimitUsd = (CallCost * 250) + (CallCost / 2); })
            .Build();

        // All 1,000 start together: each reserves its estimate before calling, so only 250 fit and the rest are refused at once.
        Task[] calls = [.. Enumerable.Range(0, 1_000).Select(_ => Task.Run(() => router.CallAsync(streaming, For())))];
        await gate.WaitForCallsAsync(250);
        while (calls.Count(c => c.IsCompleted) < 750)
        {
            await Task.Yield();
        }

        IRouterSpend spend = router.GetService<IRouterSpend>()!;
        BudgetStatus during = Assert.Single(await spend.GetBudgetsAsync());
        gate.Open();
        await Task.WhenAll(calls.Select(async c =>
        {
            try
            {
                await c;
            }
            catch (BudgetExceededException)
            {
            }
        }));

        Assert.Equal(250, gate.CallCount);
        Assert.Equal(750, calls.Count(c => c.IsFaulted));
        Assert.Equal((0m, CallCost * 250), (during.SpentUsd, during.ReservedUsd));
        BudgetStatus after = Assert.Single(await spend.GetBudgetsAsync());
        Assert.Equal((CallCost * 250, 0m), (after.SpentUsd, after.ReservedUsd));
        Assert.True(after.SpentUsd <= after.LimitUsd);
        Assert.Equal(CallCost * 250, spend.GetTotal().CostUsd);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_RouteBudgetSpent_DowngradesToTheCheaperRoute(bool streaming)
    {
        ScriptedChatClient dear = Exact();
        ScriptedChatClient cheap = new("fake") { DefaultOutcome = ScriptedOutcome.Chunks("cheap").WithUsage(InputTokens, 100) };
        IChatClient router = new LlmRouterBuilder().WithoutRetries()
            .AddDeployment("dear", dear, d => d.Price = Price)
            .AddDeployment("cheap", cheap, d => d.Price = new ModelPrice(0.1m, 1m))
            .AddRoute("smart", r => r.Deployments = ["dear"])
            .AddRoute("fast", r => r.Deployments = ["cheap"])
            .AddBudget("smart-daily", b =>
            {
                b.Scope = BudgetScope.Route;
                b.Target = "smart";
                b.LimitUsd = CallCost * 2;
                b.OnExceeded = BudgetExceededAction.Downgrade;
                b.DowngradeTo = "fast";
            })
            .Build();

        ChatResponse[] responses = new ChatResponse[4];
        for (int i = 0; i < responses.Length; i++)
        {
            responses[i] = await router.CallAsync(streaming, For("smart"));
        }

        Assert.Equal(["smart", "smart", "fast", "fast"], responses.Select(r => (string)r.Property(LlmRouterProperties.Route)!));
        Assert.Equal([null, null, "smart-daily", "smart-daily"], responses.Select(r => r.Property(LlmRouterProperties.DowngradedBy)));
        Assert.Equal((2, 2), (dear.CallCount, cheap.CallCount));

        // The downgraded calls still count toward the budget that sent them away: $0.0001008 each.
        BudgetStatus status = Assert.Single(await router.GetService<IRouterSpend>()!.GetBudgetsAsync());
        Assert.Equal((CallCost * 2) + 0.0002016m, status.SpentUsd);
        Assert.Equal(0m, status.RemainingUsd);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_CallerBudget_EachCallerHasItsOwnLimit(bool streaming)
    {
        IChatClient router = new LlmRouterBuilder().WithoutRetries()
            .AddDeployment("a", Exact(), d => d.Price = Price)
            .AddBudget("per-team", b => { b.Scope = BudgetScope.Caller; b.Window = BudgetWindow.Month; b.LimitUsd = CallCost; })
            .Build();

        await router.CallAsync(streaming, For(caller: "team-a"));
        BudgetExceededException exception = await Assert.ThrowsAsync<BudgetExceededException>(() => router.CallAsync(streaming, For(caller: "team-a")));
        await router.CallAsync(streaming, For(caller: "team-b"));
        await router.CallAsync(streaming, For());
        await router.CallAsync(streaming, For());

        Assert.Equal(("team-a", BudgetScope.Caller), (exception.Caller, exception.Scope));
        Assert.Contains("($0.001008 per month for caller 'team-a')", exception.Message, StringComparison.Ordinal);
        BudgetStatus teamB = Assert.Single(await router.GetService<IRouterSpend>()!.GetBudgetsAsync("team-b"));
        Assert.Equal(("team-b", CallCost), (teamB.Caller, teamB.SpentUsd));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_CallerBudgetOnARoute_LimitsOnlyThatRoute(bool streaming)
    {
        IChatClient router = new LlmRouterBuilder().WithoutRetries()
            .AddDeployment("a", Exact(), d => d.Price = Price)
            .AddRoute("smart", r => r.Deployments = ["a"])
            .AddRoute("fast", r => r.Deployments = ["a"])
            .AddBudget("smart-per-user", b =>
            {
                b.Scope = BudgetScope.Caller;
                b.Target = "smart";
                b.CallerProperty = "llmrouter.user";
                b.LimitUsd = CallCost;
            })
            .Build();
        ChatOptions smart = For("smart");
        smart.AdditionalProperties = new() { ["llmrouter.user"] = 42 };
        ChatOptions fast = For("fast");
        fast.AdditionalProperties = new() { ["llmrouter.user"] = 42 };

        await router.CallAsync(streaming, smart);
        BudgetExceededException exception = await Assert.ThrowsAsync<BudgetExceededException>(() => router.CallAsync(streaming, smart));
        await router.CallAsync(streaming, fast);

        Assert.Contains("for caller '42' on route 'smart'", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_DeploymentBudgetSpent_NextCandidateServesAndErrorSaysWhyWhenNoneIsLeft(bool streaming)
    {
        var clock = new FakeTimeProvider(Start);
        IChatClient router = new LlmRouterBuilder().UseTimeProvider(clock).WithoutRetries()
            .AddDeployment("dear", Exact(), d => d.Price = Price)
            .AddDeployment("other", Exact(), d => d.Price = Price)
            .AddRoute("both", r => r.Deployments = ["dear", "other"])
            .AddRoute("dear-only", r => r.Deployments = ["dear"])
            .AddBudget("dear-hourly", b => { b.Scope = BudgetScope.Deployment; b.Target = "dear"; b.Window = BudgetWindow.Hour; b.LimitUsd = CallCost; })
            .Build();

        ChatResponse first = await router.CallAsync(streaming, For("both"));
        ChatResponse second = await router.CallAsync(streaming, For("both"));
        LlmRouterException exception = await Assert.ThrowsAsync<LlmRouterException>(() => router.CallAsync(streaming, For("dear-only")));

        Assert.Equal(("dear", "other"), (first.Property(LlmRouterProperties.Deployment), second.Property(LlmRouterProperties.Deployment)));
        Assert.Equal(
            "Route 'dear-only': no deployment could be tried." + Environment.NewLine +
            "  Not tried: dear (budget 'dear-hourly' of $0.001008 per hour is spent: $0.001008 spent, $0.00 reserved, $0.001008 needed; resets at 2026-06-01 00:00:00 UTC).",
            exception.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_FailedAttemptWithoutUsage_ReleasesItsReservation(bool streaming)
    {
        var client = new ScriptedChatClient("fake");
        client.Enqueue(ScriptedOutcome.Failure(System.Net.HttpStatusCode.ServiceUnavailable), ScriptedOutcome.Chunks("ok").WithUsage(InputTokens, 100));
        IChatClient router = new LlmRouterBuilder().WithExactBackoff(TimeSpan.Zero)
            .AddDeployment("a", client, d => d.Price = Price)
            .AddBudget("tight", b => b.LimitUsd = CallCost)
            .Build();

        ChatResponse response = await router.CallAsync(streaming, For());

        Assert.Equal(2, response.Property(LlmRouterProperties.Attempts));
        BudgetStatus status = Assert.Single(await router.GetService<IRouterSpend>()!.GetBudgetsAsync());
        Assert.Equal((CallCost, 0m), (status.SpentUsd, status.ReservedUsd));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_ServedWithoutUsage_ChargedItsEstimate(bool streaming)
    {
        IChatClient router = new LlmRouterBuilder()
            .AddDeployment("a", new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Chunks("ok") }, d => d.Price = Price)
            .AddBudget("daily", b => b.LimitUsd = 1m)
            .Build();

        ChatResponse response = await router.CallAsync(streaming, For());

        Assert.Null(response.Property(LlmRouterProperties.CostUsd));
        BudgetStatus status = Assert.Single(await router.GetService<IRouterSpend>()!.GetBudgetsAsync());
        Assert.Equal(CallCost, status.SpentUsd);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_Rejected_TelemetrySaysBudgetExceeded(bool streaming)
    {
        IChatClient router = new LlmRouterBuilder()
            .AddDeployment("a", Exact(), d => d.Price = Price)
            .AddBudget("tiny", b => b.LimitUsd = CallCost / 2)
            .Build();
        using var capture = new TelemetryCapture(router);

        await Assert.ThrowsAsync<BudgetExceededException>(() => router.CallAsync(streaming, For()));

        System.Diagnostics.Activity request = capture.Span("chat default");
        Assert.Equal("budget_exceeded", request.GetTagItem("error.type"));
        CollectedMeasurement<double> duration = Assert.Single(capture.Metric<double>("llmrouter.request.duration"));
        Assert.Equal("budget_exceeded", duration.Tags["error.type"]);
        Assert.DoesNotContain(capture.Spans, s => s.DisplayName != "chat default");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_HedgedRace_EachRacerReservesAndEverythingSettles(bool streaming)
    {
        var clock = new TimerTrackingFakeTimeProvider(Start);
        ScriptedChatClient slow = new ScriptedChatClient("fake", timeProvider: clock).Enqueue(ScriptedOutcome.Chunks("slow").WithUsage(InputTokens, 100).After(TimeSpan.FromSeconds(10)));
        ScriptedChatClient fast = new ScriptedChatClient("fake", timeProvider: clock).Enqueue(ScriptedOutcome.Chunks("fast").WithUsage(InputTokens, 100));
        IChatClient router = new LlmRouterBuilder().UseTimeProvider(clock).WithoutRetries().WithoutTimeouts()
            .AddDeployment("slow", slow, d => d.Price = Price)
            .AddDeployment("fast", fast, d => d.Price = Price)
            .AddRoute("hedged", r => { r.Deployments = ["slow", "fast"]; r.Hedging = new HedgingOptions { Delay = TimeSpan.FromSeconds(1) }; })
            .AddBudget("daily", b => b.LimitUsd = 1m)
            .Build();
        IRouterSpend spend = router.GetService<IRouterSpend>()!;

        Task<ChatResponse> call = router.CallAsync(streaming, For());
        await slow.WaitForCallsAsync(1);
        await clock.WaitForTimersAsync(2);
        BudgetStatus racing = Assert.Single(await spend.GetBudgetsAsync());
        clock.Advance(TimeSpan.FromSeconds(1));
        ChatResponse response = await call;
        await slow.WaitForStreamsClosedAsync();

        // The cancelled loser settles on a continuation after it observed the cancellation.
        await Eventually.WaitUntilAsync(async () => (await spend.GetBudgetsAsync()).All(b => b.ReservedUsd == 0));
        BudgetStatus after = Assert.Single(await spend.GetBudgetsAsync());

        Assert.Equal("fast", response.Property(LlmRouterProperties.Deployment));
        Assert.Equal(CallCost, racing.ReservedUsd);

        // The winner at its cost; the cancelled loser, which reported nothing, at its estimate: providers bill what they generated.
        Assert.Equal((CallCost * 2, 0m), (after.SpentUsd, after.ReservedUsd));
    }

    [Fact]
    public async Task Call_LedgerFromTheBuilder_ReceivesReservationsAndSettlements()
    {
        var ledger = new RecordingLedger();
        IChatClient router = new LlmRouterBuilder()
            .UseTimeProvider(new FakeTimeProvider(Start))
            .UseBudgetLedger(ledger)
            .AddDeployment("a", Exact(), d => d.Price = Price)
            .AddBudget("daily", b => b.LimitUsd = 1m)
            .Build();

        await router.GetResponseAsync(RouterCalls.Hello, For());

        var key = new BudgetKey("daily", null, new DateTimeOffset(2026, 5, 31, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero));
        Assert.Equal([$"reserve {key} 1 {CallCost}", $"settle {key} {CallCost} {CallCost}"], ledger.Log);
    }

    /// <summary>Holds every call until the test opens the gate, then answers with the given usage.</summary>
    private sealed class GatedChatClient(int inputTokens, int outputTokens) : IChatClient
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<(int Count, TaskCompletionSource Signal)> _waiters = [];
        private int _calls;

        public int CallCount => Volatile.Read(ref _calls);

        public void Open() => _gate.SetResult();

        public Task WaitForCallsAsync(int count)
        {
            lock (_waiters)
            {
                if (_calls >= count)
                {
                    return Task.CompletedTask;
                }

                var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((count, signal));
                return signal.Task;
            }
        }

        public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Arrived();
            await _gate.Task;
            return new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok")) { Usage = Usage() };
        }

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            Arrived();
            await _gate.Task;
            yield return new ChatResponseUpdate(ChatRole.Assistant, "ok");
            yield return new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(Usage())]);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }

        private UsageDetails Usage() => new() { InputTokenCount = inputTokens, OutputTokenCount = outputTokens };

        private void Arrived()
        {
            lock (_waiters)
            {
                _calls++;
                for (int i = _waiters.Count - 1; i >= 0; i--)
                {
                    if (_calls >= _waiters[i].Count)
                    {
                        _waiters[i].Signal.TrySetResult();
                        _waiters.RemoveAt(i);
                    }
                }
            }
        }
    }

    /// <summary>A ledger that grants everything and logs what the router asks of it.</summary>
    private sealed class RecordingLedger : IBudgetLedger
    {
        public List<string> Log { get; } = [];

        public ValueTask<BudgetReservation> TryReserveAsync(BudgetKey key, decimal limitUsd, decimal amountUsd, CancellationToken cancellationToken)
        {
            Log.Add($"reserve {key} {limitUsd} {amountUsd}");
            return new(new BudgetReservation(key, amountUsd, IsGranted: true, SpentUsd: 0, ReservedUsd: 0));
        }

        public ValueTask SettleAsync(BudgetReservation reservation, decimal actualUsd, CancellationToken cancellationToken)
        {
            Log.Add($"settle {reservation.Key} {reservation.AmountUsd} {actualUsd}");
            return ValueTask.CompletedTask;
        }

        public ValueTask<BudgetUsage> GetUsageAsync(BudgetKey key, CancellationToken cancellationToken) => new(default(BudgetUsage));
    }
}
