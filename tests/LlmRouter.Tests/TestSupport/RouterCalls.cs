using Microsoft.Extensions.AI;

namespace LlmRouter.Tests;

/// <summary>Runs a call streaming or not, so every router test covers both paths with one body.</summary>
internal static class RouterCalls
{
    public static readonly ChatMessage[] Hello = [new(ChatRole.User, "Hello")];

    public static async Task<ChatResponse> CallAsync(
        this IChatClient client, bool streaming, ChatOptions? options = null, CancellationToken cancellationToken = default, IEnumerable<ChatMessage>? messages = null)
    {
        messages ??= Hello;
        if (!streaming)
        {
            return await client.GetResponseAsync(messages, options, cancellationToken);
        }

        List<ChatResponseUpdate> updates = await client.ReadAllAsync(options, cancellationToken, messages);
        ChatResponse combined = updates.ToChatResponse();

        // ToChatResponse puts update properties on the message; the router's contract is the final update's properties.
        combined.AdditionalProperties = updates.Count > 0 ? updates[^1].AdditionalProperties : null;
        return combined;
    }

    public static async Task<List<ChatResponseUpdate>> ReadAllAsync(
        this IChatClient client, ChatOptions? options = null, CancellationToken cancellationToken = default, IEnumerable<ChatMessage>? messages = null)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(messages ?? Hello, options, cancellationToken))
        {
            updates.Add(update);
        }

        return updates;
    }

    public static ChatOptions Route(string route) => new() { ModelId = route };

    public static object? Property(this ChatResponse response, string key) =>
        response.AdditionalProperties is { } properties && properties.TryGetValue(key, out object? value) ? value : null;
}
