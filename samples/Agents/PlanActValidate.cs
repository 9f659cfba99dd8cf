using System.ComponentModel;
using System.Diagnostics;
using Microsoft.Agents.AI;
using Microsoft.Agents.AI.Workflows;
using Microsoft.Extensions.AI;

namespace Agents;

/// <summary>
/// The workflow: a planner, an actor with a forecast tool, and a validator, each a <see cref="ChatClientAgent"/> over the
/// router with its own stage, run in sequence by Microsoft Agent Framework's workflow engine.
/// </summary>
public static class PlanActValidate
{
    /// <summary>The source of the run's root span; the router's request spans are its children.</summary>
    public static readonly ActivitySource Source = new("Agents.Sample");

    /// <summary>Runs the workflow once for <paramref name="question"/> and reports each model call, the answer and the cost.</summary>
    public static async Task<AgentRunReport> RunAsync(IChatClient router, string question, string runId, CancellationToken cancellationToken = default)
    {
        var report = new AgentRunReport(runId);
        using Activity? run = Source.StartActivity("agent run");
        run?.SetTag("workflow.run", runId);

        AIAgent planner = Agent(router, "plan", runId, report, "Plan the steps needed to answer the user's question. Reply with a short numbered plan.");
        AIAgent actor = Agent(router, "act", runId, report, "Carry out the plan. Use the get_forecast tool for weather.", AIFunctionFactory.Create(GetForecast));
        AIAgent validator = Agent(router, "validate", runId, report, "Validate the answer against the plan and give the final answer.");

        var plan = new AgentStep("plan", planner);
        var act = new AgentStep("act", actor);
        var validate = new AgentStep("validate", validator);
        Workflow workflow = new WorkflowBuilder(plan).AddEdge(plan, act).AddEdge(act, validate).WithOutputFrom(validate).Build();

        await using Run execution = await InProcessExecution.RunAsync(workflow, question, runId, cancellationToken);
        foreach (WorkflowEvent workflowEvent in execution.NewEvents)
        {
            if (workflowEvent is WorkflowOutputEvent output && output.Data is string answer)
            {
                report.Answer = answer;
            }
            else if (workflowEvent is WorkflowErrorEvent error)
            {
                throw new InvalidOperationException($"The workflow failed: {error.Data}");
            }
        }

        report.TraceId = run?.TraceId.ToString() ?? string.Empty;
        return report;
    }

    [Description("Gets tomorrow's weather forecast for a city.")]
    private static string GetForecast([Description("The city.")] string city) => $"{city}: dry, 19 °C, light wind from the north-west.";

    private static ChatClientAgent Agent(IChatClient router, string stage, string runId, AgentRunReport report, string instructions, params AITool[] tools)
    {
        // The stage step inside the tool loop, so each model call of the loop is routed (and noted) on its own.
        IChatClient client = new FunctionInvokingChatClient(new StageChatClient(router, stage, runId, report));
        return new ChatClientAgent(client, instructions: instructions, name: stage, tools: tools);
    }

    /// <summary>A workflow step: hands its input to its agent and passes the agent's answer on.</summary>
    private sealed class AgentStep(string id, AIAgent agent) : Executor<string, string>(id)
    {
        public override async ValueTask<string> HandleAsync(string input, IWorkflowContext context, CancellationToken cancellationToken = default)
        {
            AgentResponse response = await agent.RunAsync(input, cancellationToken: cancellationToken);
            return response.Text;
        }
    }
}
