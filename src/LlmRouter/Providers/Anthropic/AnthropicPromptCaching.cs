using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// Where an Anthropic request's <c>cache_control</c> breakpoints go (<see cref="PromptCaching.Auto"/>): after the last tool, after
/// the system prompt, and after the last message before the final user turn (the part of a conversation the next turn repeats),
/// each only when the prompt up to it reaches the model's minimum cacheable length. At most three of Anthropic's four.
/// </summary>
/// <remarks>
/// Lengths are estimated at four characters a token, from the text of the tools (name, description, schema), the system prompt
/// and the messages. Minimums per model family, as Anthropic publishes them: 4,096 tokens for Claude Opus 4.5 and Haiku 4.5 and
/// later, 2,048 for Claude 3 and 3.5 Haiku, 1,024 for the others.
/// </remarks>
internal readonly record struct AnthropicPromptCaching(int Tool, bool System, int Message)
{
    /// <summary>No breakpoint.</summary>
    public static readonly AnthropicPromptCaching None = new(-1, System: false, -1);

    private const int CharactersPerToken = 4;

    /// <summary>Places the breakpoints of a request; <see cref="Tool"/> indexes <c>ChatOptions.Tools</c>, <see cref="Message"/> the non-system messages.</summary>
    public static AnthropicPromptCaching Place(IEnumerable<ChatMessage> messages, ChatOptions? options, string model)
    {
        long minimum = (long)MinimumTokens(model) * CharactersPerToken;
        long length = 0;
        int tool = -1;
        if (options?.Tools is { Count: > 0 } tools)
        {
            int last = -1;
            for (int i = 0; i < tools.Count; i++)
            {
                if (tools[i] is AIFunctionDeclaration function)
                {
                    length += function.Name.Length + (function.Description?.Length ?? 0) + function.JsonSchema.GetRawText().Length;
                    last = i;
                }
            }

            tool = last >= 0 && length >= minimum ? last : -1;
        }

        bool anySystem = !string.IsNullOrEmpty(options?.Instructions);
        length += options?.Instructions?.Length ?? 0;
        var conversation = new List<ChatMessage>();
        foreach (ChatMessage each in messages)
        {
            if (each.Role == ChatRole.System)
            {
                int text = each.Text.Length;
                anySystem |= text > 0;
                length += text;
            }
            else
            {
                conversation.Add(each);
            }
        }

        bool system = anySystem && length >= minimum;
        int stable = conversation.Count >= 2 && conversation[^1].Role == ChatRole.User ? conversation.Count - 2 : -1;
        for (int i = 0; i <= stable; i++)
        {
            length += Length(conversation[i]);
        }

        int message = stable >= 0 && length >= minimum && LastBlock(conversation[stable]) >= 0 ? stable : -1;
        return new AnthropicPromptCaching(tool, system, message);
    }

    /// <summary>The index of the last content of <paramref name="message"/> that is written as a block, or -1.</summary>
    public static int LastBlock(ChatMessage message)
    {
        IList<AIContent> contents = message.Contents;
        for (int i = contents.Count - 1; i >= 0; i--)
        {
            if (contents[i] is TextContent { Text.Length: > 0 } or FunctionCallContent or FunctionResultContent)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The least prompt, in tokens, that Anthropic caches for <paramref name="model"/>.</summary>
    public static int MinimumTokens(string model)
    {
        if (model.Contains("haiku", StringComparison.OrdinalIgnoreCase))
        {
            return model.Contains("3-haiku", StringComparison.OrdinalIgnoreCase) || model.Contains("3-5-haiku", StringComparison.OrdinalIgnoreCase)
                || model.Contains("haiku-3", StringComparison.OrdinalIgnoreCase) ? 2048 : 4096;
        }

        if (model.Contains("opus", StringComparison.OrdinalIgnoreCase)
            && !model.Contains("opus-4-1", StringComparison.OrdinalIgnoreCase) && !model.Contains("opus-4-2", StringComparison.OrdinalIgnoreCase)
            && !model.Contains("3-opus", StringComparison.OrdinalIgnoreCase) && !EndsWithFamily(model, "opus-4"))
        {
            return 4096;
        }

        return 1024;
    }

    /// <summary>Tells whether the model is exactly the family (<c>claude-opus-4</c>, <c>claude-opus-4-20250514</c>), not a later point release.</summary>
    private static bool EndsWithFamily(string model, string family)
    {
        int at = model.IndexOf(family, StringComparison.OrdinalIgnoreCase);
        if (at < 0)
        {
            return false;
        }

        int end = at + family.Length;
        return end == model.Length || (model[end] == '-' && end + 2 < model.Length && char.IsDigit(model[end + 1]) && char.IsDigit(model[end + 2]));
    }

    private static long Length(ChatMessage message)
    {
        long length = 0;
        foreach (AIContent content in message.Contents)
        {
            length += content switch
            {
                TextContent text => text.Text.Length,
                FunctionResultContent result => result.Result?.ToString()?.Length ?? 0,
                FunctionCallContent call => call.Name.Length + (call.Arguments?.Count ?? 0) * 16,
                _ => 0,
            };
        }

        return length;
    }
}
