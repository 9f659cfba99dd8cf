using System.Runtime.CompilerServices;
using Anthropic;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace LlmRouter;

/// <summary>
/// Warns, when the router builds a deployment's pipeline, that the deployment's client is an Anthropic SDK client whose own retries
/// are on. The SDK says so on the client (<see cref="IAnthropicClient.MaxRetries"/>; unset means its default of 2), and the SDK's
/// <c>AsIChatClient</c> hands the client out through <see cref="IChatClient.GetService"/>.
/// </summary>
/// <remarks>
/// The check adds no step: the deployment's client is called as before. Each deployment is reported once per SDK client, however
/// often the router is rebuilt (configuration reloads run the pipeline callbacks again).
/// </remarks>
internal sealed partial class AnthropicSdkRetriesCheck(ILoggerFactory? loggerFactory)
{
    private static readonly ConditionalWeakTable<IAnthropicClient, HashSet<string>> s_reported = [];

    public void Inspect(DeploymentInfo deployment, ChatClientBuilder pipeline) =>
        pipeline.Use((inner, services) =>
        {
            if (inner.GetService(typeof(IAnthropicClient)) is IAnthropicClient sdk && sdk.MaxRetries is not 0 && FirstReport(sdk, deployment.Name))
            {
                ILoggerFactory? factory = loggerFactory ?? services.GetService(typeof(ILoggerFactory)) as ILoggerFactory;
                if (factory is not null)
                {
                    SdkRetriesOn(factory.CreateLogger("LlmRouter"), deployment.Name, sdk.MaxRetries ?? Anthropic.Core.ClientOptions.DefaultMaxRetries);
                }
            }

            return inner;
        });

    private static bool FirstReport(IAnthropicClient sdk, string deployment)
    {
        HashSet<string> reported = s_reported.GetOrCreateValue(sdk);
        lock (reported)
        {
            return reported.Add(deployment);
        }
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Warning,
        Message = "Deployment '{Deployment}' is served by an Anthropic SDK client that retries on its own (MaxRetries = {MaxRetries}): its retries multiply the router's. Create the client with MaxRetries = 0, or use AsRouterChatClient. Logged once per deployment.")]
    private static partial void SdkRetriesOn(ILogger logger, string deployment, int maxRetries);
}
