using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// Writes prompts and completions in the JSON shape of the GenAI conventions' <c>gen_ai.input.messages</c>,
/// <c>gen_ai.output.messages</c> and <c>gen_ai.system_instructions</c>, with <see cref="Utf8JsonWriter"/> (no reflection).
/// Used only when sensitive data is enabled.
/// </summary>
internal static class MessageContent
{
    /// <summary>Returns the non-system messages and, separately, the system instructions (or <see langword="null"/> when there are none).</summary>
    public static (string Messages, string? SystemInstructions) Input(IEnumerable<ChatMessage> messages)
    {
        var buffer = new ArrayBufferWriter<byte>();
        ArrayBufferWriter<byte>? system = null;
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (ChatMessage message in messages)
            {
                if (message.Role == ChatRole.System)
                {
                    system ??= new ArrayBufferWriter<byte>();
                    continue;
                }

                WriteMessage(writer, message, finishReason: null);
            }

            writer.WriteEndArray();
        }

        string? instructions = null;
        if (system is not null)
        {
            using (var writer = new Utf8JsonWriter(system))
            {
                writer.WriteStartArray();
                foreach (ChatMessage message in messages)
                {
                    if (message.Role == ChatRole.System)
                    {
                        WriteParts(writer, message.Contents);
                    }
                }

                writer.WriteEndArray();
            }

            instructions = Encoding.UTF8.GetString(system.WrittenSpan);
        }

        return (Encoding.UTF8.GetString(buffer.WrittenSpan), instructions);
    }

    /// <summary>Returns the response's messages as output messages.</summary>
    public static string Output(IList<ChatMessage> messages, string? finishReason)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (ChatMessage message in messages)
            {
                WriteMessage(writer, message, finishReason);
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Returns a streamed response's text as one assistant output message.</summary>
    public static string OutputText(string text, string? finishReason)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            writer.WriteStartObject();
            writer.WriteString("role", "assistant");
            writer.WriteStartArray("parts");
            writer.WriteStartObject();
            writer.WriteString("type", "text");
            writer.WriteString("content", text);
            writer.WriteEndObject();
            writer.WriteEndArray();
            if (finishReason is not null)
            {
                writer.WriteString("finish_reason", finishReason);
            }

            writer.WriteEndObject();
            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteMessage(Utf8JsonWriter writer, ChatMessage message, string? finishReason)
    {
        writer.WriteStartObject();
        writer.WriteString("role", message.Role.Value);
        writer.WriteStartArray("parts");
        WriteParts(writer, message.Contents);
        writer.WriteEndArray();
        if (finishReason is not null)
        {
            writer.WriteString("finish_reason", finishReason);
        }

        writer.WriteEndObject();
    }

    private static void WriteParts(Utf8JsonWriter writer, IList<AIContent> contents)
    {
        foreach (AIContent content in contents)
        {
            writer.WriteStartObject();
            switch (content)
            {
                case TextContent text:
                    writer.WriteString("type", "text");
                    writer.WriteString("content", text.Text);
                    break;
                case TextReasoningContent reasoning:
                    writer.WriteString("type", "reasoning");
                    writer.WriteString("content", reasoning.Text);
                    break;
                case FunctionCallContent call:
                    writer.WriteString("type", "tool_call");
                    writer.WriteString("id", call.CallId);
                    writer.WriteString("name", call.Name);
                    if (call.Arguments is { } arguments)
                    {
                        writer.WriteStartObject("arguments");
                        foreach (KeyValuePair<string, object?> argument in arguments)
                        {
                            writer.WritePropertyName(argument.Key);
                            WriteValue(writer, argument.Value);
                        }

                        writer.WriteEndObject();
                    }

                    break;
                case FunctionResultContent result:
                    writer.WriteString("type", "tool_call_response");
                    writer.WriteString("id", result.CallId);
                    writer.WritePropertyName("response");
                    WriteValue(writer, result.Result);
                    break;
                default:
                    writer.WriteString("type", content.GetType().Name.Replace("Content", string.Empty, StringComparison.Ordinal).ToLowerInvariant());
                    break;
            }

            writer.WriteEndObject();
        }
    }

    /// <summary>Writes values JSON knows as such; anything else as its string form, never by reflection.</summary>
    private static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case string text:
                writer.WriteStringValue(text);
                break;
            case bool flag:
                writer.WriteBooleanValue(flag);
                break;
            case JsonElement element:
                element.WriteTo(writer);
                break;
            case int number:
                writer.WriteNumberValue(number);
                break;
            case long number:
                writer.WriteNumberValue(number);
                break;
            case decimal number:
                writer.WriteNumberValue(number);
                break;
            case double number when double.IsFinite(number):
                writer.WriteNumberValue(number);
                break;
            default:
                writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }
}
