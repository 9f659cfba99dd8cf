using System.Collections;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// JSON the provider request writers share. Above all the loosely typed values of <c>AdditionalProperties</c>, function
/// arguments and function results: primitives, JSON DOM types, dictionaries and lists directly; anything else through the
/// type information Microsoft.Extensions.AI registers (<see cref="AIJsonUtilities.DefaultOptions"/>), never through
/// reflection of our own. Also string arrays and function declarations, which every wire format writes alike.
/// </summary>
internal static class JsonValues
{
    private const int MaxDepth = 64;

    public static void Write(Utf8JsonWriter writer, object? value) => Write(writer, value, 0);

    /// <summary>Writes <paramref name="values"/> as an array of strings named <paramref name="name"/>.</summary>
    public static void WriteStrings(Utf8JsonWriter writer, ReadOnlySpan<byte> name, IList<string> values)
    {
        writer.WriteStartArray(name);
        for (int i = 0; i < values.Count; i++)
        {
            writer.WriteStringValue(values[i]);
        }

        writer.WriteEndArray();
    }

    /// <summary>
    /// Writes the members every wire format declares a function with, into the object the caller opened: its name, its
    /// description when it has one, and its JSON schema under <paramref name="schemaName"/>.
    /// </summary>
    public static void WriteFunction(Utf8JsonWriter writer, AIFunctionDeclaration function, ReadOnlySpan<byte> schemaName)
    {
        writer.WriteString("name"u8, function.Name);
        if (!string.IsNullOrEmpty(function.Description))
        {
            writer.WriteString("description"u8, function.Description);
        }

        writer.WritePropertyName(schemaName);
        function.JsonSchema.WriteTo(writer);
    }

    /// <summary>Writes <paramref name="properties"/> as members of the object being written, skipping none.</summary>
    public static void WriteProperties(Utf8JsonWriter writer, AdditionalPropertiesDictionary? properties)
    {
        if (properties is null)
        {
            return;
        }

        foreach (KeyValuePair<string, object?> property in properties)
        {
            writer.WritePropertyName(property.Key);
            Write(writer, property.Value, 0);
        }
    }

    /// <summary>Whether the caller's <c>AdditionalProperties</c> set <paramref name="name"/>, in which case theirs is sent instead of ours.</summary>
    public static bool Overrides(AdditionalPropertiesDictionary? properties, string name) =>
        properties is not null && properties.ContainsKey(name);

    /// <summary>Serializes <paramref name="value"/> to a JSON string (for OpenAI's <c>arguments</c> and tool results).</summary>
    public static string ToJsonString(object? value)
    {
        switch (value)
        {
            case null:
                return "null";
            case string text:
                return text;
            case JsonElement element:
                return element.GetRawText();
        }

        // Called while a request body is being written, so the per-thread request writer is busy: this one is separate.
        using var buffer = new JsonRequestContent();
        using (var writer = new Utf8JsonWriter((System.Buffers.IBufferWriter<byte>)buffer, JsonRequestContent.WriterOptions))
        {
            Write(writer, value, 0);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.Written);
    }

    private static void Write(Utf8JsonWriter writer, object? value, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new JsonException($"A value nested more than {MaxDepth} levels deep cannot be sent.");
        }

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
            case int number:
                writer.WriteNumberValue(number);
                break;
            case long number:
                writer.WriteNumberValue(number);
                break;
            case double number:
                writer.WriteNumberValue(number);
                break;
            case float number:
                writer.WriteNumberValue(number);
                break;
            case decimal number:
                writer.WriteNumberValue(number);
                break;
            case short or byte or sbyte or ushort or uint:
                writer.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case ulong number:
                writer.WriteNumberValue(number);
                break;
            case JsonElement element:
                element.WriteTo(writer);
                break;
            case JsonDocument document:
                document.RootElement.WriteTo(writer);
                break;
            case JsonNode node:
                node.WriteTo(writer);
                break;
            case DateTimeOffset moment:
                writer.WriteStringValue(moment);
                break;
            case DateTime instant:
                writer.WriteStringValue(instant);
                break;
            case Guid id:
                writer.WriteStringValue(id);
                break;
            case Enum:
                writer.WriteStringValue(value.ToString());
                break;
            case IEnumerable<KeyValuePair<string, object?>> map:
                writer.WriteStartObject();
                foreach (KeyValuePair<string, object?> pair in map)
                {
                    writer.WritePropertyName(pair.Key);
                    Write(writer, pair.Value, depth + 1);
                }

                writer.WriteEndObject();
                break;
            case IEnumerable<KeyValuePair<string, string>> map:
                writer.WriteStartObject();
                foreach (KeyValuePair<string, string> pair in map)
                {
                    writer.WriteString(pair.Key, pair.Value);
                }

                writer.WriteEndObject();
                break;
            case IDictionary dictionary:
                writer.WriteStartObject();
                foreach (DictionaryEntry entry in dictionary)
                {
                    writer.WritePropertyName(Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty);
                    Write(writer, entry.Value, depth + 1);
                }

                writer.WriteEndObject();
                break;
            case IEnumerable list:
                writer.WriteStartArray();
                foreach (object? item in list)
                {
                    Write(writer, item, depth + 1);
                }

                writer.WriteEndArray();
                break;
            default:
                JsonSerializer.Serialize(writer, value, AIJsonUtilities.DefaultOptions.GetTypeInfo(value.GetType()));
                break;
        }
    }
}
