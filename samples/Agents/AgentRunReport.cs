using System.Globalization;
using LlmRouter;
using Microsoft.Extensions.AI;

namespace Agents;

/// <summary>One model call of a run: its stage, who served it, after how many attempts, and what it cost.</summary>
public sealed record StepCall(string Stage, string Deployment, string Route, int Attempts, decimal CostUsd);

/// <summary>What a run did: each model call, the final answer, what it cost, and the trace its spans share.</summary>
public sealed class AgentRunReport(string runId)
{
    private readonly List<StepCall> _calls = [];

    public string RunId { get; } = runId;

    public IReadOnlyList<StepCall> Calls
    {
        get
        {
            lock (_calls)
            {
                return [.. _calls];
            }
        }
    }

    public string Answer { get; internal set; } = string.Empty;

    public string TraceId { get; internal set; } = string.Empty;

    public decimal CostUsd => Calls.Sum(c => c.CostUsd);

    internal void Note(string stage, AdditionalPropertiesDictionary? properties)
    {
        if (properties is null)
        {
            return;
        }

        var call = new StepCall(
            stage,
            properties.TryGetValue(LlmRouterProperties.Deployment, out object? deployment) ? deployment as string ?? "?" : "?",
            properties.TryGetValue(LlmRouterProperties.Route, out object? route) ? route as string ?? "?" : "?",
            properties.TryGetValue(LlmRouterProperties.Attempts, out object? attempts) ? Convert.ToInt32(attempts, CultureInfo.InvariantCulture) : 0,
            properties.TryGetValue(LlmRouterProperties.CostUsd, out object? cost) && cost is not null ? Convert.ToDecimal(cost, CultureInfo.InvariantCulture) : 0m);
        lock (_calls)
        {
            _calls.Add(call);
        }
    }
}
