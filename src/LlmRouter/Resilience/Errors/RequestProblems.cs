using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// Recognises a request that no deployment can accept, whatever it is: a <see langword="null"/> message or content, a numeric
/// option that is not a finite number or not positive where it must be, a JSON schema nested deeper than JSON serializers
/// write by default. The router asks only after a deployment's client failed in a way that says nothing more specific
/// (<see cref="ProviderErrorKind.Unknown"/> or <see cref="ProviderErrorKind.InvalidResponse"/>), so the check costs a
/// successful call nothing; a failure it explains is the caller's <see cref="ProviderErrorKind.BadRequest"/>, which stops
/// the request at once and counts against no deployment.
/// </summary>
internal static class RequestProblems
{
    /// <summary>
    /// The deepest JSON schema accepted: <see cref="JsonSerializerOptions.MaxDepth"/>'s default, the depth at which
    /// System.Text.Json-based clients refuse to write it.
    /// </summary>
    public const int MaxSchemaDepth = 64;

    /// <summary>Describes what makes the request invalid, or returns <see langword="null"/> when nothing obvious does.</summary>
    public static string? Find(IEnumerable<ChatMessage>? messages, ChatOptions? options)
    {
        if (messages is null)
        {
            return "the message list is null.";
        }

        int index = 0;
        foreach (ChatMessage? message in messages)
        {
            if (message is null)
            {
                return $"message {index} is null; every message must be a ChatMessage.";
            }

            IList<AIContent> contents = message.Contents;
            for (int i = 0; i < contents.Count; i++)
            {
                if (contents[i] is null)
                {
                    return $"content {i} of message {index} is null.";
                }
            }

            index++;
        }

        return options is null ? null : FindInOptions(options);
    }

    private static string? FindInOptions(ChatOptions options)
    {
        string? notFinite = NotFinite(options.Temperature, nameof(ChatOptions.Temperature))
            ?? NotFinite(options.TopP, nameof(ChatOptions.TopP))
            ?? NotFinite(options.FrequencyPenalty, nameof(ChatOptions.FrequencyPenalty))
            ?? NotFinite(options.PresencePenalty, nameof(ChatOptions.PresencePenalty));
        if (notFinite is not null)
        {
            return notFinite;
        }

        if (options.MaxOutputTokens is <= 0 and { } max)
        {
            return $"ChatOptions.MaxOutputTokens is {max.ToString(CultureInfo.InvariantCulture)}; it must be positive (or null for the model's default).";
        }

        if (options.TopK is <= 0 and { } topK)
        {
            return $"ChatOptions.TopK is {topK.ToString(CultureInfo.InvariantCulture)}; it must be positive (or null).";
        }

        if (options.Tools is { } tools)
        {
            foreach (AITool? tool in tools)
            {
                if (tool is null)
                {
                    return "ChatOptions.Tools holds a null tool.";
                }

                if (tool is AIFunctionDeclaration function && TooDeep(function.JsonSchema))
                {
                    return $"the JSON schema of tool '{function.Name}' is nested more than {MaxSchemaDepth} levels deep, which JSON serializers refuse to write.";
                }
            }
        }

        if (options.ResponseFormat is ChatResponseFormatJson { Schema: { } schema } && TooDeep(schema))
        {
            return $"the response format's JSON schema is nested more than {MaxSchemaDepth} levels deep, which JSON serializers refuse to write.";
        }

        return null;
    }

    private static string? NotFinite(float? value, string name) =>
        value is { } number && !float.IsFinite(number)
            ? $"ChatOptions.{name} is {number.ToString(CultureInfo.InvariantCulture)}; it must be a finite number (or null for the model's default)."
            : null;

    /// <summary>Whether <paramref name="element"/> nests deeper than <see cref="MaxSchemaDepth"/>; looks no deeper than that.</summary>
    private static bool TooDeep(JsonElement element)
    {
        var pending = new Stack<(JsonElement Element, int Depth)>();
        pending.Push((element, 1));
        while (pending.Count > 0)
        {
            (JsonElement current, int depth) = pending.Pop();
            if (current.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array))
            {
                continue;
            }

            if (depth > MaxSchemaDepth)
            {
                return true;
            }

            if (current.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty property in current.EnumerateObject())
                {
                    pending.Push((property.Value, depth + 1));
                }
            }
            else
            {
                foreach (JsonElement item in current.EnumerateArray())
                {
                    pending.Push((item, depth + 1));
                }
            }
        }

        return false;
    }
}
