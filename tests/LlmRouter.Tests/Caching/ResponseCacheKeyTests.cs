using System.Text.Json;
using Microsoft.Extensions.AI;

namespace LlmRouter.Tests.Caching;

/// <summary>The cache key: a SHA-256 of what decides the answer, nothing else.</summary>
public class ResponseCacheKeyTests
{
    private static readonly ChatMessage[] Messages =
    [
        new(ChatRole.System, "You are terse."),
        new(ChatRole.User, "What is the capital of Portugal?"),
        new(ChatRole.Assistant, "Lisbon."),
    ];

    [Fact]
    public void Key_HasTheVersionedPrefixAndNoPromptOrCallerText()
    {
        string key = ResponseCacheKey.Create(Messages, new ChatOptions { Temperature = 0.2f }, "chat", "alice@example.com");

        Assert.StartsWith("llmrouter:cache:v2:", key, StringComparison.Ordinal);
        Assert.Matches("^llmrouter:cache:v2:[0-9a-f]{64}$", key);
        Assert.DoesNotContain("Portugal", key, StringComparison.Ordinal);
        Assert.DoesNotContain("alice", key, StringComparison.Ordinal);
    }

    [Fact]
    public void Key_PropertyOrder_DoesNotChangeIt()
    {
        var first = new ChatOptions { AdditionalProperties = new() { ["a"] = "1", ["b"] = 2, ["c"] = JsonDocument.Parse("{\"x\":1}").RootElement } };
        var second = new ChatOptions { AdditionalProperties = new() { ["c"] = JsonDocument.Parse("{\"x\":1}").RootElement, ["b"] = 2, ["a"] = "1" } };

        Assert.Equal(Key(first), Key(second));
    }

    [Fact]
    public void Key_RouterAndTraceProperties_DoNotEnterIt()
    {
        var plain = new ChatOptions { Temperature = 0.5f };
        var steered = new ChatOptions
        {
            Temperature = 0.5f,
            AdditionalProperties = new()
            {
                [LlmRouterRequestProperties.Caller] = "alice",
                [LlmRouterRequestProperties.RequiredTags] = "eu",
                [LlmRouterRequestProperties.Cache] = "no-cache",
                ["traceparent"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                ["tracestate"] = "vendor=1",
            },
        };

        Assert.Equal(Key(plain), Key(steered));
    }

    [Fact]
    public void Key_TheDeploymentARequestIsHeldTo_EntersIt()
    {
        static ChatOptions On(object deployment) => new() { AdditionalProperties = new() { [LlmRouterRequestProperties.Deployment] = deployment } };

        string any = Key(new ChatOptions());
        string backup = Key(On("backup"));

        Assert.NotEqual(any, backup);
        Assert.NotEqual(backup, Key(On("primary")));
        Assert.Equal(Key(On(new[] { "backup" })), Key(On(new List<string> { "backup" })));
        Assert.NotEqual(Key(On(new[] { "backup" })), Key(On(new[] { "primary" })));
    }

    public static TheoryData<string, ChatOptions> ChangingOptions => new()
    {
        { "temperature", new ChatOptions { Temperature = 0.7f } },
        { "top-p", new ChatOptions { TopP = 0.9f } },
        { "top-k", new ChatOptions { TopK = 5 } },
        { "max tokens", new ChatOptions { MaxOutputTokens = 100 } },
        { "seed", new ChatOptions { Seed = 42 } },
        { "stop", new ChatOptions { StopSequences = ["END"] } },
        { "penalty", new ChatOptions { FrequencyPenalty = 0.5f } },
        { "instructions", new ChatOptions { Instructions = "Be brief." } },
        { "tools", new ChatOptions { Tools = [AIFunctionFactory.Create((string city) => city, "get_weather")] } },
        { "tool mode", new ChatOptions { ToolMode = ChatToolMode.RequireAny } },
        { "parallel tool calls", new ChatOptions { AllowMultipleToolCalls = false } },
        { "response format", new ChatOptions { ResponseFormat = ChatResponseFormat.Json } },
        { "reasoning", new ChatOptions { Reasoning = new ReasoningOptions { Effort = ReasoningEffort.High } } },
        { "provider property", new ChatOptions { AdditionalProperties = new() { ["logprobs"] = true } } },
    };

    [Theory]
    [MemberData(nameof(ChangingOptions))]
    public void Key_AnOptionThatChangesTheAnswer_ChangesIt(string what, ChatOptions options)
    {
        Assert.False(Key(new ChatOptions()) == Key(options), what);
    }

    [Fact]
    public void Key_MessagesRouteAndScope_ChangeIt()
    {
        string key = ResponseCacheKey.Create(Messages, null, "chat", "alice");

        Assert.NotEqual(key, ResponseCacheKey.Create([.. Messages, new ChatMessage(ChatRole.User, "And Spain?")], null, "chat", "alice"));
        Assert.NotEqual(key, ResponseCacheKey.Create([Messages[0], new ChatMessage(ChatRole.User, "What is the capital of Spain?"), Messages[2]], null, "chat", "alice"));
        Assert.NotEqual(key, ResponseCacheKey.Create(Messages, null, "smart", "alice"));
        Assert.NotEqual(key, ResponseCacheKey.Create(Messages, null, "chat", "bob"));
        Assert.NotEqual(key, ResponseCacheKey.Create(Messages, null, "chat", null));
        Assert.NotEqual(ResponseCacheKey.Create(Messages, null, "chat", null), ResponseCacheKey.Create(Messages, null, "chat", string.Empty));
    }

    [Fact]
    public void Key_MessageIdsAndTimes_DoNotChangeIt()
    {
        ChatMessage[] stamped =
        [
            Messages[0],
            new(ChatRole.User, "What is the capital of Portugal?") { MessageId = "m-1", CreatedAt = DateTimeOffset.UnixEpoch },
            Messages[2],
        ];

        Assert.Equal(ResponseCacheKey.Create(Messages, null, "chat", "alice"), ResponseCacheKey.Create(stamped, null, "chat", "alice"));
    }

    [Fact]
    public void Key_ToolCallsInTheConversation_EnterIt()
    {
        ChatMessage[] withCall = [.. Messages, new(ChatRole.Assistant, [new FunctionCallContent("c1", "get_weather", new Dictionary<string, object?> { ["city"] = "Lisbon" })])];
        ChatMessage[] otherCall = [.. Messages, new(ChatRole.Assistant, [new FunctionCallContent("c1", "get_weather", new Dictionary<string, object?> { ["city"] = "Porto" })])];

        Assert.NotEqual(ResponseCacheKey.Create(withCall, null, "chat", null), ResponseCacheKey.Create(otherCall, null, "chat", null));
    }

    private static string Key(ChatOptions options) => ResponseCacheKey.Create(Messages, options, "chat", "alice");
}
