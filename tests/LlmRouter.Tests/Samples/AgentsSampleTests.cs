using System.Collections.Concurrent;
using System.Diagnostics;
using Agents;
using Microsoft.Extensions.AI;

namespace LlmRouter.Tests.Samples;

/// <summary>Runs the Agent Framework sample's plan → act → validate workflow on its simulated providers.</summary>
public sealed class AgentsSampleTests : IDisposable
{
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ActivityListener _listener;

    public AgentsSampleTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Agents.Sample" or "LlmRouter",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _spans.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public void Dispose() => _listener.Dispose();

    [Fact]
    public async Task RunAsync_PlanActValidate_EachStepRoutedByItsStageWithOneBudgetAndOneTrace()
    {
        using IChatClient router = AgentRouter.BuildSimulated();

        AgentRunReport report = await PlanActValidate.RunAsync(router, "Should I cycle from Lisbon to Sintra tomorrow?", runId: "run-test");

        // Planning fails over from the overloaded fast-a; acting calls the model twice (the tool call, then the answer).
        Assert.Equal(
            [("plan", "fast-b", "fast", 2), ("act", "fast-a", "fast", 1), ("act", "fast-a", "fast", 1), ("validate", "smart-a", "smart", 1)],
            report.Calls.Select(c => (c.Stage, c.Deployment, c.Route, c.Attempts)));
        Assert.StartsWith("[smart-a] Yes: tomorrow is dry and mild in Sintra", report.Answer, StringComparison.Ordinal);
        Assert.All(report.Calls, c => Assert.True(c.CostUsd > 0));

        // The run's budget saw every step: its spend is the run's cost.
        BudgetStatus budget = Assert.Single(await router.GetService<IRouterSpend>()!.GetBudgetsAsync("run-test"));
        Assert.Equal(report.CostUsd, budget.SpentUsd);

        // One trace: the run's span, and under it each model call's request span (saying its stage) and attempt spans.
        Activity[] trace = [.. _spans.Where(s => s.TraceId.ToString() == report.TraceId)];
        Activity root = Assert.Single(trace, s => s.Source.Name == "Agents.Sample");
        Activity[] requests = [.. trace.Where(s => s.DisplayName == "chat agent")];
        Assert.Equal(["plan", "act", "act", "validate"], requests.OrderBy(s => s.StartTimeUtc).Select(s => s.GetTagItem("llmrouter.stage")));
        Assert.All(requests, s => Assert.Equal(root.SpanId, s.ParentSpanId));
        Assert.Equal(10, trace.Length);
    }
}
