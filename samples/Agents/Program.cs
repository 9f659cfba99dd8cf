using System.Collections.Concurrent;
using System.Diagnostics;
using Agents;
using Microsoft.Extensions.AI;

// LlmRouter with Microsoft Agent Framework: a plan → act (with a tool) → validate workflow whose three agents share one
// router, each naming its stage, so planning and acting go to the fast route and validation to the smart one. Every model
// call is routed and fails over on its own; the run has one budget and one span tree. Without API keys it runs on
// simulated providers; with OPENAI_API_KEY set it calls OpenAI.
using IChatClient router = AgentRouter.TryBuildReal(Console.Out) ?? AgentRouter.BuildSimulated();

// An OpenTelemetry SDK would export these; here the spans are only counted, to show the run is one trace.
var spans = new ConcurrentQueue<Activity>();
using var listener = new ActivityListener
{
    ShouldListenTo = source => source.Name is "Agents.Sample" or "LlmRouter",
    Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
    ActivityStopped = spans.Enqueue,
};
ActivitySource.AddActivityListener(listener);

AgentRunReport report = await PlanActValidate.RunAsync(router, "Should I cycle from Lisbon to Sintra tomorrow?", runId: "run-1");

foreach (StepCall call in report.Calls)
{
    Console.WriteLine($"{call.Stage,-9} {call.Deployment,-14} route {call.Route,-6} attempts {call.Attempts}  ${call.CostUsd:0.########}");
}

Console.WriteLine();
Console.WriteLine($"Answer: {report.Answer}");
Console.WriteLine($"Run '{report.RunId}' cost ${report.CostUsd:0.########} over {report.Calls.Count} model call(s).");
Console.WriteLine($"Trace {report.TraceId}: {spans.Count(s => s.TraceId.ToString() == report.TraceId)} spans (the run, and each model call's request and attempts).");
