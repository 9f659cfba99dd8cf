using LlmRouter.Testing;
using Microsoft.Extensions.AI;

namespace LlmRouter.Tests.Routing.Dispatch;

/// <summary>Stages: a route maps each step of a run to a route; the response and span say the stage; a run shares one budget.</summary>
public class StageRoutingTests
{
    private static readonly ModelPrice Price = new(1m, 10m);

    private static LlmRouterBuilder Builder(ScriptedChatClient? fastClient = null) => new LlmRouterBuilder().WithoutRetries()
        .AddDeployment("mini", fastClient ?? new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Text("mini").WithUsage(8, 100) }, d => d.Price = Price)
        .AddDeployment("backup", new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Text("backup").WithUsage(8, 100) }, d => d.Price = Price)
        .AddDeployment("large", new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Text("large").WithUsage(8, 100) }, d => d.Price = Price)
        .AddRoute("fast", r => r.Deployments = ["mini", "backup"])
        .AddRoute("smart", r => r.Deployments = ["large"])
        .AddRoute("agent", r => r.Stages = new Dictionary<string, string> { ["plan"] = "fast", ["act"] = "fast", ["validate"] = "smart" });

    private static ChatOptions Stage(string? stage, string route = "agent", string? run = null)
    {
        var options = new ChatOptions { ModelId = route, MaxOutputTokens = 100, AdditionalProperties = [] };
        if (stage is not null)
        {
            options.AdditionalProperties[LlmRouterRequestProperties.Stage] = stage;
        }

        if (run is not null)
        {
            options.AdditionalProperties["workflow.run"] = run;
        }

        return options;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_EachStage_ServedByItsRouteAndSaysItsStage(bool streaming)
    {
        IChatClient router = Builder().Build();

        ChatResponse plan = await router.CallAsync(streaming, Stage("plan"));
        ChatResponse validate = await router.CallAsync(streaming, Stage("VALIDATE"));

        Assert.Equal(("mini", "fast", "plan"), (plan.Property(LlmRouterProperties.Deployment), plan.Property(LlmRouterProperties.Route), plan.Property(LlmRouterProperties.Stage)));
        Assert.Equal(("large", "smart", "validate"), (validate.Property(LlmRouterProperties.Deployment), validate.Property(LlmRouterProperties.Route), validate.Property(LlmRouterProperties.Stage)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_StageRouteFailsOver_OnItsOwn(bool streaming)
    {
        var failing = new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Failure(System.Net.HttpStatusCode.ServiceUnavailable) };
        IChatClient router = Builder(failing).Build();

        ChatResponse act = await router.CallAsync(streaming, Stage("act"));

        Assert.Equal(("backup", 2, "act"), (act.Property(LlmRouterProperties.Deployment), act.Property(LlmRouterProperties.Attempts), act.Property(LlmRouterProperties.Stage)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_StageOnARouteWithoutStages_IsReportedAsIs(bool streaming)
    {
        IChatClient router = Builder().Build();

        ChatResponse response = await router.CallAsync(streaming, Stage("summarise", route: "fast"));

        Assert.Equal("summarise", response.Property(LlmRouterProperties.Stage));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_NoStageOrAnUnknownOne_ThrowsListingTheStages(bool streaming)
    {
        IChatClient router = Builder().Build();

        ArgumentException none = await Assert.ThrowsAsync<ArgumentException>(() => router.CallAsync(streaming, Stage(null)));
        ArgumentException unknown = await Assert.ThrowsAsync<ArgumentException>(() => router.CallAsync(streaming, Stage("review")));

        Assert.Contains("Route 'agent' serves by stage: set ChatOptions.AdditionalProperties['llmrouter.stage'] to one of its stages: plan, act, validate.", none.Message);
        Assert.Contains("'review', which is not a stage of route 'agent'. Stages: plan, act, validate.", unknown.Message);
    }

    [Fact]
    public async Task Call_Stage_TaggedOnTheRequestSpan()
    {
        IChatClient router = Builder().Build();
        using var capture = new TelemetryCapture(router, metrics: false);

        await router.CallAsync(streaming: false, Stage("validate"));

        Assert.Equal("validate", capture.Span("chat agent").GetTagItem("llmrouter.stage"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_BudgetScopedToARun_CoversEveryStageOfThatRunOnly(bool streaming)
    {
        // Each call costs 8 × $1 + 100 × $10 per million = $0.001008; the run's budget covers two.
        IChatClient router = Builder()
            .AddBudget("per-run", b =>
            {
                b.Scope = BudgetScope.Caller;
                b.CallerProperty = "workflow.run";
                b.Window = BudgetWindow.Month;
                b.LimitUsd = 0.002016m;
            })
            .Build();

        await router.CallAsync(streaming, Stage("plan", run: "run-1"));
        await router.CallAsync(streaming, Stage("act", run: "run-1"));
        BudgetExceededException exceeded = await Assert.ThrowsAsync<BudgetExceededException>(() => router.CallAsync(streaming, Stage("validate", run: "run-1")));
        ChatResponse other = await router.CallAsync(streaming, Stage("validate", run: "run-2"));

        Assert.Equal("run-1", exceeded.Caller);
        Assert.Equal("large", other.Property(LlmRouterProperties.Deployment));
    }

    [Fact]
    public void Build_StagesPointingAtUnknownOrDispatchingRoutes_AreConfigurationErrors()
    {
        LlmRouterConfigurationException error = Assert.Throws<LlmRouterConfigurationException>(() => Builder()
            .AddRoute("tiered", r => r.Tiers = new Dictionary<ComplexityTier, string> { [ComplexityTier.Simple] = "fast" })
            .AddRoute("bad", r =>
            {
                r.Stages = new Dictionary<string, string> { ["plan"] = "nowhere", ["act"] = "tiered" };
                r.Deployments = ["mini"];
            })
            .Build());

        Assert.Contains("Route 'bad' sends stage 'plan' to unknown route 'nowhere'.", error.Message);
        Assert.Contains("Route 'bad' sends stage 'act' to route 'tiered', which dispatches to other routes; send it to a route with deployments of its own.", error.Message);
        Assert.Contains("Route 'bad' dispatches by Stages, so it takes no Deployments", error.Message);
    }
}
