using System.Text.Json;
using Microsoft.Extensions.AI;
using static LlmRouter.Tests.Providers.ProviderTestClients;

namespace LlmRouter.Tests.Providers.Gemini;

public sealed class GeminiChatClientTests : IAsyncLifetime
{
    // Transcribed from the generateContent reference (GenerateContentResponse), with thinking and cache counts.
    private const string Response = """
        {
          "candidates": [
            {
              "content": {
                "parts": [
                  { "text": "Considering the question.", "thought": true },
                  { "text": "AI learns patterns from data." }
                ],
                "role": "model"
              },
              "finishReason": "STOP",
              "index": 0,
              "safetyRatings": [ { "category": "HARM_CATEGORY_SEXUALLY_EXPLICIT", "probability": "NEGLIGIBLE" } ]
            }
          ],
          "usageMetadata": { "promptTokenCount": 8, "candidatesTokenCount": 7, "totalTokenCount": 40, "cachedContentTokenCount": 4, "thoughtsTokenCount": 25, "promptTokensDetails": [ { "modality": "TEXT", "tokenCount": 8 } ] },
          "modelVersion": "gemini-2.5-flash",
          "responseId": "mAitaLmkHPPlz7IPvtfUqQ4"
        }
        """;

    private LoopbackServer _server = null!;

    public async Task InitializeAsync() => _server = await LoopbackServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Uri V1Beta => _server.Url("/v1beta");

    [Fact]
    public async Task GetResponseAsync_Response_SendsRequestAndParsesEveryField()
    {
        _server.EnqueueJson(Response);
        using IChatClient client = Create(ProviderTypes.Gemini, V1Beta, "gemini-2.5-flash");

        ChatResponse response = await client.GetResponseAsync([new(ChatRole.System, "Be brief."), new(ChatRole.User, "Explain AI")], null, Guard());

        RecordedRequest request = _server.LastRequest;
        Assert.Equal("/v1beta/models/gemini-2.5-flash:generateContent", request.Path);
        Assert.Equal("", request.Query);
        Assert.Equal(ApiKey, request.Headers["x-goog-api-key"]);
        Assert.False(request.Headers.ContainsKey("Authorization"));
        JsonElement body = request.Json;
        Assert.Equal("""[{"role":"user","parts":[{"text":"Explain AI"}]}]""", body.GetProperty("contents").GetRawText());
        Assert.Equal("""{"parts":[{"text":"Be brief."}]}""", body.GetProperty("systemInstruction").GetRawText());

        Assert.Equal("AI learns patterns from data.", response.Text);
        Assert.Equal("Considering the question.", Assert.Single(response.Messages.Single().Contents.OfType<TextReasoningContent>()).Text);
        Assert.Equal("mAitaLmkHPPlz7IPvtfUqQ4", response.ResponseId);
        Assert.Equal("gemini-2.5-flash", response.ModelId);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal(8, response.Usage!.InputTokenCount);
        Assert.Equal(32, response.Usage.OutputTokenCount);
        Assert.Equal(40, response.Usage.TotalTokenCount);
        Assert.Equal(4, response.Usage.CachedInputTokenCount);
        Assert.Equal(25, response.Usage.ReasoningTokenCount);
    }

    [Fact]
    public async Task GetResponseAsync_AllOptions_WritesEveryRequestField()
    {
        _server.EnqueueJson(Response);
        using IChatClient client = Create(ProviderTypes.Gemini, V1Beta, "gemini-2.5-flash");
        AIFunctionDeclaration weather = AIFunctionFactory.CreateDeclaration(
            "get_weather", "Gets the weather", JsonDocument.Parse("""{"type":"object","properties":{"location":{"type":"string"}}}""").RootElement);
        JsonElement schema = JsonDocument.Parse("""{"type":"object","properties":{"answer":{"type":"string"}}}""").RootElement;
        var options = new ChatOptions
        {
            ModelId = "models/gemini-2.5-pro",
            Temperature = 0.2f,
            TopP = 0.9f,
            TopK = 40,
            MaxOutputTokens = 500,
            StopSequences = ["END"],
            Seed = 7,
            PresencePenalty = 0.1f,
            FrequencyPenalty = 0.2f,
            ResponseFormat = ChatResponseFormat.ForJsonSchema(schema),
            Tools = [weather],
            ToolMode = ChatToolMode.RequireSpecific("get_weather"),
            Reasoning = new ReasoningOptions { Effort = ReasoningEffort.Low, Output = ReasoningOutput.Summary },
            AdditionalProperties = new() { ["safetySettings"] = JsonDocument.Parse("""[{"category":"HARM_CATEGORY_HARASSMENT","threshold":"BLOCK_NONE"}]""").RootElement },
        };
        var call = new FunctionCallContent("gemini-call-0", "get_weather", new Dictionary<string, object?> { ["location"] = "Paris" })
        {
            AdditionalProperties = new() { ["gemini.thought_signature"] = "sig-1" },
        };
        ChatMessage[] messages =
        [
            new(ChatRole.User, [new TextContent("What is this?"), new DataContent(new byte[] { 1, 2, 3 }, "image/png"), new UriContent(new Uri("https://example.com/a.pdf"), "application/pdf")]),
            new(ChatRole.Assistant, [call, new FunctionCallContent("fc-2", "get_time", null)]),
            new(ChatRole.Tool, [new FunctionResultContent("gemini-call-0", "18C"), new FunctionResultContent("fc-2", JsonDocument.Parse("""{"time":"noon"}""").RootElement)]),
        ];

        await client.GetResponseAsync(messages, options, Guard());

        RecordedRequest request = _server.LastRequest;
        Assert.Equal("/v1beta/models/gemini-2.5-pro:generateContent", request.Path);
        JsonElement body = request.Json;
        JsonElement contents = body.GetProperty("contents");
        Assert.Equal("""{"role":"user","parts":[{"text":"What is this?"},{"inlineData":{"mimeType":"image/png","data":"AQID"}},{"fileData":{"mimeType":"application/pdf","fileUri":"https://example.com/a.pdf"}}]}""", contents[0].GetRawText());
        Assert.Equal("""{"role":"model","parts":[{"functionCall":{"name":"get_weather","args":{"location":"Paris"}},"thoughtSignature":"sig-1"},{"functionCall":{"id":"fc-2","name":"get_time","args":{}}}]}""", contents[1].GetRawText());
        Assert.Equal("""{"role":"user","parts":[{"functionResponse":{"name":"get_weather","response":{"result":"18C"}}},{"functionResponse":{"id":"fc-2","name":"get_time","response":{"time":"noon"}}}]}""", contents[2].GetRawText());
        Assert.Equal("""[{"functionDeclarations":[{"name":"get_weather","description":"Gets the weather","parametersJsonSchema":{"type":"object","properties":{"location":{"type":"string"}}}}]}]""", body.GetProperty("tools").GetRawText());
        Assert.Equal("""{"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["get_weather"]}}""", body.GetProperty("toolConfig").GetRawText());
        JsonElement config = body.GetProperty("generationConfig");
        Assert.Equal(0.2, config.GetProperty("temperature").GetDouble(), 3);
        Assert.Equal(0.9, config.GetProperty("topP").GetDouble(), 3);
        Assert.Equal(40, config.GetProperty("topK").GetInt32());
        Assert.Equal(500, config.GetProperty("maxOutputTokens").GetInt32());
        Assert.Equal("""["END"]""", config.GetProperty("stopSequences").GetRawText());
        Assert.Equal(7, config.GetProperty("seed").GetInt64());
        Assert.Equal(0.1, config.GetProperty("presencePenalty").GetDouble(), 3);
        Assert.Equal(0.2, config.GetProperty("frequencyPenalty").GetDouble(), 3);
        Assert.Equal("application/json", config.GetProperty("responseMimeType").GetString());
        Assert.Equal("object", config.GetProperty("responseJsonSchema").GetProperty("type").GetString());
        Assert.Equal("""{"includeThoughts":true,"thinkingBudget":1024}""", config.GetProperty("thinkingConfig").GetRawText());
        Assert.Equal("BLOCK_NONE", body.GetProperty("safetySettings")[0].GetProperty("threshold").GetString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetResponseAsync_FunctionCalls_ReturnsCallsWithIdsAndSignatures(bool streaming)
    {
        const string Calls = """{"candidates":[{"content":{"parts":[{"functionCall":{"name":"get_weather","args":{"location":"Paris"}},"thoughtSignature":"CiIBVKhc7"},{"functionCall":{"id":"fc-9","name":"get_time","args":{"zone":"CET"}}}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":20,"candidatesTokenCount":10,"totalTokenCount":30},"modelVersion":"gemini-2.5-flash","responseId":"r1"}""";
        if (streaming)
        {
            _server.EnqueueEvents([Sse.Data(Calls)]);
        }
        else
        {
            _server.EnqueueJson(Calls);
        }

        using IChatClient client = Create(ProviderTypes.Gemini, V1Beta);
        ChatResponse response = await CallAsync(client, streaming, Hello);

        FunctionCallContent[] calls = [.. response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>()];
        Assert.Equal(2, calls.Length);
        Assert.Equal(("gemini-call-0", "get_weather"), (calls[0].CallId, calls[0].Name));
        Assert.Equal("Paris", ((JsonElement)calls[0].Arguments!["location"]!).GetString());
        Assert.Equal("CiIBVKhc7", calls[0].AdditionalProperties!["gemini.thought_signature"]);
        Assert.Equal(("fc-9", "get_time"), (calls[1].CallId, calls[1].Name));
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_TextChunks_YieldsTextFinishReasonAndFinalUsage()
    {
        _server.EnqueueEvents(
        [
            Sse.Data("""{"candidates": [{"content": {"parts": [{"text": "AI"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 8,"totalTokenCount": 8},"modelVersion": "gemini-2.5-flash","responseId": "r-1"}"""),
            Sse.Data("""{"candidates": [{"content": {"parts": [{"text": " learns"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 8,"totalTokenCount": 8},"modelVersion": "gemini-2.5-flash","responseId": "r-1"}"""),
            Sse.Data("""{"candidates": [{"content": {"parts": [{"text": " patterns."}],"role": "model"},"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 8,"candidatesTokenCount": 4,"totalTokenCount": 12,"thoughtsTokenCount": 0},"modelVersion": "gemini-2.5-flash","responseId": "r-1"}"""),
        ]);
        using IChatClient client = Create(ProviderTypes.Gemini, V1Beta, "gemini-2.5-flash");

        List<ChatResponseUpdate> updates = await ReadAllAsync(client.GetStreamingResponseAsync(Hello, null, Guard()));

        Assert.Equal("/v1beta/models/gemini-2.5-flash:streamGenerateContent", _server.LastRequest.Path);
        Assert.Equal("?alt=sse", _server.LastRequest.Query);
        Assert.Equal(["AI", " learns", " patterns.", ""], updates.Select(u => u.Text));
        Assert.All(updates, u => Assert.Equal("r-1", u.ResponseId));
        Assert.Equal(ChatFinishReason.Stop, updates[^1].FinishReason);
        UsageContent usage = Assert.Single(updates.SelectMany(u => u.Contents).OfType<UsageContent>());
        Assert.Same(usage, Assert.Single(updates[^1].Contents));
        Assert.Equal((8L, 4L, 12L), (usage.Details.InputTokenCount!.Value, usage.Details.OutputTokenCount!.Value, usage.Details.TotalTokenCount!.Value));
    }

    [Fact]
    public async Task GetStreamingResponseAsync_UsageOnEveryChunkAndAfterTheFinish_YieldsOneUsageWithTheLastValues()
    {
        // usageMetadata is a running total on every chunk; the last one, even after the finishing chunk, is the answer's.
        _server.EnqueueEvents(
        [
            Sse.Data("""{"candidates":[{"content":{"parts":[{"text":"AI"}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":1,"totalTokenCount":9},"modelVersion":"gemini-2.5-flash","responseId":"r-1"}"""),
            Sse.Data("""{"candidates":[{"content":{"parts":[{"text":" learns."}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":3,"totalTokenCount":11},"modelVersion":"gemini-2.5-flash","responseId":"r-1"}"""),
            Sse.Data("""{"candidates":[{"content":{"parts":[{"text":""}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":4,"thoughtsTokenCount":20,"totalTokenCount":32},"modelVersion":"gemini-2.5-flash","responseId":"r-1"}"""),
        ]);
        using IChatClient client = Create(ProviderTypes.Gemini, V1Beta, "gemini-2.5-flash");

        List<ChatResponseUpdate> updates = await ReadAllAsync(client.GetStreamingResponseAsync(Hello, null, Guard()));

        UsageContent usage = Assert.Single(updates.SelectMany(u => u.Contents).OfType<UsageContent>());
        Assert.Same(usage, Assert.Single(updates[^1].Contents));
        Assert.Equal(ChatFinishReason.Stop, updates[^1].FinishReason);
        Assert.Equal((8L, 24L, 20L, 32L), (usage.Details.InputTokenCount!.Value, usage.Details.OutputTokenCount!.Value, usage.Details.ReasoningTokenCount!.Value, usage.Details.TotalTokenCount!.Value));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetResponseAsync_SafetyFinishWithoutContent_ThrowsContentFiltered(bool streaming)
    {
        const string Blocked = """{"candidates":[{"finishReason":"SAFETY","index":0,"safetyRatings":[{"category":"HARM_CATEGORY_HARASSMENT","probability":"HIGH","blocked":true}]}],"usageMetadata":{"promptTokenCount":8,"totalTokenCount":8},"modelVersion":"gemini-2.5-flash"}""";
        if (streaming)
        {
            _server.EnqueueEvents([Sse.Data(Blocked)]);
        }
        else
        {
            _server.EnqueueJson(Blocked);
        }

        using IChatClient client = Create(ProviderTypes.Gemini, V1Beta);

        ProviderException error = await Assert.ThrowsAsync<ProviderException>(() => CallAsync(client, streaming, Hello));

        Assert.Equal(ProviderErrorKind.ContentFiltered, error.Kind);
        Assert.Equal("SAFETY", error.ErrorType);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetResponseAsync_PromptBlocked_ThrowsContentFiltered(bool streaming)
    {
        const string Blocked = """{"promptFeedback":{"blockReason":"SAFETY","safetyRatings":[{"category":"HARM_CATEGORY_DANGEROUS_CONTENT","probability":"HIGH"}]},"usageMetadata":{"promptTokenCount":8,"totalTokenCount":8},"modelVersion":"gemini-2.5-flash"}""";
        if (streaming)
        {
            _server.EnqueueEvents([Sse.Data(Blocked)]);
        }
        else
        {
            _server.EnqueueJson(Blocked);
        }

        using IChatClient client = Create(ProviderTypes.Gemini, V1Beta);

        ProviderException error = await Assert.ThrowsAsync<ProviderException>(() => CallAsync(client, streaming, Hello));

        Assert.Equal(ProviderErrorKind.ContentFiltered, error.Kind);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_StreamEndsWithoutFinishReason_ThrowsInvalidResponse()
    {
        _server.EnqueueEvents([Sse.Data("""{"candidates": [{"content": {"parts": [{"text": "AI"}],"role": "model"},"index": 0}],"responseId": "r-1"}""")]);
        using IChatClient client = Create(ProviderTypes.Gemini, V1Beta);

        ProviderException error = await Assert.ThrowsAsync<ProviderException>(() => ReadAllAsync(client.GetStreamingResponseAsync(Hello, null, Guard())));

        Assert.Equal(ProviderErrorKind.InvalidResponse, error.Kind);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ErrorChunkMidStream_ThrowsClassifiedError()
    {
        _server.EnqueueEvents(
        [
            Sse.Data("""{"candidates": [{"content": {"parts": [{"text": "AI"}],"role": "model"},"index": 0}],"responseId": "r-1"}"""),
            Sse.Data("""{"error": {"code": 503, "message": "The model is overloaded. Please try again later.", "status": "UNAVAILABLE"}}"""),
        ]);
        using IChatClient client = Create(ProviderTypes.Gemini, V1Beta);

        ProviderException error = await Assert.ThrowsAsync<ProviderException>(() => ReadAllAsync(client.GetStreamingResponseAsync(Hello, null, Guard())));

        Assert.Equal(ProviderErrorKind.Overloaded, error.Kind);
        Assert.Equal("UNAVAILABLE", error.ErrorType);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetResponseAsync_MalformedJson_ThrowsInvalidResponse(bool streaming)
    {
        if (streaming)
        {
            _server.EnqueueEvents([Sse.Data("""{"candidates": [{"content": {"parts": [{"text": "AI"}""")]);
        }
        else
        {
            _server.EnqueueJson("""{"candidates": [{"content": """);
        }

        using IChatClient client = Create(ProviderTypes.Gemini, V1Beta);

        ProviderException error = await Assert.ThrowsAsync<ProviderException>(() => CallAsync(client, streaming, Hello));

        Assert.Equal(ProviderErrorKind.InvalidResponse, error.Kind);
    }

    public static TheoryData<int, string, ProviderErrorKind, string> ErrorStatuses => new()
    {
        { 400, """{"error":{"code":400,"message":"The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).","status":"INVALID_ARGUMENT"}}""", ProviderErrorKind.ContextLengthExceeded, "INVALID_ARGUMENT" },
        { 400, """{"error":{"code":400,"message":"Invalid JSON payload received.","status":"INVALID_ARGUMENT"}}""", ProviderErrorKind.BadRequest, "INVALID_ARGUMENT" },
        { 400, """{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com","metadata":{"service":"generativelanguage.googleapis.com"}}]}}""", ProviderErrorKind.Authentication, "INVALID_ARGUMENT" },
        { 400, """{"error":{"code":400,"message":"User location is not supported for the API use.","status":"FAILED_PRECONDITION"}}""", ProviderErrorKind.PermissionDenied, "FAILED_PRECONDITION" },
        { 403, """{"error":{"code":403,"message":"Method doesn't allow unregistered callers.","status":"PERMISSION_DENIED"}}""", ProviderErrorKind.PermissionDenied, "PERMISSION_DENIED" },
        { 404, """{"error":{"code":404,"message":"models/gemini-9 is not found for API version v1beta, or is not supported for generateContent.","status":"NOT_FOUND"}}""", ProviderErrorKind.NotFound, "NOT_FOUND" },
        { 429, """[{"error":{"code":429,"message":"You exceeded your current quota.","status":"RESOURCE_EXHAUSTED"}}]""", ProviderErrorKind.RateLimited, "RESOURCE_EXHAUSTED" },
        { 500, """{"error":{"code":500,"message":"An internal error has occurred.","status":"INTERNAL"}}""", ProviderErrorKind.ServerError, "INTERNAL" },
        { 503, """{"error":{"code":503,"message":"The model is overloaded. Please try again later.","status":"UNAVAILABLE"}}""", ProviderErrorKind.Overloaded, "UNAVAILABLE" },
        { 504, """{"error":{"code":504,"message":"Deadline expired before operation could complete.","status":"DEADLINE_EXCEEDED"}}""", ProviderErrorKind.Timeout, "DEADLINE_EXCEEDED" },
    };

    [Theory]
    [MemberData(nameof(ErrorStatuses))]
    public async Task GetResponseAsync_ErrorStatus_ThrowsClassifiedProviderException(int status, string body, ProviderErrorKind expected, string type)
    {
        foreach (bool streaming in new[] { false, true })
        {
            _server.EnqueueJson(body, status);
            using IChatClient client = Create(ProviderTypes.Gemini, V1Beta);

            ProviderException error = await Assert.ThrowsAsync<ProviderException>(() => CallAsync(client, streaming, Hello));

            Assert.Equal(expected, error.Kind);
            Assert.Equal(status, (int?)error.StatusCode);
            Assert.Equal(type, error.ErrorType);
            Assert.Equal("gcp.gemini", error.ProviderName);
        }
    }

    [Fact]
    public async Task GetResponseAsync_RateLimitedWithRetryInfo_SetsRetryAfterFromBody()
    {
        _server.EnqueueJson("""{"error":{"code":429,"message":"You exceeded your current quota.","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaMetric":"generativelanguage.googleapis.com/generate_content_free_tier_requests"}]},{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"37s"}]}}""", 429);
        using IChatClient client = Create(ProviderTypes.Gemini, V1Beta);

        ProviderException error = await Assert.ThrowsAsync<ProviderException>(() => client.GetResponseAsync(Hello, null, Guard()));

        Assert.Equal(ProviderErrorKind.RateLimited, error.Kind);
        Assert.Equal(TimeSpan.FromSeconds(37), error.RetryAfter);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_CallerCancels_ThrowsOperationCanceledAndClosesTheResponse()
    {
        _server.Enqueue(new ScriptedResponse
        {
            ContentType = "text/event-stream",
            Events = [Sse.Data("""{"candidates": [{"content": {"parts": [{"text": "AI"}],"role": "model"},"index": 0}],"responseId": "r-1"}""")],
            HoldOpen = true,
        });
        using IChatClient client = Create(ProviderTypes.Gemini, V1Beta);
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
}
