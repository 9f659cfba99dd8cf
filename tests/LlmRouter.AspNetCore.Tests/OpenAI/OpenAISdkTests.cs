using System.ClientModel;
using System.Net;
using System.Text.Json;
using LlmRouter.AspNetCore.Tests.TestSupport;
using LlmRouter.Testing;
using Microsoft.Extensions.AI;
using OpenAI.Chat;
using AIChatMessage = Microsoft.Extensions.AI.ChatMessage;
using AIFinishReason = Microsoft.Extensions.AI.ChatFinishReason;
using ChatFinishReason = OpenAI.Chat.ChatFinishReason;
using SdkChatMessage = OpenAI.Chat.ChatMessage;

namespace LlmRouter.AspNetCore.Tests.OpenAI;

/// <summary>The official OpenAI .NET SDK pointed at the gateway on a loopback port: what existing OpenAI code sees.</summary>
public class OpenAISdkTests
{
    [Fact]
    public async Task CompleteChat_ServedByPrimary_ReturnsTextUsageAndRouterHeaders()
    {
        using var primary = new ScriptedChatClient();
        using var backup = new ScriptedChatClient();
        primary.Enqueue(ScriptedOutcome.Text("Hello from the router").WithUsage(12, 5));
        object? caller = null;
        await using GatewayHost host = await GatewayHost.StartAsync(primary, backup, pipeline: p => p.Use((messages, options, next, cancellationToken) =>
        {
            caller = options?.AdditionalProperties?[LlmRouterRequestProperties.Caller];
            return next(messages, options, cancellationToken);
        }));

        ClientResult<ChatCompletion> result = await host.OpenAI().GetChatClient("fast")
            .CompleteChatAsync([new SystemChatMessage("Be brief."), new UserChatMessage("Hi")], new ChatCompletionOptions { Temperature = 0.5f, MaxOutputTokenCount = 50 });

        ChatCompletion completion = result.Value;
        Assert.Equal("Hello from the router", completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(12, completion.Usage.InputTokenCount);
        Assert.Equal(5, completion.Usage.OutputTokenCount);
        var headers = result.GetRawResponse().Headers;
        Assert.True(headers.TryGetValue("x-llmrouter-route", out string? route));
        Assert.Equal("fast", route);
        Assert.True(headers.TryGetValue("x-llmrouter-deployment", out string? deployment));
        Assert.Equal("primary", deployment);
        Assert.True(headers.TryGetValue("x-llmrouter-attempts", out string? attempts));
        Assert.Equal("1", attempts);
        Assert.True(headers.TryGetValue("x-llmrouter-cost-usd", out string? cost));
        Assert.Equal(0.000022m, decimal.Parse(cost!, System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal("team-a", caller);
        ScriptedCall call = Assert.Single(primary.Calls);
        Assert.Equal(0.5f, call.Options!.Temperature);
        Assert.Equal(50, call.Options.MaxOutputTokens);
        Assert.Equal([ChatRole.System, ChatRole.User], call.Messages.Select(m => m.Role));
    }

    [Fact]
    public async Task CompleteChat_PrimaryFails_FallsBackAndSaysSoInHeaders()
    {
        using var primary = new ScriptedChatClient();
        using var backup = new ScriptedChatClient();
        primary.Enqueue(ScriptedOutcome.Failure(HttpStatusCode.InternalServerError));
        backup.Enqueue(ScriptedOutcome.Text("from backup"));
        await using GatewayHost host = await GatewayHost.StartAsync(primary, backup);

        ClientResult<ChatCompletion> result = await host.OpenAI().GetChatClient("fast").CompleteChatAsync([new UserChatMessage("Hi")]);

        Assert.Equal("from backup", result.Value.Content[0].Text);
        Assert.True(result.GetRawResponse().Headers.TryGetValue("x-llmrouter-deployment", out string? deployment));
        Assert.Equal("backup", deployment);
        Assert.True(result.GetRawResponse().Headers.TryGetValue("x-llmrouter-attempts", out string? attempts));
        Assert.Equal("2", attempts);
    }

    [Fact]
    public async Task CompleteChatStreaming_ReturnsChunksFinishReasonAndUsage()
    {
        using var primary = new ScriptedChatClient();
        using var backup = new ScriptedChatClient();
        primary.Enqueue(ScriptedOutcome.Chunks("Hel", "lo", " there").WithUsage(7, 3));
        await using GatewayHost host = await GatewayHost.StartAsync(primary, backup);

        var text = new System.Text.StringBuilder();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        await foreach (StreamingChatCompletionUpdate update in host.OpenAI().GetChatClient("fast").CompleteChatStreamingAsync([new UserChatMessage("Hi")]))
        {
            foreach (ChatMessageContentPart part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }

        Assert.Equal("Hello there", text.ToString());
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.NotNull(usage);
        Assert.Equal(7, usage.InputTokenCount);
        Assert.Equal(3, usage.OutputTokenCount);
        Assert.True(Assert.Single(primary.Calls).IsStreaming);
        await primary.WaitForStreamsClosedAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Tools_RoundTrip_CallReachesClientAndResultReachesDeployment(bool streaming)
    {
        using var primary = new ScriptedChatClient();
        using var backup = new ScriptedChatClient();
        var call = new FunctionCallContent("call_1", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris" });
        primary.Enqueue(
            ScriptedOutcome.Stream(new ChatResponseUpdate(ChatRole.Assistant, [call]) { FinishReason = AIFinishReason.ToolCalls }),
            ScriptedOutcome.Text("It is sunny in Paris."));
        await using GatewayHost host = await GatewayHost.StartAsync(primary, backup);
        ChatClient client = host.OpenAI().GetChatClient("fast");
        var options = new ChatCompletionOptions
        {
            Tools =
            {
                ChatTool.CreateFunctionTool("get_weather", "The weather in a city.",
                    BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""")),
            },
        };
        List<SdkChatMessage> messages = [new UserChatMessage("Weather in Paris?")];

        string callId;
        string name;
        string arguments;
        if (streaming)
        {
            var builder = new Dictionary<int, (string? Id, string? Name, string Arguments)>();
            ChatFinishReason? finish = null;
            await foreach (StreamingChatCompletionUpdate update in client.CompleteChatStreamingAsync(messages, options))
            {
                foreach (StreamingChatToolCallUpdate tool in update.ToolCallUpdates)
                {
                    builder.TryGetValue(tool.Index, out var soFar);
                    builder[tool.Index] = (tool.ToolCallId ?? soFar.Id, tool.FunctionName ?? soFar.Name, soFar.Arguments + tool.FunctionArgumentsUpdate?.ToString());
                }

                finish ??= update.FinishReason;
            }

            Assert.Equal(ChatFinishReason.ToolCalls, finish);
            (string? id, string? function, string args) = Assert.Single(builder).Value;
            (callId, name, arguments) = (id!, function!, args);
        }
        else
        {
            ChatCompletion completion = (await client.CompleteChatAsync(messages, options)).Value;
            Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
            ChatToolCall tool = Assert.Single(completion.ToolCalls);
            (callId, name, arguments) = (tool.Id, tool.FunctionName, tool.FunctionArguments.ToString());
        }

        Assert.Equal("call_1", callId);
        Assert.Equal("get_weather", name);
        Assert.Equal("Paris", JsonDocument.Parse(arguments).RootElement.GetProperty("city").GetString());

        messages.Add(new AssistantChatMessage([ChatToolCall.CreateFunctionToolCall(callId, name, BinaryData.FromString(arguments))]));
        messages.Add(new ToolChatMessage(callId, "sunny, 21 °C"));
        ChatCompletion answer = (await client.CompleteChatAsync(messages, options)).Value;

        Assert.Equal("It is sunny in Paris.", answer.Content[0].Text);
        ScriptedCall first = primary.Calls[0];
        AIFunctionDeclaration declared = Assert.IsAssignableFrom<AIFunctionDeclaration>(Assert.Single(first.Options!.Tools!));
        Assert.Equal("get_weather", declared.Name);
        Assert.Equal("string", declared.JsonSchema.GetProperty("properties").GetProperty("city").GetProperty("type").GetString());
        IReadOnlyList<AIChatMessage> sent = primary.Calls[1].Messages;
        FunctionCallContent echoed = Assert.IsType<FunctionCallContent>(Assert.Single(sent[1].Contents));
        Assert.Equal("call_1", echoed.CallId);
        Assert.Equal("Paris", ((JsonElement)echoed.Arguments!["city"]!).GetString());
        FunctionResultContent result = Assert.IsType<FunctionResultContent>(Assert.Single(sent[2].Contents));
        Assert.Equal("call_1", result.CallId);
        Assert.Equal("sunny, 21 °C", result.Result);
    }

    [Fact]
    public async Task StructuredOutput_JsonSchemaReachesDeployment()
    {
        using var primary = new ScriptedChatClient();
        using var backup = new ScriptedChatClient();
        primary.Enqueue(ScriptedOutcome.Text("""{"city":"Paris","celsius":21}"""));
        await using GatewayHost host = await GatewayHost.StartAsync(primary, backup);
        var options = new ChatCompletionOptions
        {
            ResponseFormat = global::OpenAI.Chat.ChatResponseFormat.CreateJsonSchemaFormat("weather",
                BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"},"celsius":{"type":"number"}},"required":["city","celsius"]}"""),
                jsonSchemaIsStrict: true),
            StopSequences = { "END" },
        };

        ChatCompletion completion = (await host.OpenAI().GetChatClient("fast").CompleteChatAsync([new UserChatMessage("Weather?")], options)).Value;

        Assert.Equal(21, JsonDocument.Parse(completion.Content[0].Text).RootElement.GetProperty("celsius").GetInt32());
        ChatOptions sent = Assert.Single(primary.Calls).Options!;
        ChatResponseFormatJson format = Assert.IsType<ChatResponseFormatJson>(sent.ResponseFormat);
        Assert.Equal("weather", format.SchemaName);
        Assert.Equal("number", format.Schema!.Value.GetProperty("properties").GetProperty("celsius").GetProperty("type").GetString());
        Assert.Equal(["END"], sent.StopSequences);
    }

    [Fact]
    public async Task UnknownKey_Is401WithOpenAIErrorBody()
    {
        using var primary = new ScriptedChatClient();
        using var backup = new ScriptedChatClient();
        await using GatewayHost host = await GatewayHost.StartAsync(primary, backup);

        ClientResultException error = await Assert.ThrowsAsync<ClientResultException>(() =>
            host.OpenAI("sk-not-a-key").GetChatClient("fast").CompleteChatAsync([new UserChatMessage("Hi")]));

        Assert.Equal(401, error.Status);
        JsonElement body = JsonDocument.Parse(error.GetRawResponse()!.Content.ToString()).RootElement.GetProperty("error");
        Assert.Equal("invalid_api_key", body.GetProperty("code").GetString());
        Assert.DoesNotContain("sk-not-a-key", error.GetRawResponse()!.Content.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, primary.CallCount);
    }

    [Fact]
    public async Task RouteNotAllowedForKey_Is403AndUnknownModel_Is404()
    {
        using var primary = new ScriptedChatClient();
        using var backup = new ScriptedChatClient();
        await using GatewayHost host = await GatewayHost.StartAsync(primary, backup);
        ChatClient smart = host.OpenAI(GatewayHost.FastOnlyKey).GetChatClient("smart");

        ClientResultException forbidden = await Assert.ThrowsAsync<ClientResultException>(() => smart.CompleteChatAsync([new UserChatMessage("Hi")]));
        ClientResultException unknown = await Assert.ThrowsAsync<ClientResultException>(() =>
            host.OpenAI().GetChatClient("gpt-5").CompleteChatAsync([new UserChatMessage("Hi")]));

        Assert.Equal(403, forbidden.Status);
        Assert.Equal(404, unknown.Status);
        JsonElement body = JsonDocument.Parse(unknown.GetRawResponse()!.Content.ToString()).RootElement.GetProperty("error");
        Assert.Equal("model_not_found", body.GetProperty("code").GetString());
        Assert.Equal("model", body.GetProperty("param").GetString());
        Assert.Contains("fast, smart", body.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, primary.CallCount + backup.CallCount);
    }

    [Fact]
    public async Task CallerRateLimit_Is429WithRetryAfter()
    {
        using var primary = new ScriptedChatClient();
        using var backup = new ScriptedChatClient();
        await using GatewayHost host = await GatewayHost.StartAsync(primary, backup, pipeline: p => p.Use(inner => new RefuseOnceChatClient(inner, Limited)));

        ClientResultException error = await Assert.ThrowsAsync<ClientResultException>(() =>
            host.OpenAI(maxRetries: 0).GetChatClient("fast").CompleteChatAsync([new UserChatMessage("Hi")]));

        Assert.Equal(429, error.Status);
        Assert.True(error.GetRawResponse()!.Headers.TryGetValue("Retry-After", out string? retryAfter));
        Assert.Equal("1", retryAfter);
        Assert.Equal("rate_limit_exceeded", JsonDocument.Parse(error.GetRawResponse()!.Content.ToString()).RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task CallerRateLimit_SdkWaitsRetryAfterAndRetries()
    {
        using var primary = new ScriptedChatClient();
        using var backup = new ScriptedChatClient();
        primary.Enqueue(ScriptedOutcome.Text("served on the retry"));
        RefuseOnceChatClient? gate = null;
        await using GatewayHost host = await GatewayHost.StartAsync(primary, backup, pipeline: p => p.Use(inner => gate = new RefuseOnceChatClient(inner, Limited)));

        ChatCompletion completion = (await host.OpenAI(maxRetries: 1).GetChatClient("fast").CompleteChatAsync([new UserChatMessage("Hi")])).Value;

        Assert.Equal("served on the retry", completion.Content[0].Text);
        Assert.Equal(2, gate!.Calls);
        Assert.Equal(1, primary.CallCount);
    }

    [Fact]
    public async Task CallerBudgetSpent_Is429WithRetryAfterUntilItResets()
    {
        using var primary = new ScriptedChatClient();
        using var backup = new ScriptedChatClient();
        primary.DefaultOutcome = ScriptedOutcome.Text("ok").WithUsage(1_000_000, 0);
        await using GatewayHost host = await GatewayHost.StartAsync(primary, backup, router: b => b.AddBudget("per-team", budget =>
        {
            budget.Scope = BudgetScope.Caller;
            budget.LimitUsd = 1.5m;
            budget.Window = BudgetWindow.Day;
        }));
        ChatClient fast = host.OpenAI().GetChatClient("fast");

        await fast.CompleteChatAsync([new UserChatMessage("Hi")]);
        await fast.CompleteChatAsync([new UserChatMessage("Hi")]);
        ClientResultException error = await Assert.ThrowsAsync<ClientResultException>(() => fast.CompleteChatAsync([new UserChatMessage("Hi")]));

        Assert.Equal(429, error.Status);
        Assert.Equal("budget_exceeded", JsonDocument.Parse(error.GetRawResponse()!.Content.ToString()).RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.True(error.GetRawResponse()!.Headers.TryGetValue("Retry-After", out string? retryAfter));
        Assert.InRange(int.Parse(retryAfter!, System.Globalization.CultureInfo.InvariantCulture), 1, 86_400);
        Assert.Equal(2, primary.CallCount);
    }

    [Fact]
    public async Task EveryDeploymentFails_Is502WithAttemptsAndNoProviderText()
    {
        using var primary = new ScriptedChatClient();
        using var backup = new ScriptedChatClient();
        primary.DefaultOutcome = ScriptedOutcome.Failure(HttpStatusCode.InternalServerError, message: "upstream said sk-live-secret");
        backup.DefaultOutcome = ScriptedOutcome.Failure(HttpStatusCode.BadGateway, message: "upstream said sk-live-secret");
        await using GatewayHost host = await GatewayHost.StartAsync(primary, backup, router: b => b.ConfigureRetry(r => r.MaxAttempts = 1));

        ClientResultException error = await Assert.ThrowsAsync<ClientResultException>(() =>
            host.OpenAI().GetChatClient("fast").CompleteChatAsync([new UserChatMessage("Hi")]));

        Assert.Equal(502, error.Status);
        string body = error.GetRawResponse()!.Content.ToString();
        string message = JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("message").GetString()!;
        Assert.Contains("primary: ServerError, HTTP 500", message, StringComparison.Ordinal);
        Assert.Contains("backup: ServerError, HTTP 502", message, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-live-secret", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Models_ListsTheRoutesAndDeploymentModelsTheKeyMayUse()
    {
        using var primary = new ScriptedChatClient();
        using var backup = new ScriptedChatClient();
        await using GatewayHost host = await GatewayHost.StartAsync(primary, backup);

        var all = (await host.OpenAI().GetOpenAIModelClient().GetModelsAsync()).Value.Select(m => m.Id).ToList();
        var fastOnly = (await host.OpenAI(GatewayHost.FastOnlyKey).GetOpenAIModelClient().GetModelsAsync()).Value.Select(m => m.Id).ToList();

        Assert.Equal(["fast", "smart", "model-a", "model-b"], all);
        Assert.Equal(["fast", "model-a", "model-b"], fastOnly);
    }

    private static RateLimitExceededException Limited() =>
        new("fast", "team-a", "requests", 10, TimeSpan.FromMinutes(1), DateTimeOffset.UtcNow.AddSeconds(1), TimeSpan.FromMilliseconds(400));
}
