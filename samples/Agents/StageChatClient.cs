using LlmRouter;
using Microsoft.Extensions.AI;

namespace Agents;

/// <summary>
/// An agent's view of the router: every call it makes goes to route "agent" with the agent's stage and the run's id, and
/// what the router says about each answer (deployment, attempts, cost) is noted in the run's report.
/// </summary>
internal sealed class StageChatClient(IChatClient router, string stage, string runId, AgentRunReport report) : DelegatingChatClient(router)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ChatResponse response = await base.GetResponseAsync(messages, WithStage(options), cancellationToken);
        report.Note(stage, response.AdditionalProperties);
        return response;
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        AdditionalPropertiesDictionary? last = null;
        await foreach (ChatResponseUpdate update in base.GetStreamingResponseAsync(messages, WithStage(options), cancellationToken))
        {
            last = update.AdditionalProperties ?? last;
            yield return update;
        }

        report.Note(stage, last);
    }

    private ChatOptions WithStage(ChatOptions? options)
    {
        ChatOptions staged = options?.Clone() ?? new ChatOptions();
        staged.ModelId = "agent";
        staged.AdditionalProperties = staged.AdditionalProperties is { } properties ? new(properties) : [];
        staged.AdditionalProperties[LlmRouterRequestProperties.Stage] = stage;
        staged.AdditionalProperties[AgentRouter.RunProperty] = runId;
        return staged;
    }
}
