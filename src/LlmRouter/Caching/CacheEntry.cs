using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// The bytes of a stored answer: a header (layout version, expiry, what the call cost) and the <see cref="ChatResponse"/> as
/// Microsoft.Extensions.AI serializes it (source-generated, no reflection).
/// </summary>
/// <remarks>
/// The expiry is checked against the step's <see cref="TimeProvider"/> when read, so the TTL holds whatever the store's own clock
/// says; the store is also given the TTL, so entries leave it on their own (a Redis key always has an expiry). Of the router's
/// response properties only those that say who served (route, deployment, provider, tier, variant) are kept: the request's
/// attempts, fallbacks and cost belong to the call that stored it, and the cost travels in the header as a <see cref="decimal"/>.
/// </remarks>
internal static class CacheEntry
{
    private const byte Layout = 1;

    /// <summary>Layout version (1), expiry in UTC ticks (8), whether the cost is known (1), the cost as a decimal (16).</summary>
    private const int HeaderSize = 26;

    private static readonly JsonTypeInfo<ChatResponse> ResponseInfo = (JsonTypeInfo<ChatResponse>)AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(ChatResponse));

    private static readonly JsonTypeInfo<UsageDetails> UsageInfo = (JsonTypeInfo<UsageDetails>)AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(UsageDetails));

    private static readonly string[] KeptProperties =
        [LlmRouterProperties.Route, LlmRouterProperties.Deployment, LlmRouterProperties.Provider, LlmRouterProperties.Tier, LlmRouterProperties.Variant];

    /// <summary>A buffer kept per thread: an entry is written into it, then copied out once at its final size.</summary>
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>Writes an answer that expires at <paramref name="expires"/> and cost <paramref name="costUsd"/> (unknown when <see langword="null"/>).</summary>
    public static byte[] Write(ChatResponse response, DateTimeOffset expires, decimal? costUsd)
    {
        ArrayBufferWriter<byte> buffer = t_buffer ??= new ArrayBufferWriter<byte>(2048);
        buffer.ResetWrittenCount();
        Utf8JsonWriter writer = t_writer ??= new Utf8JsonWriter(buffer);
        writer.Reset(buffer);
        Span<byte> header = buffer.GetSpan(HeaderSize)[..HeaderSize];
        header[0] = Layout;
        BinaryPrimitives.WriteInt64LittleEndian(header[1..], expires.UtcTicks);
        header[9] = costUsd.HasValue ? (byte)1 : (byte)0;
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(costUsd ?? 0m, bits);
        for (int i = 0; i < 4; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(header[(10 + (i * 4))..], bits[i]);
        }

        buffer.Advance(HeaderSize);
        try
        {
            if (!TryWriteText(writer, response))
            {
                JsonSerializer.Serialize(writer, Stored(response), ResponseInfo);
            }

            writer.Flush();
            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            if (buffer.Capacity > 1024 * 1024)
            {
                // A very large answer's buffer is not kept for the thread's lifetime.
                t_buffer = null;
                t_writer = null;
            }
        }
    }

    /// <summary>Reads an entry; <see langword="false"/> when it expired at or before <paramref name="now"/>.</summary>
    /// <exception cref="InvalidDataException">The bytes are not an entry of this layout.</exception>
    /// <exception cref="JsonException">The answer in the entry is not valid JSON of a <see cref="ChatResponse"/>.</exception>
    public static bool TryRead(byte[] bytes, DateTimeOffset now, out ChatResponse? response, out decimal? costUsd)
    {
        response = null;
        costUsd = null;
        if (bytes.Length <= HeaderSize || bytes[0] != Layout)
        {
            throw new InvalidDataException("The cache entry is not a stored answer of this version.");
        }

        long expires = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(1));
        if (expires <= now.UtcTicks)
        {
            return false;
        }

        if (bytes[9] == 1)
        {
            Span<int> bits = stackalloc int[4];
            for (int i = 0; i < 4; i++)
            {
                bits[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(10 + (i * 4)));
            }

            costUsd = new decimal(bits);
        }

        response = JsonSerializer.Deserialize(bytes.AsSpan(HeaderSize), ResponseInfo)
            ?? throw new InvalidDataException("The cache entry holds no answer.");
        return true;
    }

    /// <summary>
    /// Writes an answer of text only (the common case) as Microsoft.Extensions.AI's serializer writes the answer as stored
    /// (<see cref="Stored"/>), byte for byte (a test compares the two), without the copy or the serializer's per-call and
    /// polymorphism work; <see langword="false"/>, having written nothing, when the answer holds anything else (other contents,
    /// annotations, kept properties that are not text), which the serializer then writes.
    /// </summary>
    internal static bool TryWriteText(Utf8JsonWriter writer, ChatResponse response)
    {
        if (!IsText(response))
        {
            return false;
        }

        IList<ChatMessage> messages = response.Messages;
        writer.WriteStartObject();
        writer.WriteStartArray("messages"u8);
        for (int m = 0; m < messages.Count; m++)
        {
            ChatMessage message = messages[m];
            writer.WriteStartObject();
            if (message.AuthorName is { } author)
            {
                writer.WriteString("authorName"u8, author);
            }

            if (message.CreatedAt is { } messageCreated)
            {
                writer.WriteString("createdAt"u8, messageCreated);
            }

            writer.WriteString("role"u8, message.Role.Value);
            writer.WriteStartArray("contents"u8);
            IList<AIContent> contents = message.Contents;
            for (int c = 0; c < contents.Count; c++)
            {
                writer.WriteStartObject();
                writer.WriteString("$type"u8, "text"u8);
                writer.WriteString("text"u8, ((TextContent)contents[c]).Text);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            if (message.MessageId is { } messageId)
            {
                writer.WriteString("messageId"u8, messageId);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        WriteIfSet(writer, "responseId"u8, response.ResponseId);
        WriteIfSet(writer, "modelId"u8, response.ModelId);
        if (response.CreatedAt is { } created)
        {
            writer.WriteString("createdAt"u8, created);
        }

        if (response.FinishReason is { } finish)
        {
            writer.WriteString("finishReason"u8, finish.Value);
        }

        if (response.Usage is { } usage)
        {
            // Usage as the serializer writes it: its counts grow with Microsoft.Extensions.AI releases.
            writer.WritePropertyName("usage"u8);
            JsonSerializer.Serialize(writer, usage, UsageInfo);
        }

        if (response.AdditionalProperties is { Count: > 0 } properties)
        {
            writer.WriteStartObject("additionalProperties"u8);
            foreach (KeyValuePair<string, object?> property in properties)
            {
                if (Kept(property))
                {
                    writer.WriteString(property.Key, (string)property.Value!);
                }
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        return true;
    }

    /// <summary>Whether <see cref="TryWriteText"/> can write <paramref name="response"/>: text contents and text properties only.</summary>
    private static bool IsText(ChatResponse response)
    {
        if (response.ConversationId is not null || response.ContinuationToken is not null)
        {
            return false;
        }

        IList<ChatMessage> messages = response.Messages;
        for (int m = 0; m < messages.Count; m++)
        {
            if (messages[m].AdditionalProperties is not null)
            {
                return false;
            }

            IList<AIContent> contents = messages[m].Contents;
            for (int c = 0; c < contents.Count; c++)
            {
                AIContent content = contents[c];
                if (content.GetType() != typeof(TextContent) || content.AdditionalProperties is not null || content.Annotations is not null)
                {
                    return false;
                }
            }
        }

        if (response.AdditionalProperties is { } properties)
        {
            foreach (KeyValuePair<string, object?> property in properties)
            {
                if (property.Value is not string && Kept(property))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static void WriteIfSet(Utf8JsonWriter writer, ReadOnlySpan<byte> name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    /// <summary>The answer as stored: the caller's object unchanged, its router properties reduced to who served.</summary>
    internal static ChatResponse Stored(ChatResponse response)
    {
        AdditionalPropertiesDictionary? properties = null;
        if (response.AdditionalProperties is { Count: > 0 } original)
        {
            properties = [];
            foreach (KeyValuePair<string, object?> property in original)
            {
                if (Kept(property))
                {
                    properties[property.Key] = property.Value;
                }
            }
        }

        return new ChatResponse(response.Messages)
        {
            ResponseId = response.ResponseId,
            ModelId = response.ModelId,
            CreatedAt = response.CreatedAt,
            FinishReason = response.FinishReason,
            Usage = response.Usage,
            AdditionalProperties = properties,
        };
    }

    /// <summary>Whether a response property is stored: any but the router's own, and of those only who served, as text.</summary>
    private static bool Kept(KeyValuePair<string, object?> property) =>
        !property.Key.StartsWith("llmrouter.", StringComparison.Ordinal)
        || (property.Value is string && Array.IndexOf(KeptProperties, property.Key) >= 0);
}
