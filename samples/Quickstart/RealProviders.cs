using LlmRouter;
using Microsoft.Extensions.AI;

namespace Quickstart;

/// <summary>Builds the sample's router over real providers when their API keys are in the environment.</summary>
internal static class RealProviders
{
    /// <summary>Returns a router over OpenAI and/or Anthropic, or <see langword="null"/> when neither key is set.</summary>
    /// <remarks>Models can be changed with QUICKSTART_OPENAI_MODEL and QUICKSTART_ANTHROPIC_MODEL.</remarks>
    public static IChatClient? TryBuild(TextWriter output)
    {
        bool openAI = !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OPENAI_API_KEY"));
        bool anthropic = !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("ANTHROPIC_API_KEY"));
        if (!openAI && !anthropic)
        {
            return null;
        }

        string openAIModel = Environment.GetEnvironmentVariable("QUICKSTART_OPENAI_MODEL") ?? "gpt-4o-mini";
        string anthropicModel = Environment.GetEnvironmentVariable("QUICKSTART_ANTHROPIC_MODEL") ?? "claude-haiku-4-5";
        var builder = new LlmRouterBuilder();
        var names = new List<string>();
        string? broken = null;

        if (openAI)
        {
            var provider = new ProviderOptions { Type = ProviderTypes.OpenAI };
            builder.AddDeployment("openai", ProviderClientFactory.CreateChatClient(provider, openAIModel), d => d.Model = openAIModel);
            builder.AddDeployment("openai-wrong-model", ProviderClientFactory.CreateChatClient(provider, "no-such-model"), d => d.Model = "no-such-model");
            names.Add("openai");
            broken = "openai-wrong-model";
        }

        if (anthropic)
        {
            var provider = new ProviderOptions { Type = ProviderTypes.Anthropic };
            builder.AddDeployment("anthropic", ProviderClientFactory.CreateChatClient(provider, anthropicModel), d => d.Model = anthropicModel);
            builder.AddDeployment("anthropic-wrong-model", ProviderClientFactory.CreateChatClient(provider, "no-such-model"), d => d.Model = "no-such-model");
            names.Add("anthropic");
            broken ??= "anthropic-wrong-model";
        }

        output.WriteLine($"Routing real calls between: {string.Join(", ", names)}.");
        output.WriteLine();

        List<string> smart = [.. names];
        smart.Reverse();
        return builder
            .AddRoute("fast", r => r.Deployments = [.. names])
            .AddRoute("smart", r => r.Deployments = smart)
            .AddRoute("broken", r => r.Deployments = [broken!])
            .UseDefaultRoute("fast")
            .Build();
    }
}
