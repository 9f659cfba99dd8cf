using System.Text.Json;
using Microsoft.Extensions.AI;
using static LlmRouter.Tests.Providers.ProviderTestClients;

namespace LlmRouter.Tests.Providers.Anthropic;

public sealed class AnthropicChatClientTests : IAsyncLifetime
{
    // Transcribed from the Messages API reference (response example), with prompt-caching usage.
    private const string Message = """
        {
          "id": "msg_013Zva2CMHLNnXjNJJKqJ2EF",
          "type": "message",
          "role": "assistant",
          "model": "claude-sonnet-4-5-20250929",
          "content": [
            { "type": "thinking", "thinking": "The user greets me.", "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3h" },
            { "type": "text", "text": "Hi! My name is Claude." }
          ],
          "stop_reason": "end_turn",
          "stop_sequence": null,
          "usage": { "input_tokens": 2095, "output_tokens": 503, "cache_creation_input_tokens": 100, "cache_read_input_tokens": 1000 }
        }
        """;

    private LoopbackServer _server = null!;

    public async Task InitializeAsync() => _server = await LoopbackServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task GetResponseAsync_Message_SendsRequestAndParsesEveryField()
    {
        _server.EnqueueJson(Message);
        using IChatClient client = Create(ProviderTypes.Anthropic, _server.BaseUri, "claude-sonnet-4-5");

        ChatResponse response = await client.GetResponseAsync([new(ChatRole.System, "Be brief."), new(ChatRole.User, "Hello")], null, Guard());

        RecordedRequest request = _server.LastRequest;
        Assert.Equal("/v1/messages", request.Path);
        Assert.Equal(ApiKey, request.Headers["x-api-key"]);
        Assert.Equal("2023-06-01", request.Headers["anthropic-version"]);
        Assert.False(request.Headers.ContainsKey("Authorization"));
        JsonElement body = request.Json;
        Assert.Equal("claude-sonnet-4-5", body.GetProperty("model").GetString());
        Assert.Equal(4096, body.GetProperty("max_tokens").GetInt32());
        Assert.Equal("""[{"type":"text","text":"Be brief."}]""", body.GetProperty("system").GetRawText());
        Assert.Equal("""[{"role":"user","content":[{"type":"text","text":"Hello"}]}]""", body.GetProperty("messages").GetRawText());

        Assert.Equal("Hi! My name is Claude.", response.Text);
        TextReasoningContent thinking = Assert.Single(response.Messages.Single().Contents.OfType<TextReasoningContent>());
        Assert.Equal(("The user greets me.", "EqQBCgIYAhIM1gbcDa9GJwZA2b3h"), (thinking.Text, thinking.ProtectedData));
        Assert.Equal("msg_013Zva2CMHLNnXjNJJKqJ2EF", response.ResponseId);
        Assert.Equal("claude-sonnet-4-5-20250929", response.ModelId);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal(3195, response.Usage!.InputTokenCount);
        Assert.Equal(1000, response.Usage.CachedInputTokenCount);
        Assert.Equal(100, response.Usage.AdditionalCounts!["CacheWriteInputTokenCount"]);
        Assert.Equal(503, response.Usage.OutputTokenCount);
        Assert.Equal(3698, response.Usage.TotalTokenCount);
    }

    [Fact]
    public async Task GetResponseAsync_CacheCreationSplit_ReportsOneHourWritesApart()
    {
        _server.EnqueueJson(Message.Replace(
            "\"cache_creation_input_tokens\": 100,",
            "\"cache_creation_input_tokens\": 100, \"cache_creation\": { \"ephemeral_5m_input_tokens\": 60, \"ephemeral_1h_input_tokens\": 40 },",
            StringComparison.Ordinal));
        using IChatClient client = Create(ProviderTypes.Anthropic, _server.BaseUri, "claude-sonnet-4-5");

        ChatResponse response = await client.GetResponseAsync(Hello, cancellationToken: Guard());

        Assert.Equal(100, response.Usage!.AdditionalCounts!["CacheWriteInputTokenCount"]);
        Assert.Equal(40, response.Usage.AdditionalCounts["ExtendedCacheWriteInputTokenCount"]);
        Assert.Equal(3195, response.Usage.InputTokenCount);
    }

    [Fact]
    public async Task GetResponseAsync_AllOptions_WritesEveryRequestField()
    {
        _server.EnqueueJson(Message);
        using IChatClient client = Create(ProviderTypes.Anthropic, _server.BaseUri, "claude-sonnet-4-5", apiVersion: "2024-01-01", defaultMaxOutputTokens: 1000);
        AIFunctionDeclaration weather = AIFunctionFactory.CreateDeclaration(
            "get_weather", "Gets the weather", JsonDocument.Parse("""{"type":"object","properties":{"location":{"type":"string"}}}""").RootElement);
        var options = new ChatOptions
        {
            Instructions = "Answer in French.",
            Temperature = 0.2f,
            TopP = 0.9f,
            TopK = 40,
            StopSequences = ["END"],
            Tools = [weather],
            ToolMode = ChatToolMode.RequireSpecific("get_weather"),
            AllowMultipleToolCalls = false,
            Reasoning = new ReasoningOptions { Effort = ReasoningEffort.Low },
            AdditionalProperties = new() { ["metadata"] = new Dictionary<string, object?> { ["user_id"] = "u-1" } },
        };
        ChatMessage[] messages =
        [
            new(ChatRole.System, "Be brief."),
            new(ChatRole.User, [new TextContent("What is this?"), new DataContent(new byte[] { 1, 2, 3 }, "image/png"), new UriContent(new Uri("https://example.com/a.jpg"), "image/jpeg")]),
            new(ChatRole.Assistant, [new TextReasoningContent("hmm") { ProtectedData = "sig" }, new FunctionCallContent("toolu_1", "get_weather", new Dictionary<string, object?> { ["location"] = "Paris" })]),
            new(ChatRole.Tool, [new FunctionResultContent("toolu_1", "18C")]),
        ];

        await client.GetResponseAsync(messages, options, Guard());

        RecordedRequest request = _server.LastRequest;
        Assert.Equal("2024-01-01", request.Headers["anthropic-version"]);
        JsonElement body = request.Json;
        Assert.Equal(2024, body.GetProperty("max_tokens").GetInt32());
        Assert.Equal("""{"type":"enabled","budget_tokens":1024}""", body.GetProperty("thinking").GetRawText());
        Assert.Equal("""[{"type":"text","text":"Answer in French."},{"type":"text","text":"Be brief."}]""", body.GetProperty("system").GetRawText());
        JsonElement sent = body.GetProperty("messages");
        Assert.Equal(3, sent.GetArrayLength());
        JsonElement user = sent[0].GetProperty("content");
        Assert.Equal("""{"type":"image","source":{"type":"base64","media_type":"image/png","data":"AQID"}}""", user[1].GetRawText());
        Assert.Equal("""{"type":"image","source":{"type":"url","url":"https://example.com/a.jpg"}}""", user[2].GetRawText());
        Assert.Equal("""{"role":"assistant","content":[{"type":"thinking","thinking":"hmm","signature":"sig"},{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"location":"Paris"}}]}""", sent[1].GetRawText());
        Assert.Equal("""{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"18C"}]}""", sent[2].GetRawText());
        Assert.Equal(0.2, body.GetProperty("temperature").GetDouble(), 3);
        Assert.Equal(0.9, body.GetProperty("top_p").GetDouble(), 3);
        Assert.Equal(40, body.GetProperty("top_k").GetInt32());
        Assert.Equal("""["END"]""", body.GetProperty("stop_sequences").GetRawText());
        Assert.Equal("""[{"name":"get_weather","description":"Gets the weather","input_schema":{"type":"object","properties":{"location":{"type":"string"}}}}]""", body.GetProperty("tools").GetRawText());
        Assert.Equal("""{"type":"tool","name":"get_weather","disable_parallel_tool_use":true}""", body.GetProperty("tool_choice").GetRawText());
        Assert.Equal("""{"user_id":"u-1"}""", body.GetProperty("metadata").GetRawText());
    }

    [Fact]
    public async Task GetResponseAsync_JsonSchemaResponseFormat_WritesOutputConfigFormat()
    {
        _server.EnqueueJson(Message);
        using IChatClient client = Create(ProviderTypes.Anthropic, _server.BaseUri, "claude-sonnet-4-5");
        JsonElement schema = JsonDocument.Parse("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}""").RootElement;

        await client.GetResponseAsync(Hello, new ChatOptions { ResponseFormat = ChatResponseFormat.ForJsonSchema(schema, "place") }, Guard());

        Assert.Equal(
            """{"format":{"type":"json_schema","schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}}}""",
            _server.LastRequest.Json.GetProperty("output_config").GetRawText());
    }

    [Fact]
    public async Task GetResponseAsync_JsonWithoutSchemaOrOutputConfigGiven_WritesNoOutputConfigOfItsOwn()
    {
        _server.EnqueueJson(Message);
        _server.EnqueueJson(Message);
        using IChatClient client = Create(ProviderTypes.Anthropic, _server.BaseUri, "claude-sonnet-4-5");
        JsonElement schema = JsonDocument.Parse("""{"type":"object"}""").RootElement;

        // Anthropic has no JSON mode without a schema: nothing is sent for it.
        await client.GetResponseAsync(Hello, new ChatOptions { ResponseFormat = ChatResponseFormat.Json }, Guard());
        Assert.False(_server.LastRequest.Json.TryGetProperty("output_config", out _));

        // An output_config the caller passes through AdditionalProperties wins over the translated schema.
        var options = new ChatOptions
        {
            ResponseFormat = ChatResponseFormat.ForJsonSchema(schema),
            AdditionalProperties = new() { ["output_config"] = new Dictionary<string, object?> { ["effort"] = "low" } },
        };
        await client.GetResponseAsync(Hello, options, Guard());
        Assert.Equal("""{"effort":"low"}""", _server.LastRequest.Json.GetProperty("output_config").GetRawText());
    }

    [Theory]
    [InlineData("auto", """{"type":"auto"}""")]
    [InlineData("none", """{"type":"none"}""")]
    [InlineData("required", """{"type":"any"}""")]
    public async Task GetResponseAsync_ToolMode_WritesToolChoice(string mode, string expected)
    {
        _server.EnqueueJson(Message);
        using IChatClient client = Create(ProviderTypes.Anthropic, _server.BaseUri);
        ChatToolMode toolMode = mode switch { "auto" => ChatToolMode.Auto, "none" => ChatToolMode.None, _ => ChatToolMode.RequireAny };

        await client.GetResponseAsync(Hello, new ChatOptions { Tools = [AIFunctionFactory.Create(() => 1, "one")], ToolMode = toolMode }, Guard());

        Assert.Equal(expected, _server.LastRequest.Json.GetProperty("tool_choice").GetRawText());
    }

    [Fact]
    public async Task GetStreamingResponseAsync_TextStream_YieldsTextFinishReasonAndUsage()
    {
        // Transcribed from the streaming reference's basic example.
        _server.EnqueueEvents(
        [
            Sse.Event("message_start", """{"type": "message_start", "message": {"id": "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY", "type": "message", "role": "assistant", "content": [], "model": "claude-opus-4-6", "stop_reason": null, "stop_sequence": null, "usage": {"input_tokens": 25, "output_tokens": 1, "cache_read_input_tokens": 5}}}"""),
            Sse.Event("content_block_start", """{"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}"""),
            Sse.Event("ping", """{"type": "ping"}"""),
            Sse.Event("content_block_delta", """{"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hello"}}"""),
            Sse.Event("content_block_delta", """{"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "!"}}"""),
            Sse.Event("content_block_stop", """{"type": "content_block_stop", "index": 0}"""),
            Sse.Event("message_delta", """{"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence":null}, "usage": {"output_tokens": 15}}"""),
            Sse.Event("message_stop", """{"type": "message_stop"}"""),
        ]);
        using IChatClient client = Create(ProviderTypes.Anthropic, _server.BaseUri);

        List<ChatResponseUpdate> updates = await ReadAllAsync(client.GetStreamingResponseAsync(Hello, null, Guard()));

        Assert.True(_server.LastRequest.Json.GetProperty("stream").GetBoolean());
        Assert.Equal(["Hello", "!", ""], updates.Select(u => u.Text));
        Assert.All(updates, u => Assert.Equal("msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY", u.ResponseId));
        Assert.All(updates, u => Assert.Equal("claude-opus-4-6", u.ModelId));
        Assert.Equal(ChatFinishReason.Stop, updates[^1].FinishReason);
        UsageDetails usage = Assert.IsType<UsageContent>(Assert.Single(updates[^1].Contents)).Details;
        Assert.Equal((30L, 15L, 5L), (usage.InputTokenCount!.Value, usage.OutputTokenCount!.Value, usage.CachedInputTokenCount!.Value));
    }

    [Fact]
    public async Task GetStreamingResponseAsync_SeveralMessageDeltas_YieldsOneUsageCombiningStartAndTheLastDelta()
    {
        // message_start carries the input counts, each message_delta the output so far: one usage, at the end.
        _server.EnqueueEvents(
        [
            Sse.Event("message_start", """{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5","usage":{"input_tokens":25,"output_tokens":1,"cache_read_input_tokens":5,"cache_creation_input_tokens":10}}}"""),
            Sse.Event("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"""),
            Sse.Event("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}"""),
            Sse.Event("message_delta", """{"type":"message_delta","delta":{"stop_reason":null},"usage":{"output_tokens":8}}"""),
            Sse.Event("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" again"}}"""),
            Sse.Event("content_block_stop", """{"type":"content_block_stop","index":0}"""),
            Sse.Event("message_delta", """{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}"""),
            Sse.Event("message_stop", """{"type":"message_stop"}"""),
        ]);
        using IChatClient client = Create(ProviderTypes.Anthropic, _server.BaseUri);

        List<ChatResponseUpdate> updates = await ReadAllAsync(client.GetStreamingResponseAsync(Hello, null, Guard()));

        UsageContent usage = Assert.Single(updates.SelectMany(u => u.Contents).OfType<UsageContent>());
        Assert.Same(usage, Assert.Single(updates[^1].Contents));
        Assert.Equal(ChatFinishReason.Stop, updates[^1].FinishReason);
        Assert.Equal((40L, 15L, 5L, 55L), (usage.Details.InputTokenCount!.Value, usage.Details.OutputTokenCount!.Value, usage.Details.CachedInputTokenCount!.Value, usage.Details.TotalTokenCount!.Value));
        Assert.Equal(15, updates.ToChatResponse().Usage!.OutputTokenCount);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ToolUseAndThinkingBlocks_ReassemblesCallsAndSignatures()
    {
        _server.EnqueueEvents(
        [
            Sse.Event("message_start", """{"type":"message_start","message":{"id":"msg_014p7gG3wDgGV9EUtLvnow3U","type":"message","role":"assistant","model":"claude-sonnet-4-5","stop_sequence":null,"usage":{"input_tokens":472,"output_tokens":2},"content":[],"stop_reason":null}}"""),
            Sse.Event("content_block_start", """{"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": ""}}"""),
            Sse.Event("content_block_delta", """{"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "Need the weather."}}"""),
            Sse.Event("content_block_delta", """{"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": "EqQBCgIYAhIM"}}"""),
            Sse.Event("content_block_stop", """{"type": "content_block_stop", "index": 0}"""),
            Sse.Event("content_block_start", """{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}}"""),
            Sse.Event("content_block_delta", """{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}"""),
            Sse.Event("content_block_delta", """{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"location\":"}}"""),
            Sse.Event("content_block_delta", """{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":" \"San Francisco, CA\"}"}}"""),
            Sse.Event("content_block_stop", """{"type":"content_block_stop","index":1}"""),
            Sse.Event("content_block_start", """{"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_02","name":"get_time","input":{}}}"""),
            Sse.Event("content_block_stop", """{"type":"content_block_stop","index":2}"""),
            Sse.Event("message_delta", """{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}}"""),
            Sse.Event("message_stop", """{"type":"message_stop"}"""),
        ]);
        using IChatClient client = Create(ProviderTypes.Anthropic, _server.BaseUri);

        ChatResponse response = (await ReadAllAsync(client.GetStreamingResponseAsync(Hello, null, Guard()))).ToChatResponse();

        AIContent[] contents = [.. response.Messages.SelectMany(m => m.Contents)];
        TextReasoningContent[] reasoning = [.. contents.OfType<TextReasoningContent>()];
        Assert.Equal("Need the weather.", string.Concat(reasoning.Select(r => r.Text)));
        Assert.Contains(reasoning, r => r.ProtectedData == "EqQBCgIYAhIM");
        FunctionCallContent[] calls = [.. contents.OfType<FunctionCallContent>()];
        Assert.Equal(2, calls.Length);
        Assert.Equal(("toolu_01T1x1fJ34qAmk2tNTrN7Up6", "get_weather"), (calls[0].CallId, calls[0].Name));
        Assert.Equal("San Francisco, CA", ((JsonElement)calls[0].Arguments!["location"]!).GetString());
        Assert.Empty(calls[1].Arguments!);
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
        Assert.Equal(89, response.Usage!.OutputTokenCount);
    }

    [Fact]
    public async Task GetResponseAsync_ToolUse_ReturnsFunctionCalls()
    {
        _server.EnqueueJson("""{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":"Checking."},{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"location":"Paris","days":3}},{"type":"tool_use","id":"toolu_2","name":"get_time","input":{}}],"stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":10,"output_tokens":20}}""");
        using IChatClient client = Create(ProviderTypes.Anthropic, _server.BaseUri);

        ChatResponse response = await client.GetResponseAsync(Hello, null, Guard());

        FunctionCallContent[] calls = [.. response.Messages.Single().Contents.OfType<FunctionCallContent>()];
        Assert.Equal(["toolu_1", "toolu_2"], calls.Select(c => c.CallId));
        Assert.Equal(3, ((JsonElement)calls[0].Arguments!["days"]!).GetInt32());
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
        Assert.Equal("Checking.", response.Text);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ErrorEventMidStream_ThrowsOverloaded()
    {
        _server.EnqueueEvents(
        [
            Sse.Event("message_start", """{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5","usage":{"input_tokens":5,"output_tokens":1}}}"""),
            Sse.Event("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"""),
            Sse.Event("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel"}}"""),
            Sse.Event("error", """{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}"""),
        ]);
        using IChatClient client = Create(ProviderTypes.Anthropic, _server.BaseUri);
        var received = new List<string>();

        ProviderException error = await Assert.ThrowsAsync<ProviderException>(async () =>
        {
            await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(Hello, null, Guard()))
            {
                received.Add(update.Text);
            }
        });

        Assert.Equal(["Hel"], received);
        Assert.Equal(ProviderErrorKind.Overloaded, error.Kind);
        Assert.Equal("overloaded_error", error.ErrorType);
        Assert.Equal("anthropic", error.ProviderName);
        Assert.Null(error.StatusCode);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_StreamEndsWithoutMessageStop_ThrowsInvalidResponse()
    {
        _server.EnqueueEvents(
        [
            Sse.Event("message_start", """{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"m","usage":{"input_tokens":5,"output_tokens":1}}}"""),
            Sse.Event("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"""),
            Sse.Event("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel"}}"""),
        ]);
        using IChatClient client = Create(ProviderTypes.Anthropic, _server.BaseUri);

        ProviderException error = await Assert.ThrowsAsync<ProviderException>(() => ReadAllAsync(client.GetStreamingResponseAsync(Hello, null, Guard())));

        Assert.Equal(ProviderErrorKind.InvalidResponse, error.Kind);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetResponseAsync_MalformedJson_ThrowsInvalidResponse(bool streaming)
    {
        if (streaming)
        {
            _server.EnqueueEvents([Sse.Event("message_start", """{"type":"message_start","message":{"id":"msg_1","""), Sse.Event("message_stop", """{"type":"message_stop"}""")]);
        }
        else
        {
            _server.EnqueueJson("""{"id":"msg_1","type":"message","content":[{"type":"text","text":"Hi""");
        }

        using IChatClient client = Create(ProviderTypes.Anthropic, _server.BaseUri);

        ProviderException error = await Assert.ThrowsAsync<ProviderException>(() => CallAsync(client, streaming, Hello));

        Assert.Equal(ProviderErrorKind.InvalidResponse, error.Kind);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetResponseAsync_RefusalWithoutContent_ThrowsContentFiltered(bool streaming)
    {
        if (streaming)
        {
            _server.EnqueueEvents(
            [
                Sse.Event("message_start", """{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"m","usage":{"input_tokens":5,"output_tokens":1}}}"""),
                Sse.Event("message_delta", """{"type":"message_delta","delta":{"stop_reason":"refusal","stop_sequence":null},"usage":{"output_tokens":1}}"""),
                Sse.Event("message_stop", """{"type":"message_stop"}"""),
            ]);
        }
        else
        {
            _server.EnqueueJson("""{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],"stop_reason":"refusal","usage":{"input_tokens":5,"output_tokens":1}}""");
        }

        using IChatClient client = Create(ProviderTypes.Anthropic, _server.BaseUri);

        ProviderException error = await Assert.ThrowsAsync<ProviderException>(() => CallAsync(client, streaming, Hello));

        Assert.Equal(ProviderErrorKind.ContentFiltered, error.Kind);
    }

    public static TheoryData<int, string, ProviderErrorKind, string> ErrorStatuses => new()
    {
        { 400, """{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 215000 tokens > 200000 maximum"},"request_id":"req_011CSHoEeqs5C35K2UUqR7Fy"}""", ProviderErrorKind.ContextLengthExceeded, "invalid_request_error" },
        { 400, """{"type":"error","error":{"type":"invalid_request_error","message":"input length and `max_tokens` exceed context limit: 188240 + 21333 > 200000, decrease input length or `max_tokens` and try again"}}""", ProviderErrorKind.ContextLengthExceeded, "invalid_request_error" },
        { 400, """{"type":"error","error":{"type":"invalid_request_error","message":"messages: roles must alternate between \"user\" and \"assistant\""}}""", ProviderErrorKind.BadRequest, "invalid_request_error" },
        { 400, """{"type":"error","error":{"type":"invalid_request_error","message":"Output blocked by content filtering policy"}}""", ProviderErrorKind.ContentFiltered, "invalid_request_error" },
        { 401, """{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}""", ProviderErrorKind.Authentication, "authentication_error" },
        { 403, """{"type":"error","error":{"type":"permission_error","message":"Your API key does not have permission to use the specified resource."}}""", ProviderErrorKind.PermissionDenied, "permission_error" },
        { 404, """{"type":"error","error":{"type":"not_found_error","message":"model: claude-9"}}""", ProviderErrorKind.NotFound, "not_found_error" },
        { 413, """{"type":"error","error":{"type":"request_too_large","message":"Request exceeds the maximum allowed number of bytes."}}""", ProviderErrorKind.ContextLengthExceeded, "request_too_large" },
        { 429, """{"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}""", ProviderErrorKind.RateLimited, "rate_limit_error" },
        { 500, """{"type":"error","error":{"type":"api_error","message":"Internal server error"}}""", ProviderErrorKind.ServerError, "api_error" },
        { 529, """{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}""", ProviderErrorKind.Overloaded, "overloaded_error" },
    };

    [Theory]
    [MemberData(nameof(ErrorStatuses))]
    public async Task GetResponseAsync_ErrorStatus_ThrowsClassifiedProviderException(int status, string body, ProviderErrorKind expected, string type)
    {
        foreach (bool streaming in new[] { false, true })
        {
            _server.EnqueueJson(body, status);
            using IChatClient client = Create(ProviderTypes.Anthropic, _server.BaseUri);

            ProviderException error = await Assert.ThrowsAsync<ProviderException>(() => CallAsync(client, streaming, Hello));

            Assert.Equal(expected, error.Kind);
            Assert.Equal(status, (int?)error.StatusCode);
            Assert.Equal(type, error.ErrorType);
            Assert.Equal("anthropic", error.ProviderName);
        }
    }

    [Theory]
    [InlineData("retry-after", "12", 12)]
    [InlineData("anthropic-ratelimit-requests-reset", "2026-01-15T12:00:20Z", 20)]
    public async Task GetResponseAsync_RateLimited_SetsRetryAfterFromHeaders(string header, string value, double seconds)
    {
        _server.EnqueueJson("""{"type":"error","error":{"type":"rate_limit_error","message":"rate limited"}}""", 429, (header, value), ("anthropic-ratelimit-requests-remaining", "0"));
        using IChatClient client = Create(ProviderTypes.Anthropic, _server.BaseUri);

        ProviderException error = await Assert.ThrowsAsync<ProviderException>(() => client.GetResponseAsync(Hello, null, Guard()));

        Assert.Equal(TimeSpan.FromSeconds(seconds), error.RetryAfter);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ConsumerStopsEarly_ClosesTheResponse()
    {
        _server.Enqueue(new ScriptedResponse
        {
            ContentType = "text/event-stream",
            Events =
            [
                Sse.Event("message_start", """{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"m","usage":{"input_tokens":5,"output_tokens":1}}}"""),
                Sse.Event("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel"}}"""),
            ],
            HoldOpen = true,
        });
        using IChatClient client = Create(ProviderTypes.Anthropic, _server.BaseUri);

        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(Hello, null, Guard()))
        {
            break;
        }

        await _server.ClientAborted.Task.WaitAsync(Guard());
    }
}
