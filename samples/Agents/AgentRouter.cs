using LlmRouter;
using Microsoft.Extensions.AI;

namespace Agents;

/// <summary>The sample's router: routes "fast" and "smart", and "agent", which maps the workflow's stages to them; one budget per run.</summary>
public static class AgentRouter
{
    /// <summary>The request property that carries the workflow run's id, which the per-run budget is keyed by.</summary>
    public const string RunProperty = "workflow.run";

    /// <summary>Builds the router over simulated providers: "fast-a" is overloaded on its first call, so the first step fails over.</summary>
    public static IChatClient BuildSimulated() => Routes(new LlmRouterBuilder()
        .AddDeployment("fast-a", new SimulatedAgentModel("fast-a", failFirstCall: true), d => { d.Model = "sim-mini"; d.Price = new ModelPrice(0.15m, 0.60m); })
        .AddDeployment("fast-b", new SimulatedAgentModel("fast-b"), d => { d.Model = "sim-mini"; d.Price = new ModelPrice(0.20m, 0.80m); })
        .AddDeployment("smart-a", new SimulatedAgentModel("smart-a"), d => { d.Model = "sim-large"; d.Price = new ModelPrice(2.50m, 10m); }),
        fast: ["fast-a", "fast-b"],
        smart: ["smart-a", "fast-b"]);

    /// <summary>Builds the router over OpenAI when OPENAI_API_KEY is set; otherwise returns <see langword="null"/>.</summary>
    public static IChatClient? TryBuildReal(TextWriter output)
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OPENAI_API_KEY")))
        {
            return null;
        }

        output.WriteLine("Routing the workflow's calls to OpenAI (gpt-4o-mini for plan and act, gpt-4o for validate).");
        var provider = new ProviderOptions { Type = ProviderTypes.OpenAI };
        return Routes(new LlmRouterBuilder()
            .AddDeployment("mini", ProviderClientFactory.CreateChatClient(provider, "gpt-4o-mini"), d => d.Model = "gpt-4o-mini")
            .AddDeployment("large", ProviderClientFactory.CreateChatClient(provider, "gpt-4o"), d => d.Model = "gpt-4o"),
            fast: ["mini", "large"],
            smart: ["large", "mini"]);
    }

    private static IChatClient Routes(LlmRouterBuilder builder, string[] fast, string[] smart) => builder
        .ConfigureRetry(r => r.MaxAttempts = 1)
        .AddRoute("fast", r => r.Deployments = fast)
        .AddRoute("smart", r => r.Deployments = smart)
        .AddRoute("agent", r => r.Stages = new Dictionary<string, string> { ["plan"] = "fast", ["act"] = "fast", ["validate"] = "smart" })
        .AddBudget("per-run", b =>
        {
            b.Scope = BudgetScope.Caller;
            b.CallerProperty = RunProperty;
            b.Window = BudgetWindow.Month;
            b.LimitUsd = 0.25m;
        })
        .Build();
}
