using Anthropic;
using Anthropic.Core;
using Microsoft.Extensions.AI;
using static LlmRouter.Tests.Providers.ProviderTestClients;

namespace LlmRouter.Tests.Providers.Anthropic;

/// <summary>The official Anthropic SDK's <c>AsIChatClient</c>, pointed at the loopback server, serving as one router deployment.</summary>
public sealed class AnthropicSdkInteropTests : IAsyncLifetime
{
    private const string Message = """{"id":"msg_1","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[{"type":"text","text":"Hi from the SDK"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":10,"output_tokens":5}}""";

    private LoopbackServer _server = null!;

    public async Task InitializeAsync() => _server = await LoopbackServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Router_SdkDeployment_ServesTheRequest(bool streaming)
    {
        if (streaming)
        {
            _server.EnqueueEvents(
            [
                Sse.Event("message_start", """{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-haiku-4-5","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":10,"output_tokens":1}}}"""),
                Sse.Event("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"""),
                Sse.Event("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi from the SDK"}}"""),
                Sse.Event("content_block_stop", """{"type":"content_block_stop","index":0}"""),
                Sse.Event("message_delta", """{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":5}}"""),
                Sse.Event("message_stop", """{"type":"message_stop"}"""),
            ]);
        }
        else
        {
            _server.EnqueueJson(Message);
        }

        using IChatClient router = Router();

        ChatResponse response = await CallAsync(router, streaming, Hello);

        Assert.Equal("Hi from the SDK", response.Text);
        RecordedRequest request = Assert.Single(_server.Requests);
        Assert.Equal("/v1/messages", request.Path);
        // SDK 13.x sends the key as a bearer token; either form reaches the same endpoint.
        Assert.Equal("Bearer " + ApiKey, request.Headers["Authorization"]);
        Assert.Equal("claude-haiku-4-5", request.Json.GetProperty("model").GetString());
    }

    public static TheoryData<int, string, ProviderErrorKind> Failures => new()
    {
        { 400, """{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 215000 tokens > 200000 maximum"}}""", ProviderErrorKind.ContextLengthExceeded },
        { 401, """{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}""", ProviderErrorKind.Authentication },
        { 403, """{"type":"error","error":{"type":"permission_error","message":"no access"}}""", ProviderErrorKind.PermissionDenied },
        { 404, """{"type":"error","error":{"type":"not_found_error","message":"model: claude-9"}}""", ProviderErrorKind.NotFound },
        { 429, """{"type":"error","error":{"type":"rate_limit_error","message":"rate limited"}}""", ProviderErrorKind.RateLimited },
        { 500, """{"type":"error","error":{"type":"api_error","message":"Internal server error"}}""", ProviderErrorKind.ServerError },
        { 529, """{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}""", ProviderErrorKind.Overloaded },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task Router_SdkDeploymentFails_ClassifiesWithoutSdkRetriesAndFallsBack(int status, string body, ProviderErrorKind expected)
    {
        foreach (bool streaming in new[] { false, true })
        {
            _server.EnqueueJson(body, status);
            if (streaming)
            {
                _server.EnqueueEvents([Sse.Data("""{"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Hi from the backup"},"finish_reason":"stop"}]}"""), Sse.Done]);
            }
            else
            {
                _server.EnqueueJson("""{"id":"c","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Hi from the backup"},"finish_reason":"stop"}]}""");
            }

            int before = _server.Requests.Count;
            using IChatClient router = Router(withBackup: true);

            (string text, AdditionalPropertiesDictionary? properties) = streaming
                ? await StreamAsync(router)
                : await router.GetResponseAsync(Hello, null, Guard()) is var response ? (response.Text, response.AdditionalProperties) : default;

            // Exactly one call reached the Anthropic endpoint: the SDK did not retry inside the router.
            Assert.Equal(1, _server.Requests.Skip(before).Count(r => r.Path == "/v1/messages"));
            Assert.Equal("Hi from the backup", text);
            Assert.Contains($"sdk: {expected}, HTTP {status}", (string)properties![LlmRouterProperties.FallbackReasons]!, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Router_SdkDeploymentWithoutClassifier_CannotSeeTheStatusCode()
    {
        // Why the classifier exists: the SDK's exceptions are not HttpRequestExceptions and wrap none, so a 529 is "Unknown".
        _server.EnqueueJson("""{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}""", 529);
        var sdk = new AnthropicClient(new ClientOptions { ApiKey = ApiKey, BaseUrl = _server.BaseUri.ToString().TrimEnd('/'), MaxRetries = 0 });
        using IChatClient router = new LlmRouterBuilder().WithoutRetries().AddDeployment("sdk", sdk.AsIChatClient("claude-haiku-4-5", 1024)).Build();

        LlmRouterException error = await Assert.ThrowsAsync<LlmRouterException>(() => router.GetResponseAsync(Hello, null, Guard()));

        Assert.Equal(ProviderErrorKind.Unknown, Assert.Single(error.Attempts).Kind);
    }

    [Fact]
    public async Task Router_SdkErrorEventMidStreamBeforeCommit_FallsBackAsOverloaded()
    {
        _server.EnqueueEvents(
        [
            Sse.Event("message_start", """{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-haiku-4-5","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":10,"output_tokens":1}}}"""),
            Sse.Event("error", """{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}"""),
        ]);
        _server.EnqueueEvents([Sse.Data("""{"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Hi from the backup"},"finish_reason":"stop"}]}"""), Sse.Done]);
        using IChatClient router = Router(withBackup: true);

        List<ChatResponseUpdate> updates = await ReadAllAsync(router.GetStreamingResponseAsync(Hello, null, Guard()));

        Assert.Equal("Hi from the backup", string.Concat(updates.Select(u => u.Text)));
        Assert.Contains("sdk: Overloaded", (string)updates[^1].AdditionalProperties![LlmRouterProperties.FallbackReasons]!, StringComparison.Ordinal);
    }

    private static async Task<(string Text, AdditionalPropertiesDictionary? Properties)> StreamAsync(IChatClient router)
    {
        List<ChatResponseUpdate> updates = await ReadAllAsync(router.GetStreamingResponseAsync(Hello, null, Guard()));
        return (string.Concat(updates.Select(u => u.Text)), updates[^1].AdditionalProperties);
    }

    private IChatClient Router(bool withBackup = false)
    {
        var sdk = new AnthropicClient(new ClientOptions
        {
            ApiKey = ApiKey,
            BaseUrl = _server.BaseUri.ToString().TrimEnd('/'),
            MaxRetries = 0,
        });
        LlmRouterBuilder builder = new LlmRouterBuilder().WithoutRetries()
            .AddErrorClassifier(new AnthropicSdkErrorClassifier())
            .AddDeployment("sdk", sdk.AsIChatClient("claude-haiku-4-5", 1024));
        if (withBackup)
        {
            // A window larger than claude-haiku-4-5's 200K, so the prompt that overflowed it may still fall back here.
            builder.AddDeployment("backup", Create(ProviderTypes.OpenAI, _server.Url("/v1"), "gpt-4o-mini"), d => d.ContextWindow = 1_000_000);
        }

        return builder.Build();
    }
}
