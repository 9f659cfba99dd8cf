using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// Recognises a request that no deployment can accept, whatever it is: a <see langword="null"/> message or content, a number
/// JSON cannot carry, a non-positive token count, a JSON schema nested deeper than can be written. Asked only after a failure
/// (the router's, after a deployment's client failed in a way that says nothing more specific; a provider client's, after
/// writing a request body failed), so a request that succeeds pays nothing. A problem found here is the caller's
/// <see cref="ProviderErrorKind.BadRequest"/>: it stops the request at once and counts against no deployment.
/// </summary>
internal static class RequestProblems
{
    /// <summary>
    /// The deepest JSON schema any client is expected to write: <see cref="JsonSerializerOptions.MaxDepth"/>'s default, at
    /// which System.Text.Json-based SDK clients refuse to serialize it.
    /// </summary>
    public const int SerializerMaxDepth = 64;

    /// <summary>
    /// Describes what makes the request invalid for any deployment, or returns <see langword="null"/> when nothing obvious does:
    /// what JSON cannot carry (<see cref="Unwritable"/>, schemas deeper than <see cref="SerializerMaxDepth"/>), then token counts
    /// that are not positive.
    /// </summary>
    public static string? Find(IEnumerable<ChatMessage>? messages, ChatOptions? options)
    {
        if (messages is null)
        {
            return "the message list is null.";
        }

        try
        {
            if (Unwritable(messages, options, SerializerMaxDepth) is { } unwritable)
            {
                return unwritable;
            }
        }
#pragma warning disable CA1031 // Looking again can fail as the call did (a message sequence that throws when enumerated): then nothing is recognised.
        catch (Exception)
#pragma warning restore CA1031
        {
            return null;
        }

        if (options?.MaxOutputTokens is <= 0 and { } max)
        {
            return $"ChatOptions.MaxOutputTokens is {max.ToString(CultureInfo.InvariantCulture)}; it must be positive (or null for the model's default).";
        }

        return options?.TopK is <= 0 and { } topK
            ? $"ChatOptions.TopK is {topK.ToString(CultureInfo.InvariantCulture)}; it must be positive (or null)."
            : null;
    }

    /// <summary>
    /// Describes what in the request no JSON request body can carry: a <see langword="null"/> message, content or tool, a number
    /// that is not finite (an option, or a number among the additional properties), a schema nested deeper than
    /// <paramref name="maxSchemaDepth"/>; or returns <see langword="null"/>.
    /// </summary>
    public static string? Unwritable(IEnumerable<ChatMessage> messages, ChatOptions? options, int maxSchemaDepth)
    {
        int index = 0;
        foreach (ChatMessage? message in messages)
        {
            if (message is null)
            {
                return $"message {index} (counting from 0) is null; every message in the list must be a ChatMessage.";
            }

            IList<AIContent> contents = message.Contents;
            for (int i = 0; i < contents.Count; i++)
            {
                if (contents[i] is null)
                {
                    return $"content {i} of message {index} (counting from 0) is null.";
                }
            }

            index++;
        }

        return options is null ? null : UnwritableOption(options, maxSchemaDepth);
    }

    private static string? UnwritableOption(ChatOptions options, int maxSchemaDepth)
    {
        string? problem = NotFinite(options.Temperature, "ChatOptions.Temperature")
            ?? NotFinite(options.TopP, "ChatOptions.TopP")
            ?? NotFinite(options.FrequencyPenalty, "ChatOptions.FrequencyPenalty")
            ?? NotFinite(options.PresencePenalty, "ChatOptions.PresencePenalty");
        if (problem is not null)
        {
            return problem;
        }

        if (options.Tools is { } tools)
        {
            foreach (AITool? tool in tools)
            {
                if (tool is null)
                {
                    return "ChatOptions.Tools holds a null tool.";
                }

                if (tool is AIFunctionDeclaration function && TooDeep(function.JsonSchema, maxSchemaDepth))
                {
                    return $"the tool '{function.Name}' schema is nested deeper than {maxSchemaDepth} levels, more than a JSON request body can hold.";
                }
            }
        }

        if (options.ResponseFormat is ChatResponseFormatJson { Schema: { } schema } && TooDeep(schema, maxSchemaDepth))
        {
            return $"the ChatOptions.ResponseFormat schema is nested deeper than {maxSchemaDepth} levels, more than a JSON request body can hold.";
        }

        if (options.AdditionalProperties is { } properties)
        {
            foreach (KeyValuePair<string, object?> property in properties)
            {
                problem = property.Value switch
                {
                    double number => NotFinite(number, $"ChatOptions.AdditionalProperties[\"{property.Key}\"]"),
                    float number => NotFinite(number, $"ChatOptions.AdditionalProperties[\"{property.Key}\"]"),
                    _ => null,
                };
                if (problem is not null)
                {
                    return problem;
                }
            }
        }

        return null;
    }

    private static string? NotFinite(double? value, string name) =>
        value is { } number && !double.IsFinite(number)
            ? $"{name} is {number.ToString(CultureInfo.InvariantCulture)}; it must be a finite number."
            : null;

    /// <summary>Whether <paramref name="element"/> nests deeper than <paramref name="limit"/>; looks no deeper than that, without recursion.</summary>
    private static bool TooDeep(JsonElement element, int limit)
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

            if (depth > limit)
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
