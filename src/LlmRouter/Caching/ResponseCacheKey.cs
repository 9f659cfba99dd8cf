using System.Buffers;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// The cache key of a request: <see cref="ResponseCacheConstants.KeyPrefix"/> and the SHA-256 of a canonical form of what decides
/// the answer, so no prompt text and no caller key appears in a key.
/// </summary>
/// <remarks>
/// The canonical form is JSON written in a fixed order, with one- or two-letter property names and only the escaping JSON itself
/// needs (fewer bytes to hash: the digest's cost grows with them): the route, the scope (the caller key, or none when shared), the instructions,
/// each message (role, author, contents; not its id or time), and the options that change the output (temperature, top-p, top-k,
/// max tokens, penalties, seed, stop sequences, tools, tool mode, parallel tool calls, response format, reasoning). Other
/// additional properties enter sorted by name, so their order does not change the key; the router's own <c>llmrouter.*</c>
/// properties (but for <see cref="LlmRouterRequestProperties.Deployment"/>, which holds a request to some deployments) and the trace context (<c>traceparent</c>, <c>tracestate</c>, <c>baggage</c>) do not enter. The writer, its buffer
/// and the digest are kept per thread, so building a key allocates only the key string.
/// </remarks>
internal static class ResponseCacheKey
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>A digest kept per thread: reusing it saves about a fifth of hashing a typical request (measured: 0.81 µs vs 1.04 µs for 520 bytes).</summary>
    [ThreadStatic]
    private static IncrementalHash? t_hash;

    private static readonly JsonTypeInfo ContentInfo = AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(AIContent));

    /// <summary>Builds the key of a request.</summary>
    /// <param name="messages">The request's messages.</param>
    /// <param name="options">The request's options.</param>
    /// <param name="route">The route asked for, or the default route's name.</param>
    /// <param name="scope">The caller key of a caller-scoped entry, or <see langword="null"/> for a shared one.</param>
    public static string Create(IEnumerable<ChatMessage> messages, ChatOptions? options, string? route, string? scope)
    {
        ArrayBufferWriter<byte> buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        Utf8JsonWriter writer = t_writer ??= new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        writer.Reset(buffer);
        try
        {
            Write(writer, messages, options, route, scope);
            writer.Flush();
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            IncrementalHash digest = t_hash ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            digest.AppendData(buffer.WrittenSpan);
            digest.GetHashAndReset(hash);
            return string.Create(ResponseCacheConstants.KeyPrefix.Length + (hash.Length * 2), hash, static (chars, bytes) =>
            {
                ResponseCacheConstants.KeyPrefix.CopyTo(chars);
                Convert.TryToHexStringLower(bytes, chars[ResponseCacheConstants.KeyPrefix.Length..], out _);
            });
        }
        finally
        {
            if (buffer.Capacity > 1024 * 1024)
            {
                // A very large request's buffer is not kept for the thread's lifetime.
                t_buffer = null;
                t_writer = null;
            }
        }
    }

    private static void Write(Utf8JsonWriter writer, IEnumerable<ChatMessage> messages, ChatOptions? options, string? route, string? scope)
    {
        writer.WriteStartObject();
        writer.WriteString("r"u8, route);
        writer.WriteString("s"u8, scope);
        if (options?.AdditionalProperties is { Count: > 0 } properties
            && properties.TryGetValue(LlmRouterRequestProperties.Deployment, out object? deployment) && deployment is not null)
        {
            // A request held to some deployments is answered by them only: an answer another deployment gave is not its answer.
            writer.WritePropertyName("d"u8);
            if (deployment is not string && deployment is IEnumerable<string> names)
            {
                writer.WriteStartArray();
                foreach (string name in names)
                {
                    writer.WriteStringValue(name);
                }

                writer.WriteEndArray();
            }
            else
            {
                WriteValue(writer, deployment);
            }
        }

        if (options?.Instructions is { } instructions)
        {
            writer.WriteString("i"u8, instructions);
        }

        writer.WriteStartArray("m"u8);
        if (messages is IList<ChatMessage> list)
        {
            // Indexed: an interface's enumerator would be allocated for the list and for each message's contents.
            for (int i = 0; i < list.Count; i++)
            {
                WriteMessage(writer, list[i]);
            }
        }
        else
        {
            foreach (ChatMessage message in messages)
            {
                WriteMessage(writer, message);
            }
        }

        writer.WriteEndArray();
        if (options is not null)
        {
            WriteOptions(writer, options);
        }

        writer.WriteEndObject();
    }

    private static void WriteMessage(Utf8JsonWriter writer, ChatMessage message)
    {
        writer.WriteStartObject();
        writer.WriteString("r"u8, message.Role.Value);
        if (message.AuthorName is { } author)
        {
            writer.WriteString("a"u8, author);
        }

        writer.WriteStartArray("c"u8);
        IList<AIContent> contents = message.Contents;
        for (int i = 0; i < contents.Count; i++)
        {
            if (contents[i] is TextContent text)
            {
                writer.WriteStringValue(text.Text);
            }
            else
            {
                JsonSerializer.Serialize(writer, contents[i], ContentInfo);
            }
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteOptions(Utf8JsonWriter writer, ChatOptions options)
    {
        WriteNumber(writer, "t"u8, options.Temperature);
        WriteNumber(writer, "tp"u8, options.TopP);
        WriteNumber(writer, "tk"u8, options.TopK);
        WriteNumber(writer, "mt"u8, options.MaxOutputTokens);
        WriteNumber(writer, "fp"u8, options.FrequencyPenalty);
        WriteNumber(writer, "pp"u8, options.PresencePenalty);
        if (options.Seed is { } seed)
        {
            writer.WriteNumber("sd"u8, seed);
        }

        if (options.StopSequences is { Count: > 0 } stops)
        {
            writer.WriteStartArray("st"u8);
            foreach (string stop in stops)
            {
                writer.WriteStringValue(stop);
            }

            writer.WriteEndArray();
        }

        if (options.AllowMultipleToolCalls is { } parallel)
        {
            writer.WriteBoolean("pt"u8, parallel);
        }

        if (options.Tools is { Count: > 0 } tools)
        {
            writer.WriteStartArray("tl"u8);
            foreach (AITool tool in tools)
            {
                writer.WriteStartObject();
                writer.WriteString("y"u8, tool.GetType().FullName);
                writer.WriteString("n"u8, tool.Name);
                writer.WriteString("d"u8, tool.Description);
                if (tool is AIFunctionDeclaration function)
                {
                    writer.WritePropertyName("j"u8);
                    function.JsonSchema.WriteTo(writer);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        switch (options.ToolMode)
        {
            case RequiredChatToolMode required:
                writer.WriteString("tm"u8, "required:" + required.RequiredFunctionName);
                break;
            case NoneChatToolMode:
                writer.WriteString("tm"u8, "none"u8);
                break;
            case AutoChatToolMode:
                writer.WriteString("tm"u8, "auto"u8);
                break;
        }

        switch (options.ResponseFormat)
        {
            case ChatResponseFormatJson json:
                writer.WriteStartObject("f"u8);
                writer.WriteString("n"u8, json.SchemaName);
                writer.WriteString("d"u8, json.SchemaDescription);
                if (json.Schema is { } schema)
                {
                    writer.WritePropertyName("j"u8);
                    schema.WriteTo(writer);
                }

                writer.WriteEndObject();
                break;
            case ChatResponseFormatText:
                writer.WriteString("f"u8, "text"u8);
                break;
        }

        if (options.Reasoning is { } reasoning)
        {
            writer.WriteStartObject("re"u8);
            if (reasoning.Effort is { } effort)
            {
                writer.WriteString("e"u8, effort.ToString());
            }

            if (reasoning.Output is { } output)
            {
                writer.WriteString("o"u8, output.ToString());
            }

            writer.WriteEndObject();
        }

        if (options.AdditionalProperties is { Count: > 0 } properties)
        {
            WriteProperties(writer, properties);
        }
    }

    private static void WriteProperties(Utf8JsonWriter writer, AdditionalPropertiesDictionary properties)
    {
        string[]? names = null;
        int count = 0;
        foreach (KeyValuePair<string, object?> property in properties)
        {
            if (Keyed(property.Key))
            {
                names ??= ArrayPool<string>.Shared.Rent(properties.Count);
                names[count++] = property.Key;
            }
        }

        if (names is null)
        {
            return;
        }

        Array.Sort(names, 0, count, StringComparer.Ordinal);
        writer.WriteStartObject("p"u8);
        for (int i = 0; i < count; i++)
        {
            writer.WritePropertyName(names[i]);
            WriteValue(writer, properties[names[i]]);
        }

        writer.WriteEndObject();
        ArrayPool<string>.Shared.Return(names, clearArray: true);
    }

    /// <summary>Tells whether an additional property enters the key: not the router's own, not the trace context.</summary>
    private static bool Keyed(string name) =>
        !name.StartsWith("llmrouter.", StringComparison.Ordinal)
        && !string.Equals(name, "traceparent", StringComparison.OrdinalIgnoreCase)
        && !string.Equals(name, "tracestate", StringComparison.OrdinalIgnoreCase)
        && !string.Equals(name, "baggage", StringComparison.OrdinalIgnoreCase);

    private static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                return;
            case string text:
                writer.WriteStringValue(text);
                return;
            case bool flag:
                writer.WriteBooleanValue(flag);
                return;
            case JsonElement element:
                element.WriteTo(writer);
                return;
        }

        // Values of other types are written as M.E.AI serializes them; a type it cannot serialize is keyed by its text.
        if (AIJsonUtilities.DefaultOptions.TryGetTypeInfo(value.GetType(), out JsonTypeInfo? info))
        {
            JsonSerializer.Serialize(writer, value, info);
        }
        else
        {
            writer.WriteStringValue(value.GetType().FullName + ":" + Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    private static void WriteNumber(Utf8JsonWriter writer, ReadOnlySpan<byte> name, float? value)
    {
        if (value is { } number)
        {
            writer.WriteNumber(name, number);
        }
    }

    private static void WriteNumber(Utf8JsonWriter writer, ReadOnlySpan<byte> name, int? value)
    {
        if (value is { } number)
        {
            writer.WriteNumber(name, number);
        }
    }
}
