using System.ClientModel;
using LlmRouter.Tests.Providers;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using OpenAI;
using OpenAI.Chat;
using static LlmRouter.Tests.Providers.ProviderTestClients;

namespace LlmRouter.Tests.Resilience.Errors;

/// <summary>
/// The official OpenAI SDK (2.15, through Microsoft.Extensions.AI.OpenAI's <c>AsIChatClient</c>, its retries off) as two router
/// deployments on loopback servers: its <see cref="ClientResultException"/>s classified by the built-in rules, with no classifier added.
/// </summary>
public sealed class ClientResultErrorsTests : PrimaryAndBackupServers
{
    private const string Completion = """{"id":"c","object":"chat.completion","created":1,"model":"gpt-4.1","choices":[{"index":0,"message":{"role":"assistant","content":"Hi from the backup"},"finish_reason":"stop"}]}""";
    private const string RoleChunk = """{"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant"},"finish_reason":null}]}""";
    private const string BackupChunk = """{"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4.1","choices":[{"index":0,"delta":{"content":"Hi from the backup"},"finish_reason":"stop"}]}""";

    private readonly FakeTimeProvider _clock = new(Now);
    private readonly FakeLogCollector _logs = new();
    public static TheoryData<bool, int, string, ProviderErrorKind> FallingBack
    {
        get
        {
            var data = new TheoryData<bool, int, string, ProviderErrorKind>();
            foreach (bool streaming in new[] { false, true })
            {
                data.Add(streaming, 503, """{"error":{"message":"The engine is currently overloaded, please try again later","type":"server_error","param":null,"code":null}}""", ProviderErrorKind.Overloaded);
                data.Add(streaming, 529, """{"error":{"message":"Overloaded","type":"overloaded_error"}}""", ProviderErrorKind.Overloaded);
                data.Add(streaming, 500, """{"error":{"message":"The server had an error while processing your request.","type":"server_error"}}""", ProviderErrorKind.ServerError);
                data.Add(streaming, 401, """{"error":{"message":"Incorrect API key provided.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}""", ProviderErrorKind.Authentication);
                data.Add(streaming, 404, """{"error":{"message":"The model `gpt-9` does not exist or you do not have access to it.","type":"invalid_request_error","param":null,"code":"model_not_found"}}""", ProviderErrorKind.NotFound);
                data.Add(streaming, 429, """{"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}""", ProviderErrorKind.QuotaExceeded);
                data.Add(streaming, 400, """{"error":{"message":"This model's maximum context length is 128000 tokens. However, your messages resulted in 130412 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}""", ProviderErrorKind.ContextLengthExceeded);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(FallingBack))]
    public async Task Router_SdkDeploymentFails_ClassifiesTheStatusAndBodyAndFallsBack(bool streaming, int status, string body, ProviderErrorKind expected)
    {
        Primary.EnqueueJson(body, status);
        EnqueueBackupAnswer(streaming);
        using IChatClient router = Router();

        ChatResponse response = await router.CallAsync(streaming, cancellationToken: Guard());

        Assert.Equal("Hi from the backup", response.Text);
        Assert.Equal("backup", response.Property(LlmRouterProperties.Deployment));
        Assert.Equal($"primary: {expected}, HTTP {status}", response.Property(LlmRouterProperties.FallbackReasons));

        // One call reached the primary: the SDK did not retry inside the router.
        Assert.Single(Primary.Requests);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Router_SdkDeploymentAnswers400_StopsWithoutTryingTheBackup(bool streaming)
    {
        Primary.EnqueueJson("""{"error":{"message":"Invalid value for 'temperature': must be at most 2.","type":"invalid_request_error","param":"temperature","code":"invalid_value"}}""", 400);
        EnqueueBackupAnswer(streaming);
        using IChatClient router = Router();

        LlmRouterException error = await Assert.ThrowsAsync<LlmRouterException>(() => router.CallAsync(streaming, cancellationToken: Guard()));

        RouterAttempt attempt = Assert.Single(error.Attempts);
        Assert.Equal(("primary", ProviderErrorKind.BadRequest, 400), (attempt.Deployment, attempt.Kind, attempt.StatusCode));
        Assert.IsType<ClientResultException>(attempt.Exception);
        Assert.Empty(Backup.Requests);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Router_SdkDeploymentFilteredByContentPolicy_StopsAsContentFiltered(bool streaming)
    {
        // Azure OpenAI's answer when its content filter blocks the prompt.
        Primary.EnqueueJson("""{"error":{"message":"The response was filtered due to the prompt triggering Azure OpenAI's content management policy.","type":null,"param":"prompt","code":"content_filter","status":400,"innererror":{"code":"ResponsibleAIPolicyViolation"}}}""", 400);
        using IChatClient router = Router();

        LlmRouterException error = await Assert.ThrowsAsync<LlmRouterException>(() => router.CallAsync(streaming, cancellationToken: Guard()));

        Assert.Equal(ProviderErrorKind.ContentFiltered, Assert.Single(error.Attempts).Kind);
        Assert.Empty(Backup.Requests);
    }

    public static TheoryData<bool, string, string> RateLimitHeaders
    {
        get
        {
            var data = new TheoryData<bool, string, string>();
            foreach (bool streaming in new[] { false, true })
            {
                data.Add(streaming, "Retry-After", "2");
                data.Add(streaming, "retry-after-ms", "2000");
                data.Add(streaming, "x-ratelimit-reset-requests", "2s");
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(RateLimitHeaders))]
    public async Task Router_SdkDeploymentRateLimited_CoolsItDownForTheWaitItsHeadersAskFor(bool streaming, string header, string value)
    {
        Primary.EnqueueJson(
            """{"error":{"message":"Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3, Used 3, Requested 1.","type":"requests","param":null,"code":"rate_limit_exceeded"}}""",
            429,
            (header, value),
            ("x-ratelimit-remaining-requests", "0"));
        EnqueueBackupAnswer(streaming);
        EnqueueBackupAnswer(streaming);
        using IChatClient router = Router();

        ChatResponse first = await router.CallAsync(streaming, cancellationToken: Guard());

        Assert.Equal("primary: RateLimited, HTTP 429, retry after 2 s", first.Property(LlmRouterProperties.FallbackReasons));
        Assert.Equal(_clock.GetUtcNow() + TimeSpan.FromSeconds(2), router.GetService<IRouterHealth>()!.GetDeployment("primary").CooldownUntil);

        // Another request within the cooldown skips the primary.
        _clock.Advance(TimeSpan.FromSeconds(1));
        ChatResponse second = await router.CallAsync(streaming, cancellationToken: Guard());
        Assert.Equal(("backup", 1), (second.Property(LlmRouterProperties.Deployment), second.Property(LlmRouterProperties.Attempts)));
        Assert.Single(Primary.Requests);
    }

    [Fact]
    public async Task Router_SdkDeploymentRateLimitedOnEveryDeployment_AttemptsCarryTheRetryAfter()
    {
        Primary.EnqueueJson("""{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}""", 429, ("Retry-After", "2"));
        Backup.EnqueueJson("""{"error":{"message":"Rate limit reached","type":"tokens","code":"rate_limit_exceeded"}}""", 429, ("retry-after-ms", "1500"));
        using IChatClient router = Router();

        LlmRouterException error = await Assert.ThrowsAsync<LlmRouterException>(() => router.GetResponseAsync(Hello, null, Guard()));

        Assert.Equal(
            [("primary", ProviderErrorKind.RateLimited, (int?)429, (TimeSpan?)TimeSpan.FromSeconds(2)), ("backup", ProviderErrorKind.RateLimited, 429, TimeSpan.FromMilliseconds(1500))],
            error.Attempts.Select(a => (a.Deployment, a.Kind, a.StatusCode, a.RetryAfter)));
    }

    [Theory]
    [InlineData(false, 401, ProviderErrorKind.Authentication)]
    [InlineData(true, 401, ProviderErrorKind.Authentication)]
    [InlineData(false, 404, ProviderErrorKind.NotFound)]
    [InlineData(true, 404, ProviderErrorKind.NotFound)]
    public async Task Router_SdkDeploymentMisconfigured_FallsBackAndLogsItOnce(bool streaming, int status, ProviderErrorKind expected)
    {
        string body = status == 401
            ? """{"error":{"message":"Incorrect API key provided.","type":"invalid_request_error","code":"invalid_api_key"}}"""
            : """{"error":{"message":"The model `gpt-9` does not exist or you do not have access to it.","type":"invalid_request_error","code":"model_not_found"}}""";
        for (int i = 0; i < 2; i++)
        {
            Primary.EnqueueJson(body, status);
            EnqueueBackupAnswer(streaming);
        }

        using IChatClient router = Router();

        Assert.Equal("Hi from the backup", (await router.CallAsync(streaming, cancellationToken: Guard())).Text);
        Assert.Equal("Hi from the backup", (await router.CallAsync(streaming, cancellationToken: Guard())).Text);

        FakeLogRecord warning = Assert.Single(_logs.GetSnapshot(), r => r.Id.Id == 3);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("'primary'", warning.Message, StringComparison.Ordinal);
        Assert.Contains(expected.ToString(), warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(ApiKey, string.Concat(_logs.GetSnapshot().Select(r => r.Message)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("reset", ProviderErrorKind.Transport)]
    [InlineData("invalid json", ProviderErrorKind.InvalidResponse)]
    public async Task Router_SdkStreamBreaksBeforeItsFirstContent_FallsBackWithTheKind(string breakage, ProviderErrorKind expected)
    {
        Primary.Enqueue(breakage == "reset"
            // The SDK wraps the reset connection in a ClientResultException of status 0 around an HttpRequestException.
            ? new ScriptedResponse { ContentType = "text/event-stream", Events = [Sse.Data(RoleChunk)], AbortAfterBody = true }
            // The SDK's own JSON reader throws on a malformed chunk.
            : new ScriptedResponse { ContentType = "text/event-stream", Events = [Sse.Data(RoleChunk), "data: {\"id\":\"c\",\"choices\":[{\"delta\n\n"] });
        EnqueueBackupAnswer(streaming: true);
        using IChatClient router = Router();

        ChatResponse response = await router.CallAsync(streaming: true, cancellationToken: Guard());

        Assert.Equal("Hi from the backup", response.Text);
        Assert.Equal($"primary: {expected}", response.Property(LlmRouterProperties.FallbackReasons));
    }

    private void EnqueueBackupAnswer(bool streaming)
    {
        if (streaming)
        {
            Backup.EnqueueEvents([Sse.Data(BackupChunk), Sse.Done]);
        }
        else
        {
            Backup.EnqueueJson(Completion);
        }
    }

    private IChatClient Router()
    {
        var loggerFactory = new LoggerFactory([new FakeLoggerProvider(_logs)]);
        return new LlmRouterBuilder()
            .UseTimeProvider(_clock)
            .UseLoggerFactory(loggerFactory)
            .WithoutRetries()
            .WithoutTimeouts()
            .ConfigureCircuitBreaker(b => b.Enabled = false)
            .AddDeployment("primary", Sdk(Primary, "gpt-4o-mini"))
            // A larger window than gpt-4o-mini's, so a prompt that overflowed the primary may still fall back here.
            .AddDeployment("backup", Sdk(Backup, "gpt-4.1"), d => d.ContextWindow = 1_000_000)
            .Build();
    }

    private static IChatClient Sdk(LoopbackServer server, string model) =>
        new ChatClient(model, new ApiKeyCredential(ApiKey), new OpenAIClientOptions { Endpoint = server.Url("/v1") }.WithoutRetries()).AsIChatClient();
}
