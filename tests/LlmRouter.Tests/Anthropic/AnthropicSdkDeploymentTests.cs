using Anthropic;
using Anthropic.Core;
using Anthropic.Exceptions;
using LlmRouter.Tests.Providers;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using static LlmRouter.Tests.Providers.ProviderTestClients;

namespace LlmRouter.Tests.Anthropic;

/// <summary>
/// The official Anthropic SDK (13.12) as two router deployments on loopback servers, its clients made either way LlmRouter.Anthropic
/// offers: <see cref="AnthropicClientRouterExtensions.AsRouterChatClient"/> (<c>routerClient</c>), or the SDK's own
/// <c>AsIChatClient</c> with <c>MaxRetries = 0</c> and <see cref="LlmRouterBuilderAnthropicExtensions.AddAnthropicSdkErrors"/>.
/// </summary>
public sealed class AnthropicSdkDeploymentTests : PrimaryAndBackupServers
{
    private const string Reply = """{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":"Hi from the backup"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":10,"output_tokens":5}}""";

    private static readonly TimeSpan DefaultCooldown = TimeSpan.FromSeconds(4);

    private readonly FakeTimeProvider _clock = new(Now);
    private readonly FakeLogCollector _logs = new();
    public static TheoryData<bool, bool, int, string, ProviderErrorKind> FallingBack
    {
        get
        {
            var data = new TheoryData<bool, bool, int, string, ProviderErrorKind>();
            foreach (bool routerClient in new[] { true, false })
            {
                foreach (bool streaming in new[] { false, true })
                {
                    data.Add(routerClient, streaming, 529, Error("overloaded_error", "Overloaded"), ProviderErrorKind.Overloaded);
                    data.Add(routerClient, streaming, 503, Error("overloaded_error", "Overloaded"), ProviderErrorKind.Overloaded);
                    data.Add(routerClient, streaming, 500, Error("api_error", "Internal server error"), ProviderErrorKind.ServerError);
                    data.Add(routerClient, streaming, 401, Error("authentication_error", "invalid x-api-key"), ProviderErrorKind.Authentication);
                    data.Add(routerClient, streaming, 403, Error("permission_error", "Your API key does not have permission to use the specified resource."), ProviderErrorKind.PermissionDenied);
                    data.Add(routerClient, streaming, 404, Error("not_found_error", "model: claude-9"), ProviderErrorKind.NotFound);
                    data.Add(routerClient, streaming, 400, Error("invalid_request_error", "prompt is too long: 215000 tokens > 200000 maximum"), ProviderErrorKind.ContextLengthExceeded);
                    data.Add(routerClient, streaming, 400, Error("billing_error", "Your credit balance is too low to access the Anthropic API."), ProviderErrorKind.QuotaExceeded);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(FallingBack))]
    public async Task Router_SdkDeploymentFails_ClassifiesTheStatusAndBodyAndFallsBack(bool routerClient, bool streaming, int status, string body, ProviderErrorKind expected)
    {
        Primary.EnqueueJson(body, status);
        EnqueueBackupAnswer(streaming);
        using IChatClient router = Router(routerClient);

        ChatResponse response = await router.CallAsync(streaming, cancellationToken: Guard());

        Assert.Equal("Hi from the backup", response.Text);
        Assert.Equal($"primary: {expected}, HTTP {status}", response.Property(LlmRouterProperties.FallbackReasons));

        // One call reached the primary: the SDK did not retry inside the router.
        Assert.Single(Primary.Requests);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(false, true)]
    public async Task Router_SdkDeploymentAnswers400_StopsWithoutTryingTheBackup(bool routerClient, bool streaming)
    {
        Primary.EnqueueJson(Error("invalid_request_error", "messages: roles must alternate between \"user\" and \"assistant\""), 400);
        EnqueueBackupAnswer(streaming);
        using IChatClient router = Router(routerClient);

        LlmRouterException error = await Assert.ThrowsAsync<LlmRouterException>(() => router.CallAsync(streaming, cancellationToken: Guard()));

        RouterAttempt attempt = Assert.Single(error.Attempts);
        Assert.Equal(("primary", ProviderErrorKind.BadRequest, 400), (attempt.Deployment, attempt.Kind, attempt.StatusCode));
        Assert.Empty(Backup.Requests);
        if (routerClient)
        {
            ProviderException translated = Assert.IsType<ProviderException>(attempt.Exception);
            Assert.Equal(("anthropic", "invalid_request_error"), (translated.ProviderName, translated.ErrorType));
            Assert.StartsWith("anthropic answered HTTP 400 (invalid_request_error): messages: roles must alternate", translated.Message, StringComparison.Ordinal);
            Assert.IsType<AnthropicBadRequestException>(translated.InnerException);
        }
        else
        {
            Assert.IsType<AnthropicBadRequestException>(attempt.Exception);
        }
    }

    [Theory]
    [InlineData(false, "retry-after", "2")]
    [InlineData(true, "retry-after", "2")]
    [InlineData(false, "retry-after-ms", "2000")]
    [InlineData(true, "retry-after-ms", "2000")]
    public async Task Router_RouterClientRateLimited_CoolsItDownForTheWaitItsHeadersAskFor(bool streaming, string header, string value)
    {
        Primary.EnqueueJson(Error("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"), 429, (header, value));
        EnqueueBackupAnswer(streaming);
        EnqueueBackupAnswer(streaming);
        using IChatClient router = Router(routerClient: true);

        ChatResponse first = await router.CallAsync(streaming, cancellationToken: Guard());

        Assert.Equal("primary: RateLimited, HTTP 429, retry after 2 s", first.Property(LlmRouterProperties.FallbackReasons));
        Assert.Equal(_clock.GetUtcNow() + TimeSpan.FromSeconds(2), router.GetService<IRouterHealth>()!.GetDeployment("primary").CooldownUntil);

        // Another request within the cooldown skips the primary.
        _clock.Advance(TimeSpan.FromSeconds(1));
        ChatResponse second = await router.CallAsync(streaming, cancellationToken: Guard());
        Assert.Equal(("backup", 1), (second.Property(LlmRouterProperties.Deployment), second.Property(LlmRouterProperties.Attempts)));
        Assert.Single(Primary.Requests);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Router_SdkClientWithClassifierRateLimited_CoolsDownForTheDefaultDuration(bool streaming)
    {
        // The SDK's exceptions keep no headers: the classifier alone knows the kind but not the wait.
        Primary.EnqueueJson(Error("rate_limit_error", "rate limited"), 429, ("retry-after", "2"));
        EnqueueBackupAnswer(streaming);
        using IChatClient router = Router(routerClient: false);

        ChatResponse response = await router.CallAsync(streaming, cancellationToken: Guard());

        Assert.Equal("primary: RateLimited, HTTP 429", response.Property(LlmRouterProperties.FallbackReasons));
        Assert.Equal(_clock.GetUtcNow() + DefaultCooldown, router.GetService<IRouterHealth>()!.GetDeployment("primary").CooldownUntil);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(false, true)]
    public async Task Router_SdkDeploymentUnauthorized_FallsBackAndLogsItOnce(bool routerClient, bool streaming)
    {
        for (int i = 0; i < 2; i++)
        {
            Primary.EnqueueJson(Error("authentication_error", "invalid x-api-key"), 401);
            EnqueueBackupAnswer(streaming);
        }

        using IChatClient router = Router(routerClient);

        Assert.Equal("Hi from the backup", (await router.CallAsync(streaming, cancellationToken: Guard())).Text);
        Assert.Equal("Hi from the backup", (await router.CallAsync(streaming, cancellationToken: Guard())).Text);

        FakeLogRecord warning = Assert.Single(_logs.GetSnapshot(), r => r.Id.Id == 3);
        Assert.Contains("'primary'", warning.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(ProviderErrorKind.Authentication), warning.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Router_SdkStreamSendsAnErrorEventBeforeItsFirstContent_FallsBackAsOverloaded(bool routerClient)
    {
        Primary.EnqueueEvents([MessageStart, Sse.Event("error", """{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}""")]);
        EnqueueBackupAnswer(streaming: true);
        using IChatClient router = Router(routerClient);

        ChatResponse response = await router.CallAsync(streaming: true, cancellationToken: Guard());

        Assert.Equal("Hi from the backup", response.Text);
        Assert.Equal("primary: Overloaded", response.Property(LlmRouterProperties.FallbackReasons));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Router_SdkStreamSendsAnErrorEventAfterItsFirstContent_SurfacesItToTheCaller(bool routerClient)
    {
        Primary.EnqueueEvents([MessageStart, TextStart, TextDelta("Hi fr"), Sse.Event("error", """{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}""")]);
        using IChatClient router = Router(routerClient);
        var received = new List<string>();

        Exception error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await foreach (ChatResponseUpdate update in router.GetStreamingResponseAsync(Hello, null, Guard()))
            {
                received.Add(update.Text);
            }
        });

        Assert.Equal("Hi fr", string.Concat(received));
        if (routerClient)
        {
            ProviderException translated = Assert.IsType<ProviderException>(error);
            Assert.Equal(ProviderErrorKind.Overloaded, translated.Kind);
            Assert.Equal("anthropic reported an error in the stream (overloaded_error): Overloaded", translated.Message);
            Assert.IsType<AnthropicSseException>(translated.InnerException);
        }
        else
        {
            Assert.IsType<AnthropicSseException>(error);
        }

        Assert.Empty(Backup.Requests);
    }

    [Theory]
    [InlineData(true, "reset", ProviderErrorKind.Transport)]
    [InlineData(false, "reset", ProviderErrorKind.Transport)]
    [InlineData(true, "invalid json", ProviderErrorKind.InvalidResponse)]
    [InlineData(false, "invalid json", ProviderErrorKind.InvalidResponse)]
    public async Task Router_SdkStreamBreaksBeforeItsFirstContent_FallsBackWithTheKind(bool routerClient, string breakage, ProviderErrorKind expected)
    {
        Primary.Enqueue(breakage == "reset"
            ? new ScriptedResponse { ContentType = "text/event-stream", Events = [MessageStart], AbortAfterBody = true }
            : new ScriptedResponse { ContentType = "text/event-stream", Events = [MessageStart, "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"ind\n\n"] });
        EnqueueBackupAnswer(streaming: true);
        using IChatClient router = Router(routerClient);

        ChatResponse response = await router.CallAsync(streaming: true, cancellationToken: Guard());

        Assert.Equal("Hi from the backup", response.Text);
        Assert.Equal($"primary: {expected}", response.Property(LlmRouterProperties.FallbackReasons));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Router_RouterClient_SendsTheRequestAsTheSdkDoes(bool streaming)
    {
        EnqueueBackupAnswer(streaming, Primary);
        using IChatClient router = Router(routerClient: true);

        ChatResponse response = await router.CallAsync(streaming, cancellationToken: Guard());

        Assert.Equal("Hi from the backup", response.Text);
        RecordedRequest request = Assert.Single(Primary.Requests);
        Assert.Equal("/v1/messages", request.Path);
        Assert.Equal("Bearer " + ApiKey, request.Headers["Authorization"]);
        Assert.Equal("claude-haiku-4-5", request.Json.GetProperty("model").GetString());
    }

    [Fact]
    public async Task Router_SdkClientWithoutTheClassifier_CannotSeeTheStatusCode()
    {
        // Why LlmRouter.Anthropic exists: the SDK's exceptions are not HttpRequestExceptions and wrap none, so a 529 is "Unknown".
        Primary.EnqueueJson(Error("overloaded_error", "Overloaded"), 529);
        using IChatClient router = new LlmRouterBuilder().WithoutRetries().AddDeployment("sdk", SdkClient(Primary, maxRetries: 0).AsIChatClient("claude-haiku-4-5", 1024)).Build();

        LlmRouterException error = await Assert.ThrowsAsync<LlmRouterException>(() => router.GetResponseAsync(Hello, null, Guard()));

        Assert.Equal(ProviderErrorKind.Unknown, Assert.Single(error.Attempts).Kind);
    }

    [Fact]
    public void AddAnthropicSdkErrors_SdkClientThatRetries_WarnsOncePerDeploymentNamingIt()
    {
        AnthropicClient retrying = SdkClient(Primary, maxRetries: null);
        using var loggerFactory = new LoggerFactory([new FakeLoggerProvider(_logs)]);

        // Built twice, as a configuration reload rebuilds a router around the same clients.
        for (int build = 0; build < 2; build++)
        {
            using IChatClient router = new LlmRouterBuilder()
                .AddAnthropicSdkErrors(loggerFactory)
                .AddDeployment("retrying", retrying.AsIChatClient("claude-haiku-4-5", 1024))
                .AddDeployment("quiet", SdkClient(Backup, maxRetries: 0).AsIChatClient("claude-haiku-4-5", 1024))
                .AddDeployment("wrapped", SdkClient(Backup, maxRetries: null).AsRouterChatClient("claude-haiku-4-5", 1024))
                .Build();
        }

        FakeLogRecord warning = Assert.Single(_logs.GetSnapshot(), r => r.Id.Id == 100);
        Assert.Equal((LogLevel.Warning, "LlmRouter"), (warning.Level, warning.Category));
        Assert.Contains("Deployment 'retrying'", warning.Message, StringComparison.Ordinal);
        Assert.Contains("MaxRetries = 2", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddAnthropicSdkErrors_UnderDependencyInjection_WarnsThroughTheContainersLoggerFactory()
    {
        var services = new ServiceCollection();
        services.AddSingleton<ILoggerFactory>(new LoggerFactory([new FakeLoggerProvider(_logs)]));
        services.AddLlmRouter(builder => builder
            .AddAnthropicSdkErrors()
            .AddDeployment("retrying", SdkClient(Primary, maxRetries: 3).AsIChatClient("claude-haiku-4-5", 1024)));
        using ServiceProvider provider = services.BuildServiceProvider();

        _ = provider.GetRequiredService<IChatClient>();

        FakeLogRecord warning = Assert.Single(_logs.GetSnapshot(), r => r.Id.Id == 100);
        Assert.Contains("Deployment 'retrying'", warning.Message, StringComparison.Ordinal);
        Assert.Contains("MaxRetries = 3", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AsRouterChatClient_LeavesTheSdkClientItWasGivenUnchanged()
    {
        AnthropicClient sdk = SdkClient(Primary, maxRetries: null);

        using IChatClient client = sdk.AsRouterChatClient("claude-haiku-4-5", 1024);

        Assert.Null(sdk.MaxRetries);
        Assert.Empty(sdk.Handlers);
        Assert.Equal(0, ((IAnthropicClient)client.GetService(typeof(IAnthropicClient))!).MaxRetries);
    }

    private static string MessageStart => Sse.Event("message_start", """{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-haiku-4-5","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":10,"output_tokens":1}}}""");

    private static string TextStart => Sse.Event("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""");

    private static string TextDelta(string text) => Sse.Event("content_block_delta", $$$"""{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"{{{text}}}"}}""");

    private static string Error(string type, string message) =>
        $$$"""{"type":"error","error":{"type":"{{{type}}}","message":"{{{message.Replace("\"", "\\\"", StringComparison.Ordinal)}}}"}}""";

    private void EnqueueBackupAnswer(bool streaming, LoopbackServer? server = null)
    {
        server ??= Backup;
        if (streaming)
        {
            server.EnqueueEvents(
            [
                MessageStart,
                TextStart,
                TextDelta("Hi from the backup"),
                Sse.Event("content_block_stop", """{"type":"content_block_stop","index":0}"""),
                Sse.Event("message_delta", """{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":5}}"""),
                Sse.Event("message_stop", """{"type":"message_stop"}"""),
            ]);
        }
        else
        {
            server.EnqueueJson(Reply);
        }
    }

    private IChatClient Router(bool routerClient)
    {
        var loggerFactory = new LoggerFactory([new FakeLoggerProvider(_logs)]);
        LlmRouterBuilder builder = new LlmRouterBuilder()
            .UseTimeProvider(_clock)
            .UseLoggerFactory(loggerFactory)
            .WithoutRetries()
            .WithoutTimeouts()
            .ConfigureCircuitBreaker(b => b.Enabled = false)
            .ConfigureCooldown(c => c.DefaultDuration = DefaultCooldown);
        if (!routerClient)
        {
            builder.AddAnthropicSdkErrors(loggerFactory);
        }

        return builder
            .AddDeployment("primary", Client(Primary, "claude-haiku-4-5"))
            // A larger window than claude-haiku-4-5's, so a prompt that overflowed the primary may still fall back here.
            .AddDeployment("backup", Client(Backup, "claude-sonnet-4-5"), d => d.ContextWindow = 1_000_000)
            .Build();

        IChatClient Client(LoopbackServer server, string model) => routerClient
            ? SdkClient(server, maxRetries: null).AsRouterChatClient(model, 1024)
            : SdkClient(server, maxRetries: 0).AsIChatClient(model, 1024);
    }

    private static AnthropicClient SdkClient(LoopbackServer server, int? maxRetries) =>
        new(new ClientOptions { ApiKey = ApiKey, BaseUrl = server.BaseUri.ToString().TrimEnd('/'), MaxRetries = maxRetries });
}
