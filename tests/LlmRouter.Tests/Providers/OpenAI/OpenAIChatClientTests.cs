using System.Text.Json;
using Microsoft.Extensions.AI;
using static LlmRouter.Tests.Providers.ProviderTestClients;

namespace LlmRouter.Tests.Providers.OpenAI;

public sealed class OpenAIChatClientTests : IAsyncLifetime
{
    // Transcribed from the chat completion object in OpenAI's API reference.
    private const string Completion = """
        {
          "id": "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
          "object": "chat.completion",
          "created": 1741570283,
          "model": "gpt-4o-2024-08-06",
          "choices": [
            {
              "index": 0,
              "message": { "role": "assistant", "content": "The image shows a wooden boardwalk.", "refusal": null, "annotations": [] },
              "logprobs": null,
              "finish_reason": "stop"
            }
          ],
          "usage": {
            "prompt_tokens": 1117,
            "completion_tokens": 46,
            "total_tokens": 1163,
            "prompt_tokens_details": { "cached_tokens": 1024, "audio_tokens": 0 },
            "completion_tokens_details": { "reasoning_tokens": 12, "audio_tokens": 0, "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0 }
          },
          "service_tier": "default",
          "system_fingerprint": "fp_fc9f1d7035"
        }
        """;

    private const string ToolCallsCompletion = """
        {
          "id": "chatcmpl-tools",
          "object": "chat.completion",
          "created": 1741570283,
          "model": "gpt-4o-mini",
          "choices": [
            {
              "index": 0,
              "message": {
                "role": "assistant",
                "content": null,
                "tool_calls": [
                  { "id": "call_a", "type": "function", "function": { "name": "get_weather", "arguments": "{\"location\":\"Paris\",\"unit\":\"c\"}" } },
                  { "id": "call_b", "type": "function", "function": { "name": "get_time", "arguments": "{\"zone\":\"CET\"}" } }
                ]
              },
              "finish_reason": "tool_calls"
            }
          ],
          "usage": { "prompt_tokens": 82, "completion_tokens": 40, "total_tokens": 122 }
        }
        """;

    private LoopbackServer _server = null!;

    public async Task InitializeAsync() => _server = await LoopbackServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Uri V1 => _server.Url("/v1");

    [Fact]
    public async Task GetResponseAsync_TextCompletion_SendsRequestAndParsesEveryField()
    {
        _server.EnqueueJson(Completion);
        using IChatClient client = Create(ProviderTypes.OpenAI, V1, "gpt-4o");

        ChatResponse response = await client.GetResponseAsync(
            [new(ChatRole.System, "Be brief."), new(ChatRole.User, "Describe the image.")],
            new ChatOptions { Temperature = 0.5f, MaxOutputTokens = 100 },
            Guard());

        RecordedRequest request = _server.LastRequest;
        Assert.Equal("POST", request.Method);
        Assert.Equal("/v1/chat/completions", request.Path);
        Assert.Equal("Bearer " + ApiKey, request.Headers["Authorization"]);
        Assert.StartsWith("application/json", request.Headers["Content-Type"], StringComparison.Ordinal);
        JsonElement body = request.Json;
        Assert.Equal("gpt-4o", body.GetProperty("model").GetString());
        Assert.Equal("system", body.GetProperty("messages")[0].GetProperty("role").GetString());
        Assert.Equal("Be brief.", body.GetProperty("messages")[0].GetProperty("content").GetString());
        Assert.Equal("user", body.GetProperty("messages")[1].GetProperty("role").GetString());
        Assert.Equal("Describe the image.", body.GetProperty("messages")[1].GetProperty("content").GetString());
        Assert.Equal(0.5, body.GetProperty("temperature").GetDouble(), 3);
        Assert.Equal(100, body.GetProperty("max_completion_tokens").GetInt32());
        Assert.False(body.TryGetProperty("stream", out _));

        Assert.Equal("The image shows a wooden boardwalk.", response.Text);
        Assert.Equal("chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG", response.ResponseId);
        Assert.Equal("gpt-4o-2024-08-06", response.ModelId);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1741570283), response.CreatedAt);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal(ChatRole.Assistant, response.Messages.Single().Role);
        Assert.Equal(1117, response.Usage!.InputTokenCount);
        Assert.Equal(46, response.Usage.OutputTokenCount);
        Assert.Equal(1163, response.Usage.TotalTokenCount);
        Assert.Equal(1024, response.Usage.CachedInputTokenCount);
        Assert.Equal(12, response.Usage.ReasoningTokenCount);
    }

    [Fact]
    public void ToUsage_CacheWriteTokens_AreReportedAsCacheWritesForPricing()
    {
        OpenAIUsage usage = JsonSerializer.Deserialize(
            """{"prompt_tokens":5000,"completion_tokens":200,"prompt_tokens_details":{"cached_tokens":1000,"cache_write_tokens":3000}}""",
            OpenAIJsonContext.Default.OpenAIUsage)!;

        UsageDetails details = OpenAIChatClient.ToUsage(usage);

        Assert.Equal((5000, 1000, 3000L), (details.InputTokenCount!.Value, details.CachedInputTokenCount!.Value, details.AdditionalCounts![ProviderUsage.CacheWriteInputTokenCount]));
        Assert.Equal(0.0117m, CostCalculator.Calculate(details, new ModelPrice(2m, 10m) { CachedInput = 0.2m, CacheWrite = 2.5m }));
    }

    [Fact]
    public void ToUsage_NoCacheWrites_HasNoAdditionalCounts()
    {
        OpenAIUsage usage = JsonSerializer.Deserialize("""{"prompt_tokens":10,"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":0}}""", OpenAIJsonContext.Default.OpenAIUsage)!;

        Assert.Null(OpenAIChatClient.ToUsage(usage).AdditionalCounts);
    }

    [Fact]
    public async Task GetResponseAsync_AllOptions_WritesEveryRequestField()
    {
        _server.EnqueueJson(Completion);
        using IChatClient client = Create(ProviderTypes.OpenAI, V1, "gpt-4o");
        AIFunctionDeclaration weather = AIFunctionFactory.CreateDeclaration(
            "get_weather", "Gets the weather", JsonDocument.Parse("""{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}""").RootElement);
        JsonElement schema = JsonDocument.Parse("""{"type":"object","properties":{"answer":{"type":"string"}}}""").RootElement;
        var options = new ChatOptions
        {
            Instructions = "Answer in French.",
            Temperature = 0.2f,
            TopP = 0.9f,
            MaxOutputTokens = 256,
            StopSequences = ["END", "STOP"],
            Seed = 42,
            FrequencyPenalty = 0.1f,
            PresencePenalty = 0.3f,
            Tools = [weather],
            ToolMode = ChatToolMode.RequireSpecific("get_weather"),
            AllowMultipleToolCalls = false,
            ResponseFormat = ChatResponseFormat.ForJsonSchema(schema, "answer", "The answer"),
            Reasoning = new ReasoningOptions { Effort = ReasoningEffort.High },
            AdditionalProperties = new() { ["user"] = "user-1234", ["logprobs"] = true, ["metadata"] = new Dictionary<string, object?> { ["tier"] = "gold" }, ["temperature"] = 0.7 },
        };
        ChatMessage[] messages =
        [
            new(ChatRole.User, [new TextContent("What is in this image?"), new DataContent(new byte[] { 1, 2, 3 }, "image/png"), new UriContent(new Uri("https://example.com/cat.jpg"), "image/jpeg")]) { AuthorName = "alice" },
            new(ChatRole.Assistant, [new FunctionCallContent("call_1", "get_weather", new Dictionary<string, object?> { ["location"] = "Paris" }), new FunctionCallContent("call_2", "get_weather", new Dictionary<string, object?> { ["location"] = "Rome" })]),
            new(ChatRole.Tool, [new FunctionResultContent("call_1", "18C"), new FunctionResultContent("call_2", JsonDocument.Parse("""{"temp":25}""").RootElement)]),
        ];

        await client.GetResponseAsync(messages, options, Guard());

        JsonElement body = _server.LastRequest.Json;
        JsonElement sent = body.GetProperty("messages");
        Assert.Equal("""{"role":"system","content":"Answer in French."}""", sent[0].GetRawText());
        Assert.Equal("alice", sent[1].GetProperty("name").GetString());
        JsonElement parts = sent[1].GetProperty("content");
        Assert.Equal("""{"type":"text","text":"What is in this image?"}""", parts[0].GetRawText());
        Assert.Equal("data:image/png;base64,AQID", parts[1].GetProperty("image_url").GetProperty("url").GetString());
        Assert.Equal("https://example.com/cat.jpg", parts[2].GetProperty("image_url").GetProperty("url").GetString());
        Assert.Equal("assistant", sent[2].GetProperty("role").GetString());
        Assert.Equal(JsonValueKind.Null, sent[2].GetProperty("content").ValueKind);
        Assert.Equal("""{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"location\":\"Paris\"}"}}""", sent[2].GetProperty("tool_calls")[0].GetRawText());
        Assert.Equal("call_2", sent[2].GetProperty("tool_calls")[1].GetProperty("id").GetString());
        Assert.Equal("""{"role":"tool","tool_call_id":"call_1","content":"18C"}""", sent[3].GetRawText());
        Assert.Equal("""{"role":"tool","tool_call_id":"call_2","content":"{\"temp\":25}"}""", sent[4].GetRawText());

        Assert.Equal(0.7, body.GetProperty("temperature").GetDouble(), 3);
        Assert.Equal(1, CountProperty(body, "temperature"));
        Assert.Equal(0.9, body.GetProperty("top_p").GetDouble(), 3);
        Assert.Equal(256, body.GetProperty("max_completion_tokens").GetInt32());
        Assert.Equal("""["END","STOP"]""", body.GetProperty("stop").GetRawText());
        Assert.Equal(42, body.GetProperty("seed").GetInt64());
        Assert.Equal(0.1, body.GetProperty("frequency_penalty").GetDouble(), 3);
        Assert.Equal(0.3, body.GetProperty("presence_penalty").GetDouble(), 3);
        Assert.Equal("high", body.GetProperty("reasoning_effort").GetString());
        Assert.Equal("""{"type":"function","function":{"name":"get_weather","description":"Gets the weather","parameters":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}}}""", body.GetProperty("tools")[0].GetRawText());
        Assert.Equal("""{"type":"function","function":{"name":"get_weather"}}""", body.GetProperty("tool_choice").GetRawText());
        Assert.False(body.GetProperty("parallel_tool_calls").GetBoolean());
        JsonElement format = body.GetProperty("response_format");
        Assert.Equal("json_schema", format.GetProperty("type").GetString());
        Assert.Equal("answer", format.GetProperty("json_schema").GetProperty("name").GetString());
        Assert.Equal("The answer", format.GetProperty("json_schema").GetProperty("description").GetString());
        Assert.Equal("object", format.GetProperty("json_schema").GetProperty("schema").GetProperty("type").GetString());
        Assert.Equal("user-1234", body.GetProperty("user").GetString());
        Assert.True(body.GetProperty("logprobs").GetBoolean());
        Assert.Equal("""{"tier":"gold"}""", body.GetProperty("metadata").GetRawText());
    }

    public static TheoryData<string, string> ToolModes => new()
    {
        { "auto", "\"auto\"" },
        { "none", "\"none\"" },
        { "required", "\"required\"" },
    };

    [Theory]
    [MemberData(nameof(ToolModes))]
    public async Task GetResponseAsync_ToolMode_WritesToolChoice(string mode, string expected)
    {
        _server.EnqueueJson(Completion);
        using IChatClient client = Create(ProviderTypes.OpenAI, V1);
        ChatToolMode toolMode = mode switch { "auto" => ChatToolMode.Auto, "none" => ChatToolMode.None, _ => ChatToolMode.RequireAny };

        await client.GetResponseAsync(Hello, new ChatOptions { Tools = [AIFunctionFactory.Create(() => 1, "one")], ToolMode = toolMode }, Guard());

        Assert.Equal(expected, _server.LastRequest.Json.GetProperty("tool_choice").GetRawText());
    }

    [Fact]
    public async Task GetResponseAsync_JsonWithoutSchema_WritesJsonObjectFormat()
    {
        _server.EnqueueJson(Completion);
        using IChatClient client = Create(ProviderTypes.OpenAI, V1);

        await client.GetResponseAsync(Hello, new ChatOptions { ResponseFormat = ChatResponseFormat.Json, ToolMode = ChatToolMode.Auto }, Guard());

        JsonElement body = _server.LastRequest.Json;
        Assert.Equal("""{"type":"json_object"}""", body.GetProperty("response_format").GetRawText());
        Assert.False(body.TryGetProperty("tool_choice", out _));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetResponseAsync_ParallelToolCalls_ReturnsEveryCallWithParsedArguments(bool streaming)
    {
        if (streaming)
        {
            // The second call's id and name come in the first chunk of its index; its arguments are split across three chunks.
            _server.EnqueueEvents(
            [
                Sse.Data("""{"id":"chatcmpl-tools","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}]}"""),
                Sse.Data("""{"id":"chatcmpl-tools","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"location\":"}}]},"finish_reason":null}]}"""),
                Sse.Data("""{"id":"chatcmpl-tools","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\",\"unit\":\"c\"}"}},{"index":1,"id":"call_b","type":"function","function":{"name":"get_time","arguments":"{\"zo"}}]},"finish_reason":null}]}"""),
                Sse.Data("""{"id":"chatcmpl-tools","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"ne\":\"CET\"}"}}]},"finish_reason":null}]}"""),
                Sse.Data("""{"id":"chatcmpl-tools","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"""),
                Sse.Data("""{"id":"chatcmpl-tools","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":82,"completion_tokens":40,"total_tokens":122}}"""),
                Sse.Done,
            ]);
        }
        else
        {
            _server.EnqueueJson(ToolCallsCompletion);
        }

        using IChatClient client = Create(ProviderTypes.OpenAI, V1);
        ChatResponse response = await CallAsync(client, streaming, Hello);

        FunctionCallContent[] calls = [.. response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>()];
        Assert.Equal(2, calls.Length);
        Assert.Equal(("call_a", "get_weather"), (calls[0].CallId, calls[0].Name));
        Assert.Equal("Paris", ((JsonElement)calls[0].Arguments!["location"]!).GetString());
        Assert.Equal("c", ((JsonElement)calls[0].Arguments!["unit"]!).GetString());
        Assert.Equal(("call_b", "get_time"), (calls[1].CallId, calls[1].Name));
        Assert.Equal("CET", ((JsonElement)calls[1].Arguments!["zone"]!).GetString());
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
        Assert.Equal(122, response.Usage!.TotalTokenCount);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_TextChunks_YieldsTextFinishReasonAndUsage()
    {
        // Transcribed from the chat completion chunk object in OpenAI's API reference, with stream_options.include_usage.
        _server.EnqueueEvents(
        [
            Sse.Data("""{"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","system_fingerprint":"fp_44709d6fcb","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"usage":null}"""),
            Sse.Data("""{"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","system_fingerprint":"fp_44709d6fcb","choices":[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}],"usage":null}"""),
            ": keep-alive comment\n\n",
            Sse.Data("""{"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","system_fingerprint":"fp_44709d6fcb","choices":[{"index":0,"delta":{"content":" there!"},"logprobs":null,"finish_reason":null}],"usage":null}"""),
            Sse.Data("""{"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","system_fingerprint":"fp_44709d6fcb","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}"""),
            Sse.Data("""{"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","system_fingerprint":"fp_44709d6fcb","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12,"prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":1}}}"""),
            Sse.Done,
        ]);
        using IChatClient client = Create(ProviderTypes.OpenAI, V1, "gpt-4o-mini");

        List<ChatResponseUpdate> updates = await ReadAllAsync(client.GetStreamingResponseAsync(Hello, null, Guard()));

        JsonElement body = _server.LastRequest.Json;
        Assert.True(body.GetProperty("stream").GetBoolean());
        Assert.True(body.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        Assert.Equal(["Hello", " there!", "", ""], updates.Select(u => u.Text));
        Assert.All(updates, u => Assert.Equal("chatcmpl-123", u.ResponseId));
        Assert.All(updates, u => Assert.Equal("gpt-4o-mini", u.ModelId));
        Assert.Equal(ChatFinishReason.Stop, updates[2].FinishReason);
        UsageDetails usage = Assert.IsType<UsageContent>(Assert.Single(updates[3].Contents)).Details;
        Assert.Equal((9L, 3L, 12L, 4L, 1L), (usage.InputTokenCount!.Value, usage.OutputTokenCount!.Value, usage.TotalTokenCount!.Value, usage.CachedInputTokenCount!.Value, usage.ReasoningTokenCount!.Value));
        ChatResponse combined = updates.ToChatResponse();
        Assert.Equal("Hello there!", combined.Text);
        Assert.Equal(ChatFinishReason.Stop, combined.FinishReason);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetResponseAsync_ReasoningContent_ReturnsTextReasoningContent(bool streaming)
    {
        if (streaming)
        {
            _server.EnqueueEvents(
            [
                Sse.Data("""{"id":"r1","object":"chat.completion.chunk","created":1,"model":"deepseek-reasoner","choices":[{"index":0,"delta":{"role":"assistant","content":null,"reasoning_content":"Think"},"finish_reason":null}]}"""),
                Sse.Data("""{"id":"r1","object":"chat.completion.chunk","created":1,"model":"deepseek-reasoner","choices":[{"index":0,"delta":{"content":"42","reasoning_content":null},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":20,"total_tokens":25,"prompt_cache_hit_tokens":3,"completion_tokens_details":{"reasoning_tokens":18}}}"""),
                Sse.Done,
            ]);
        }
        else
        {
            _server.EnqueueJson("""{"id":"r1","object":"chat.completion","created":1,"model":"deepseek-reasoner","choices":[{"index":0,"message":{"role":"assistant","content":"42","reasoning_content":"Think"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":20,"total_tokens":25,"prompt_cache_hit_tokens":3,"completion_tokens_details":{"reasoning_tokens":18}}}""");
        }

        using IChatClient client = Create(ProviderTypes.DeepSeek, V1, "deepseek-reasoner");
        ChatResponse response = await CallAsync(client, streaming, Hello);

        Assert.Equal("Think", Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<TextReasoningContent>()).Text);
        Assert.Equal("42", response.Text);
        Assert.Equal(3, response.Usage!.CachedInputTokenCount);
        Assert.Equal(18, response.Usage.ReasoningTokenCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetResponseAsync_MistralContentParts_ReturnsThinkingAsReasoningAndTextAsText(bool streaming)
    {
        // Mistral's reasoning models send content as an array of parts, thinking parts holding their own array of text parts.
        if (streaming)
        {
            _server.EnqueueEvents(
            [
                Sse.Data("""{"id":"m1","object":"chat.completion.chunk","created":1,"model":"magistral-medium-latest","choices":[{"index":0,"delta":{"role":"assistant","content":[{"type":"thinking","thinking":[{"type":"text","text":"Six times "}]}]},"finish_reason":null}]}"""),
                Sse.Data("""{"id":"m1","object":"chat.completion.chunk","created":1,"model":"magistral-medium-latest","choices":[{"index":0,"delta":{"content":[{"type":"thinking","thinking":[{"type":"text","text":"seven."}]}]},"finish_reason":null}]}"""),
                Sse.Data("""{"id":"m1","object":"chat.completion.chunk","created":1,"model":"magistral-medium-latest","choices":[{"index":0,"delta":{"content":"4"},"finish_reason":null}]}"""),
                Sse.Data("""{"id":"m1","object":"chat.completion.chunk","created":1,"model":"magistral-medium-latest","choices":[{"index":0,"delta":{"content":[{"type":"text","text":"2"}]},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":9,"total_tokens":14}}"""),
                Sse.Done,
            ]);
        }
        else
        {
            _server.EnqueueJson("""{"id":"m1","object":"chat.completion","created":1,"model":"magistral-medium-latest","choices":[{"index":0,"message":{"role":"assistant","content":[{"type":"thinking","thinking":[{"type":"text","text":"Six times "},{"type":"text","text":"seven."}]},{"text":"4","type":"text"},{"type":"reference","reference_ids":[1]},{"type":"text","text":"2"}]},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":9,"total_tokens":14}}""");
        }

        using IChatClient client = Create(ProviderTypes.Mistral, V1, "magistral-medium-latest");
        ChatResponse response = await CallAsync(client, streaming, Hello);

        Assert.Equal("Six times seven.", string.Concat(response.Messages.SelectMany(m => m.Contents).OfType<TextReasoningContent>().Select(r => r.Text)));
        Assert.Equal("42", response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
    }

    [Fact]
    public async Task GetResponseAsync_ContentNeitherStringNorParts_ThrowsInvalidResponse()
    {
        _server.EnqueueJson("""{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":42},"finish_reason":"stop"}]}""");
        using IChatClient client = Create(ProviderTypes.OpenAI, V1, "gpt-4o-mini");

        ProviderException exception = await Assert.ThrowsAsync<ProviderException>(() => client.GetResponseAsync(Hello, cancellationToken: Guard()));

        Assert.Equal(ProviderErrorKind.InvalidResponse, exception.Kind);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_EmptyChoicesAndRoleOnlyChunks_AreSkipped()
    {
        _server.EnqueueEvents(
        [
            Sse.Data("""{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[]}"""),
            Sse.Data("""{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant"},"finish_reason":null}]}"""),
            Sse.Data("""{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":"stop"}]}"""),
            Sse.Done,
        ]);
        using IChatClient client = Create(ProviderTypes.OpenAI, V1);

        List<ChatResponseUpdate> updates = await ReadAllAsync(client.GetStreamingResponseAsync(Hello, null, Guard()));

        ChatResponseUpdate update = Assert.Single(updates);
        Assert.Equal("Hi", update.Text);
        Assert.Equal(ChatFinishReason.Stop, update.FinishReason);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_FinishWithoutDone_CompletesWithoutError()
    {
        _server.EnqueueEvents([Sse.Data("""{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":"stop"}]}""")]);
        using IChatClient client = Create(ProviderTypes.Ollama, V1);

        List<ChatResponseUpdate> updates = await ReadAllAsync(client.GetStreamingResponseAsync(Hello, null, Guard()));

        Assert.Equal("Hi", Assert.Single(updates).Text);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_StreamEndsBeforeFinish_ThrowsInvalidResponse()
    {
        _server.EnqueueEvents([Sse.Data("""{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}""")]);
        using IChatClient client = Create(ProviderTypes.OpenAI, V1);
        var received = new List<string>();

        ProviderException error = await Assert.ThrowsAsync<ProviderException>(async () =>
        {
            await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(Hello, null, Guard()))
            {
                received.Add(update.Text);
            }
        });

        Assert.Equal(["Hel"], received);
        Assert.Equal(ProviderErrorKind.InvalidResponse, error.Kind);
        Assert.Equal("openai", error.ProviderName);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ConnectionBrokenMidStream_ThrowsTransportOrInvalidResponse()
    {
        _server.Enqueue(new ScriptedResponse
        {
            ContentType = "text/event-stream",
            Events = [Sse.Data("""{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}"""), "data: {\"id\":\"c\",\"choi"],
            AbortAfterBody = true,
        });
        using IChatClient client = Create(ProviderTypes.OpenAI, V1);

        ProviderException error = await Assert.ThrowsAsync<ProviderException>(() => ReadAllAsync(client.GetStreamingResponseAsync(Hello, null, Guard())));

        Assert.Contains(error.Kind, new[] { ProviderErrorKind.Transport, ProviderErrorKind.InvalidResponse });
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetResponseAsync_MalformedJson_ThrowsInvalidResponse(bool streaming)
    {
        if (streaming)
        {
            _server.EnqueueEvents([Sse.Data("""{"id":"c","choices":[{"index":0,"delta":{"content":"Hi"}"""), Sse.Done]);
        }
        else
        {
            _server.EnqueueJson("""{"id":"c","choices":[{"index":0,"message":{"content":"Hi" """);
        }

        using IChatClient client = Create(ProviderTypes.OpenAI, V1);

        ProviderException error = await Assert.ThrowsAsync<ProviderException>(() => CallAsync(client, streaming, Hello));

        Assert.Equal(ProviderErrorKind.InvalidResponse, error.Kind);
        Assert.IsAssignableFrom<JsonException>(error.InnerException);
    }

    [Fact]
    public async Task GetResponseAsync_NoChoices_ThrowsInvalidResponse()
    {
        _server.EnqueueJson("""{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[]}""");
        using IChatClient client = Create(ProviderTypes.OpenAI, V1);

        ProviderException error = await Assert.ThrowsAsync<ProviderException>(() => client.GetResponseAsync(Hello, null, Guard()));

        Assert.Equal(ProviderErrorKind.InvalidResponse, error.Kind);
    }

    public static TheoryData<string, ProviderErrorKind, string?> StreamErrors => new()
    {
        // OpenRouter: an error chunk with the HTTP status it would have sent as the code.
        { """{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","error":{"code":502,"message":"Provider returned error"},"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}]}""", ProviderErrorKind.ServerError, "502" },
        { """{"error":{"message":"This model's maximum context length is 8192 tokens.","type":"invalid_request_error","code":"context_length_exceeded"}}""", ProviderErrorKind.ContextLengthExceeded, "context_length_exceeded" },
        { """{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}""", ProviderErrorKind.RateLimited, "rate_limit_exceeded" },
        { """{"error":{"message":"Internal error","type":"server_error","code":null}}""", ProviderErrorKind.ServerError, null },
    };

    [Theory]
    [MemberData(nameof(StreamErrors))]
    public async Task GetStreamingResponseAsync_ErrorChunkMidStream_ThrowsClassifiedProviderException(string errorChunk, ProviderErrorKind expected, string? code)
    {
        _server.EnqueueEvents(
        [
            Sse.Data("""{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}"""),
            Sse.Data(errorChunk),
            Sse.Done,
        ]);
        using IChatClient client = Create(ProviderTypes.OpenRouter, V1);

        ProviderException error = await Assert.ThrowsAsync<ProviderException>(() => ReadAllAsync(client.GetStreamingResponseAsync(Hello, null, Guard())));

        Assert.Equal(expected, error.Kind);
        Assert.Equal(code, error.ErrorCode);
        Assert.Null(error.StatusCode);
        Assert.Equal("openrouter", error.ProviderName);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ErrorEvent_ThrowsProviderException()
    {
        _server.EnqueueEvents([Sse.Event("error", """{"error":{"message":"overloaded","type":"server_error","code":"503"}}""")]);
        using IChatClient client = Create(ProviderTypes.VLlm, V1);

        ProviderException error = await Assert.ThrowsAsync<ProviderException>(() => ReadAllAsync(client.GetStreamingResponseAsync(Hello, null, Guard())));

        Assert.Equal(ProviderErrorKind.Overloaded, error.Kind);
    }

    public static TheoryData<int, string, ProviderErrorKind, string?, string?> ErrorStatuses => new()
    {
        { 400, """{"error":{"message":"This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens. Please reduce the length of the messages.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}""", ProviderErrorKind.ContextLengthExceeded, "invalid_request_error", "context_length_exceeded" },
        { 400, """{"error":{"message":"Invalid value for 'temperature'.","type":"invalid_request_error","param":"temperature","code":"invalid_value"}}""", ProviderErrorKind.BadRequest, "invalid_request_error", "invalid_value" },
        { 400, """{"error":{"message":"The response was filtered due to the prompt triggering Azure OpenAI's content management policy.","type":null,"param":"prompt","code":"content_filter","status":400,"innererror":{"code":"ResponsibleAIPolicyViolation","content_filter_result":{"hate":{"filtered":true,"severity":"high"}}}}}""", ProviderErrorKind.ContentFiltered, null, "content_filter" },
        { 401, """{"error":{"message":"Incorrect API key provided: sk-test-***4086. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}""", ProviderErrorKind.Authentication, "invalid_request_error", "invalid_api_key" },
        { 403, """{"error":{"message":"Country, region, or territory not supported","type":"request_forbidden","param":null,"code":"unsupported_country_region_territory"}}""", ProviderErrorKind.PermissionDenied, "request_forbidden", "unsupported_country_region_territory" },
        { 404, """{"error":{"message":"The model `gpt-9` does not exist or you do not have access to it.","type":"invalid_request_error","param":null,"code":"model_not_found"}}""", ProviderErrorKind.NotFound, "invalid_request_error", "model_not_found" },
        { 429, """{"error":{"message":"Rate limit reached for gpt-4o in organization org-x on tokens per min (TPM): Limit 30000, Used 30000, Requested 500.","type":"tokens","param":null,"code":"rate_limit_exceeded"}}""", ProviderErrorKind.RateLimited, "tokens", "rate_limit_exceeded" },
        { 429, """{"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}""", ProviderErrorKind.QuotaExceeded, "insufficient_quota", "insufficient_quota" },
        { 500, """{"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}""", ProviderErrorKind.ServerError, "server_error", null },
        { 502, "<html><body>Bad gateway</body></html>", ProviderErrorKind.ServerError, null, null },
        { 503, """{"error":{"message":"The engine is currently overloaded, please try again later","type":"server_error","param":null,"code":null}}""", ProviderErrorKind.Overloaded, "server_error", null },
    };

    [Theory]
    [MemberData(nameof(ErrorStatuses))]
    public async Task GetResponseAsync_ErrorStatus_ThrowsClassifiedProviderException(int status, string body, ProviderErrorKind expected, string? type, string? code)
    {
        foreach (bool streaming in new[] { false, true })
        {
            _server.EnqueueJson(body, status);
            using IChatClient client = Create(ProviderTypes.OpenAI, V1);

            ProviderException error = await Assert.ThrowsAsync<ProviderException>(() => CallAsync(client, streaming, Hello));

            Assert.Equal(expected, error.Kind);
            Assert.Equal(status, (int?)error.StatusCode);
            Assert.Equal(type, error.ErrorType);
            Assert.Equal(code, error.ErrorCode);
            Assert.Equal("openai", error.ProviderName);
            Assert.Contains("HTTP " + status, error.Message, StringComparison.Ordinal);
        }
    }

    public static TheoryData<string, string, double> RetryAfterForms => new()
    {
        { "retry-after-ms", "1500", 1.5 },
        { "Retry-After", "7", 7 },
        { "Retry-After", "Thu, 15 Jan 2026 12:00:30 GMT", 30 },
        { "x-ratelimit-reset-requests", "6m0s", 360 },
        { "x-ratelimit-reset-tokens", "20ms", 0.02 },
    };

    [Theory]
    [MemberData(nameof(RetryAfterForms))]
    public async Task GetResponseAsync_RateLimitedWithRetryAfterHeader_SetsRetryAfter(string header, string value, double seconds)
    {
        _server.EnqueueJson("""{"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}""", 429, (header, value));
        using IChatClient client = Create(ProviderTypes.OpenAI, V1);

        ProviderException error = await Assert.ThrowsAsync<ProviderException>(() => client.GetResponseAsync(Hello, null, Guard()));

        Assert.Equal(ProviderErrorKind.RateLimited, error.Kind);
        Assert.Equal(TimeSpan.FromSeconds(seconds), error.RetryAfter);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetResponseAsync_ContentFilterFinishWithoutContent_ThrowsContentFiltered(bool streaming)
    {
        if (streaming)
        {
            _server.EnqueueEvents([Sse.Data("""{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"content_filter"}]}"""), Sse.Done]);
        }
        else
        {
            _server.EnqueueJson("""{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":null},"finish_reason":"content_filter"}]}""");
        }

        using IChatClient client = Create(ProviderTypes.AzureOpenAI, _server.BaseUri);

        ProviderException error = await Assert.ThrowsAsync<ProviderException>(() => CallAsync(client, streaming, Hello));

        Assert.Equal(ProviderErrorKind.ContentFiltered, error.Kind);
    }

    [Fact]
    public async Task GetResponseAsync_ContentFilterFinishAfterContent_ReturnsPartialResponse()
    {
        _server.EnqueueJson("""{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Part"},"finish_reason":"content_filter"}]}""");
        using IChatClient client = Create(ProviderTypes.OpenAI, V1);

        ChatResponse response = await client.GetResponseAsync(Hello, null, Guard());

        Assert.Equal("Part", response.Text);
        Assert.Equal(ChatFinishReason.ContentFilter, response.FinishReason);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetResponseAsync_AzureDeployment_UsesDeploymentUrlApiKeyHeaderAndApiVersion(bool streaming)
    {
        if (streaming)
        {
            _server.EnqueueEvents([Sse.Data("""{"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":"stop"}]}"""), Sse.Done]);
        }
        else
        {
            _server.EnqueueJson(Completion);
        }

        using IChatClient client = Create(ProviderTypes.AzureOpenAI, _server.BaseUri, "my-gpt4o", apiVersion: "2025-01-01-preview");
        await CallAsync(client, streaming, Hello);

        RecordedRequest request = _server.LastRequest;
        Assert.Equal("/openai/deployments/my-gpt4o/chat/completions", request.Path);
        Assert.Equal("?api-version=2025-01-01-preview", request.Query);
        Assert.Equal(ApiKey, request.Headers["api-key"]);
        Assert.False(request.Headers.ContainsKey("Authorization"));
        Assert.False(request.Json.TryGetProperty("model", out _));
    }

    [Fact]
    public async Task GetResponseAsync_AzureV1Endpoint_SendsModelInBody()
    {
        _server.EnqueueJson(Completion);
        using IChatClient client = Create(ProviderTypes.AzureOpenAI, _server.Url("/openai/v1"), "gpt-4o");

        await client.GetResponseAsync(Hello, new ChatOptions { ModelId = "gpt-4o-mini" }, Guard());

        Assert.Equal("/openai/v1/chat/completions", _server.LastRequest.Path);
        Assert.Equal("gpt-4o-mini", _server.LastRequest.Json.GetProperty("model").GetString());
        Assert.Equal(ApiKey, _server.LastRequest.Headers["api-key"]);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_Mistral_UsesRandomSeedMaxTokensAndNoStreamOptions()
    {
        _server.EnqueueEvents([Sse.Data("""{"id":"c","object":"chat.completion.chunk","created":1,"model":"mistral-small","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}"""), Sse.Done]);
        using IChatClient client = Create(ProviderTypes.Mistral, V1, "mistral-small");

        await ReadAllAsync(client.GetStreamingResponseAsync(Hello, new ChatOptions { Seed = 7, MaxOutputTokens = 10 }, Guard()));

        JsonElement body = _server.LastRequest.Json;
        Assert.Equal(7, body.GetProperty("random_seed").GetInt64());
        Assert.False(body.TryGetProperty("seed", out _));
        Assert.Equal(10, body.GetProperty("max_tokens").GetInt32());
        Assert.False(body.TryGetProperty("stream_options", out _));
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ConsumerStopsEarly_ClosesTheResponse()
    {
        _server.Enqueue(new ScriptedResponse
        {
            ContentType = "text/event-stream",
            Events = [Sse.Data("""{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}""")],
            HoldOpen = true,
        });
        using IChatClient client = Create(ProviderTypes.OpenAI, V1);

        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(Hello, null, Guard()))
        {
            Assert.Equal("Hi", update.Text);
            break;
        }

        await _server.ClientAborted.Task.WaitAsync(Guard());
    }

    [Fact]
    public async Task GetStreamingResponseAsync_CallerCancelsMidStream_ThrowsOperationCanceledAndClosesTheResponse()
    {
        _server.Enqueue(new ScriptedResponse
        {
            ContentType = "text/event-stream",
            Events = [Sse.Data("""{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}""")],
            HoldOpen = true,
        });
        using IChatClient client = Create(ProviderTypes.OpenAI, V1);
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(Guard());

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(Hello, null, cancellation.Token))
            {
                await cancellation.CancelAsync();
            }
        });

        await _server.ClientAborted.Task.WaitAsync(Guard());
    }

    [Fact]
    public async Task GetResponseAsync_CallerCancelsWhileWaiting_ThrowsOperationCanceled()
    {
        _server.Enqueue(new ScriptedResponse { Body = "{", HoldOpen = true });
        using IChatClient client = Create(ProviderTypes.OpenAI, V1);
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(Guard());

        Task<ChatResponse> call = client.GetResponseAsync(Hello, null, cancellation.Token);
        await _server.RequestReceived.Task.WaitAsync(Guard());
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await _server.ClientAborted.Task.WaitAsync(Guard());
    }

    [Fact]
    public async Task GetResponseAsync_NoModel_ThrowsInvalidOperation()
    {
        using IChatClient client = Create(ProviderTypes.OpenAI, V1, model: null);

        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(() => client.GetResponseAsync(Hello, null, Guard()));

        Assert.Contains("ChatOptions.ModelId", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetResponseAsync_ModelIdInOptions_OverridesDefaultModel()
    {
        _server.EnqueueJson(Completion);
        using IChatClient client = Create(ProviderTypes.OpenAI, V1, "default-model");

        await client.GetResponseAsync(Hello, new ChatOptions { ModelId = "other-model" }, Guard());

        Assert.Equal("other-model", _server.LastRequest.Json.GetProperty("model").GetString());
    }

    private static int CountProperty(JsonElement element, string name) => element.EnumerateObject().Count(p => p.Name == name);
}
