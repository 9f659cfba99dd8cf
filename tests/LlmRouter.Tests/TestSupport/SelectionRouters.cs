using LlmRouter.Testing;
using Microsoft.Extensions.AI;

namespace LlmRouter.Tests;

/// <summary>Routers of always-answering deployments for strategy tests, with seeded randomness, and a tally of who served.</summary>
internal static class SelectionRouters
{
    public const int Seed = 20_260_501;

    /// <summary>One route "r" over the given deployments with <paramref name="strategy"/>; each deployment answers with its name.</summary>
    public static LlmRouterBuilder Builder(string strategy, params (string Name, Action<DeploymentOptions>? Configure)[] deployments)
    {
        var random = new Random(Seed);
        var builder = new LlmRouterBuilder().WithoutRetries().UseRandomSource(random.NextDouble);
        foreach ((string name, Action<DeploymentOptions>? configure) in deployments)
        {
            var client = new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Text(name) };
            builder.AddDeployment(name, client, d =>
            {
                d.Model = name + "-model";
                configure?.Invoke(d);
            });
        }

        return builder.AddRoute("r", r =>
        {
            r.Deployments = [.. deployments.Select(d => d.Name)];
            r.Strategy = strategy;
        });
    }

    /// <summary>Makes <paramref name="calls"/> requests one after another and counts which deployment served each.</summary>
    public static async Task<Dictionary<string, int>> TallyAsync(IChatClient router, int calls, bool streaming = false, ChatOptions? options = null, IEnumerable<ChatMessage>? messages = null)
    {
        var tally = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < calls; i++)
        {
            ChatResponse response = await router.CallAsync(streaming, options, messages: messages);
            string served = (string)response.Property(LlmRouterProperties.Deployment)!;
            tally[served] = tally.GetValueOrDefault(served) + 1;
        }

        return tally;
    }

    /// <summary>The built deployment of that name, for tests that set the statistics strategies rank by.</summary>
    public static Deployment Deployment(IChatClient router, string name) => ((LlmRouterClient)router).Model.FindDeployment(name)!;
}
