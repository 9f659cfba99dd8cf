using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.AI;

namespace LlmRouter.Tests.Caching;

public class CacheEntryTests
{
    private static readonly JsonTypeInfo<ChatResponse> ResponseInfo = (JsonTypeInfo<ChatResponse>)AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(ChatResponse));

    public static TheoryData<string, ChatResponse> TextAnswers => new()
    {
        { "bare", new ChatResponse(new ChatMessage(ChatRole.Assistant, "Hi")) },
        { "only router properties", new ChatResponse(new ChatMessage(ChatRole.Assistant, "Hi")) { AdditionalProperties = new() { [LlmRouterProperties.CostUsd] = 0.1m } } },
        {
            "every field",
            new ChatResponse(new ChatMessage(ChatRole.Assistant, "You need your valid \"Portuguese\" passport é 😀 <b>&</b>\n\ttab") { MessageId = "m1", AuthorName = "bot", CreatedAt = DateTimeOffset.UnixEpoch })
            {
                ResponseId = "resp-1",
                ModelId = "gpt-4o",
                CreatedAt = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(2)),
                FinishReason = ChatFinishReason.Stop,
                Usage = new UsageDetails { InputTokenCount = 48, OutputTokenCount = 32, TotalTokenCount = 80, CachedInputTokenCount = 5, ReasoningTokenCount = 2, AdditionalCounts = new() { ["cache_write"] = 3, ["é"] = 1 } },
                AdditionalProperties = new()
                {
                    [LlmRouterProperties.Route] = "default",
                    [LlmRouterProperties.CostUsd] = 0.25m,
                    [LlmRouterProperties.Attempts] = 2,
                    ["system_fingerprint"] = "fp_\"1\"",
                },
            }
        },
        {
            "several messages and parts",
            new ChatResponse([new ChatMessage(ChatRole.Assistant, [new TextContent("a"), new TextContent("")]), new ChatMessage(new ChatRole("custom"), "b")])
            {
                FinishReason = new ChatFinishReason("custom"),
                Usage = new UsageDetails { OutputTokenCount = 1 },
            }
        },
    };

    [Theory]
    [MemberData(nameof(TextAnswers))]
    public void TryWriteText_TextAnswer_WritesWhatTheSerializerWrites(string what, ChatResponse response)
    {
        string expected = Json(w => JsonSerializer.Serialize(w, CacheEntry.Stored(response), ResponseInfo));

        string written = Json(w => Assert.True(CacheEntry.TryWriteText(w, response), what));

        Assert.Equal(expected, written);
    }

    [Fact]
    public void TryWriteText_OtherContentOrPropertyValues_LeavesItToTheSerializer()
    {
        var call = new ChatResponse(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c1", "f")]));
        var number = new ChatResponse(new ChatMessage(ChatRole.Assistant, "x")) { AdditionalProperties = new() { ["n"] = 1 } };
        var annotated = new ChatResponse(new ChatMessage(ChatRole.Assistant, [new TextContent("x") { AdditionalProperties = new() { ["k"] = "v" } }]));

        Assert.Equal(string.Empty, Json(w => Assert.False(CacheEntry.TryWriteText(w, call))));
        Assert.Equal(string.Empty, Json(w => Assert.False(CacheEntry.TryWriteText(w, number))));
        Assert.Equal(string.Empty, Json(w => Assert.False(CacheEntry.TryWriteText(w, annotated))));
    }

    [Fact]
    public void WriteThenRead_TextAnswer_RoundTrips()
    {
        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, "Hi é")) { ModelId = "m", FinishReason = ChatFinishReason.Stop, Usage = new UsageDetails { InputTokenCount = 3 } };

        byte[] entry = CacheEntry.Write(response, DateTimeOffset.UnixEpoch.AddDays(1), 0.5m);

        Assert.True(CacheEntry.TryRead(entry, DateTimeOffset.UnixEpoch, out ChatResponse? read, out decimal? cost));
        Assert.Equal(("Hi é", "m", ChatFinishReason.Stop, 3L, 0.5m), (read!.Text, read.ModelId, read.FinishReason, read.Usage!.InputTokenCount, cost));
    }

    private static string Json(Action<Utf8JsonWriter> write)
    {
        var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            write(writer);
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
