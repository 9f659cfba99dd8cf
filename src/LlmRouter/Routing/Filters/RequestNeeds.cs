using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>What a request needs of a model, seen from its options and content.</summary>
internal static class RequestNeeds
{
    /// <summary>
    /// Finds which of <paramref name="checks"/> the request needs: tools (it offers tools), JSON schema (its response format
    /// has a schema), reasoning (it asks for a reasoning effort other than none), vision (a message holds an image, as data or a
    /// URI). Only the capabilities asked about are looked for, so a route whose candidates all have vision never scans content.
    /// </summary>
    public static ModelCapabilities Find(IEnumerable<ChatMessage> messages, ChatOptions? options, ModelCapabilities checks)
    {
        ModelCapabilities needs = ModelCapabilities.None;
        if ((checks & ModelCapabilities.Tools) != 0 && options?.Tools is { Count: > 0 })
        {
            needs |= ModelCapabilities.Tools;
        }

        if ((checks & ModelCapabilities.JsonSchema) != 0 && options?.ResponseFormat is ChatResponseFormatJson { Schema: not null })
        {
            needs |= ModelCapabilities.JsonSchema;
        }

        if ((checks & ModelCapabilities.Reasoning) != 0 && options?.Reasoning?.Effort is { } effort && effort != ReasoningEffort.None)
        {
            needs |= ModelCapabilities.Reasoning;
        }

        if ((checks & ModelCapabilities.Vision) != 0 && HasImage(messages))
        {
            needs |= ModelCapabilities.Vision;
        }

        return needs;
    }

    private static bool HasImage(IEnumerable<ChatMessage> messages)
    {
        if (messages is IList<ChatMessage> list)
        {
            for (int i = 0; i < list.Count; i++)
            {
                if (HasImage(list[i]))
                {
                    return true;
                }
            }

            return false;
        }

        foreach (ChatMessage message in messages)
        {
            if (HasImage(message))
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasImage(ChatMessage message)
    {
        IList<AIContent> contents = message.Contents;
        for (int i = 0; i < contents.Count; i++)
        {
            switch (contents[i])
            {
                case DataContent data when data.HasTopLevelMediaType("image"):
                case UriContent uri when uri.HasTopLevelMediaType("image"):
                    return true;
            }
        }

        return false;
    }
}
