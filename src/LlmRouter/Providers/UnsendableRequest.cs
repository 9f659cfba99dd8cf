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
            if (RequestProblems.Unwritable(messages, options, MaxSchemaDepth) is { } problem)
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
}
