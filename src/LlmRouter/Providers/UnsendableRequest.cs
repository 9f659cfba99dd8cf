using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// Says why a request body could not be written, in the caller's terms: which message is null, which option holds a number JSON
/// cannot carry, which tool's schema is nested too deep. Looked for only after writing failed, so requests that can be sent pay nothing.
/// </summary>
internal static class UnsendableRequest
{
    /// <summary>The deepest nesting a request body may have (<see cref="Utf8JsonWriter"/>'s default limit).</summary>
    public const int MaxDepth = 1000;

    /// <summary>The deepest a schema may nest: a request body's limit less the levels around the deepest place a schema is written.</summary>
    public const int MaxSchemaDepth = MaxDepth - 8;

    /// <summary>Describes what in <paramref name="messages"/> or <paramref name="options"/> made writing fail with <paramref name="exception"/>.</summary>
    public static string Describe(IEnumerable<ChatMessage> messages, ChatOptions? options, Exception exception)
    {
        try
        {
            if (FindProblem(messages, options) is { } problem)
            {
                return problem;
            }
        }
        catch (Exception)
        {
            // Looking again can fail as writing did (a sequence that throws when enumerated); the original failure says enough.
        }

        return $"writing the request body failed ({exception.GetType().Name}: {exception.Message})";
    }

    private static string? FindProblem(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        int index = 0;
        foreach (ChatMessage? message in messages)
        {
            if (message is null)
            {
                return $"message {index} (counting from 0) is null; every message in the list must be a ChatMessage.";
            }

            index++;
        }

        if (options is null)
        {
            return null;
        }

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
                if (tool is AIFunctionDeclaration function && TooDeep(function.JsonSchema))
                {
                    return $"the tool '{function.Name}' schema is nested deeper than {MaxSchemaDepth} levels; a JSON request body holds at most {MaxDepth}, the schema's place in it included.";
                }
            }
        }

        if (options.ResponseFormat is ChatResponseFormatJson { Schema: { } schema } && TooDeep(schema))
        {
            return $"the ChatOptions.ResponseFormat schema is nested deeper than {MaxSchemaDepth} levels; a JSON request body holds at most {MaxDepth}, the schema's place in it included.";
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

    /// <summary>Tells whether <paramref name="element"/> nests deeper than a request body may; stops looking at that depth.</summary>
    private static bool TooDeep(JsonElement element) => Depth(element, 0) > MaxSchemaDepth;

    private static int Depth(JsonElement element, int depth)
    {
        int deepest = depth;
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    deepest = Math.Max(deepest, Depth(property.Value, depth + 1));
                    if (deepest > MaxSchemaDepth)
                    {
                        return deepest;
                    }
                }

                return Math.Max(deepest, depth + 1);
            case JsonValueKind.Array:
                foreach (JsonElement item in element.EnumerateArray())
                {
                    deepest = Math.Max(deepest, Depth(item, depth + 1));
                    if (deepest > MaxSchemaDepth)
                    {
                        return deepest;
                    }
                }

                return Math.Max(deepest, depth + 1);
            default:
                return depth;
        }
    }
}
