using System.Net;
using LlmRouter.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace LlmRouter.Tests.Routing;

public class LlmRouterClientTests
{
    private static readonly FakeTimeProvider Clock = new();

    private static IChatClient Router(params (string Name, ScriptedChatClient Client)[] deployments) =>
        Router(b => b.AddRoute("default", r => r.Deployments = [.. deployments.Select(d => d.Name)]), deployments);

    private static IChatClient Router(Action<LlmRouterBuilder> routes, params (string Name, ScriptedChatClient Client)[] deployments)
    {
        var builder = new LlmRouterBuilder().WithoutRetries().UseTimeProvider(Clock);
        foreach ((string name, ScriptedChatClient client) in deployments)
        {
            builder.AddDeployment(name, client, d => d.Model = name + "-model");
        }

        routes(builder);
        return builder.Build();
    }

    private static ScriptedChatClient Fake(params ScriptedOutcome[] outcomes) => new ScriptedChatClient("fake", timeProvider: Clock).Enqueue(outcomes);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_PrimarySucceeds_AnswersAndSaysWhoServed(bool streaming)
    {
        ScriptedChatClient primary = Fake(ScriptedOutcome.Chunks("Hel", "lo!"));
        ScriptedChatClient backup = Fake();
        IChatClient router = Router(("primary", primary), ("backup", backup));

        ChatResponse response = await router.CallAsync(streaming, RouterCalls.Route("default"));

        Assert.Equal("Hello!", response.Text);
        Assert.Equal("primary-model", response.ModelId);
        Assert.Equal("default", response.Property(LlmRouterProperties.Route));
        Assert.Equal("primary", response.Property(LlmRouterProperties.Deployment));
        Assert.Equal("fake", response.Property(LlmRouterProperties.Provider));
        Assert.Equal(1, response.Property(LlmRouterProperties.Attempts));
        Assert.Null(response.Property(LlmRouterProperties.FallbackReasons));
        Assert.Equal(0, backup.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_FailuresBeforeSuccess_FallsBackInRouteOrderAndListsReasons(bool streaming)
    {
        ScriptedChatClient first = Fake(ScriptedOutcome.Failure(HttpStatusCode.ServiceUnavailable));
        ScriptedChatClient second = Fake(ScriptedOutcome.Failure(HttpStatusCode.TooManyRequests, retryAfter: TimeSpan.FromSeconds(2)));
        ScriptedChatClient third = Fake(ScriptedOutcome.Text("from third"));
        IChatClient router = Router(("first", first), ("second", second), ("third", third));

        ChatResponse response = await router.CallAsync(streaming);

        Assert.Equal("from third", response.Text);
        Assert.Equal("third", response.Property(LlmRouterProperties.Deployment));
        Assert.Equal(3, response.Property(LlmRouterProperties.Attempts));
        Assert.Equal(
            "first: Overloaded, HTTP 503; second: RateLimited, HTTP 429, retry after 2 s",
            response.Property(LlmRouterProperties.FallbackReasons));
        Assert.Equal([1, 1, 1], new[] { first.CallCount, second.CallCount, third.CallCount });
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_EveryCandidateFails_ThrowsWithEveryAttempt(bool streaming)
    {
        var reset = new IOException("connection reset by peer");
        ScriptedChatClient first = Fake(ScriptedOutcome.Failure(HttpStatusCode.InternalServerError, message: "upstream exploded"));
        ScriptedChatClient second = Fake(ScriptedOutcome.Throw(reset));
        IChatClient router = Router(("first", first), ("second", second));

        LlmRouterException exception = await Assert.ThrowsAsync<LlmRouterException>(() => router.CallAsync(streaming));

        Assert.Equal("default", exception.Route);
        Assert.Collection(
            exception.Attempts,
            a =>
            {
                Assert.Equal((1, "first", "fake", "first-model", ProviderErrorKind.ServerError, 500), (a.Number, a.Deployment, a.Provider, a.Model, a.Kind, a.StatusCode));
                Assert.IsType<ProviderException>(a.Exception);
                Assert.True(a.Duration >= TimeSpan.Zero);
            },
            a =>
            {
                Assert.Equal((2, "second", ProviderErrorKind.Transport, (int?)null), (a.Number, a.Deployment, a.Kind, a.StatusCode));
                Assert.Same(reset, a.Exception);
            });
        Assert.Same(reset, exception.InnerException);
        Assert.Contains("all 2 attempt(s) failed", exception.Message, StringComparison.Ordinal);
        Assert.Contains("1. first (fake, first-model): ServerError, HTTP 500, after 0 ms: upstream exploded", exception.Message, StringComparison.Ordinal);
        Assert.Contains("2. second (fake, second-model): Transport, after 0 ms: connection reset by peer", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_BadRequest_FailsFastWithoutTryingOthers(bool streaming)
    {
        ScriptedChatClient first = Fake(ScriptedOutcome.Failure(HttpStatusCode.BadRequest, message: "messages[0].content is required"));
        ScriptedChatClient second = Fake(ScriptedOutcome.Text("never"));
        IChatClient router = Router(("first", first), ("second", second));

        LlmRouterException exception = await Assert.ThrowsAsync<LlmRouterException>(() => router.CallAsync(streaming));

        RouterAttempt attempt = Assert.Single(exception.Attempts);
        Assert.Equal(ProviderErrorKind.BadRequest, attempt.Kind);
        Assert.Equal(0, second.CallCount);
        Assert.Contains("rejected the request as invalid (BadRequest, HTTP 400)", exception.Message, StringComparison.Ordinal);
        Assert.Contains("messages[0].content is required", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_CallerCancels_ThrowsCancellationAndTriesNothingElse(bool streaming)
    {
        var clock = new FakeTimeProvider();
        ScriptedChatClient first = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Stall());
        ScriptedChatClient second = Fake(ScriptedOutcome.Text("never"));
        IChatClient router = Router(("first", first), ("second", second));
        using var cancellation = new CancellationTokenSource();

        Task<ChatResponse> call = router.CallAsync(streaming, cancellationToken: cancellation.Token);
        await first.WaitForCallsAsync(1);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Equal(0, second.CallCount);
        Assert.Equal(0, first.OpenStreams);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_ClientCancelsOnItsOwn_CountsAsTimeoutAndFallsBack(bool streaming)
    {
        ScriptedChatClient first = Fake(ScriptedOutcome.Throw(new TaskCanceledException("HttpClient.Timeout of 100 seconds elapsing", new TimeoutException())));
        ScriptedChatClient second = Fake(ScriptedOutcome.Text("ok"));
        IChatClient router = Router(("first", first), ("second", second));

        ChatResponse response = await router.CallAsync(streaming);

        Assert.Equal("ok", response.Text);
        Assert.Equal("first: Timeout", response.Property(LlmRouterProperties.FallbackReasons));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_ContentFiltered_StopsUnlessRouteAllowsFallback(bool streaming)
    {
        ScriptedChatClient strict = Fake(ScriptedOutcome.Failure(ProviderErrorKind.ContentFiltered, HttpStatusCode.BadRequest));
        ScriptedChatClient other = Fake(ScriptedOutcome.Text("other"));
        IChatClient stops = Router(("strict", strict), ("other", other));

        LlmRouterException exception = await Assert.ThrowsAsync<LlmRouterException>(() => stops.CallAsync(streaming));
        Assert.Contains("content filter", exception.Message, StringComparison.Ordinal);
        Assert.Contains("FallbackOnContentFilter", exception.Message, StringComparison.Ordinal);
        Assert.Equal(0, other.CallCount);

        ScriptedChatClient strict2 = Fake(ScriptedOutcome.Failure(ProviderErrorKind.ContentFiltered));
        ScriptedChatClient other2 = Fake(ScriptedOutcome.Text("other"));
        IChatClient fallsBack = Router(
            b => b.AddRoute("default", r => { r.Deployments = ["strict", "other"]; r.FallbackOnContentFilter = true; }),
            ("strict", strict2),
            ("other", other2));
        Assert.Equal("other", (await fallsBack.CallAsync(streaming)).Text);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_ContextLengthExceeded_TriesOnlyLargerWindows(bool streaming)
    {
        ScriptedChatClient small = Fake(ScriptedOutcome.Failure(ProviderErrorKind.ContextLengthExceeded, HttpStatusCode.BadRequest));
        ScriptedChatClient sameModel = Fake(ScriptedOutcome.Text("never"));
        ScriptedChatClient smaller = Fake(ScriptedOutcome.Text("never"));
        ScriptedChatClient unknown = Fake(ScriptedOutcome.Failure(ProviderErrorKind.ContextLengthExceeded));
        ScriptedChatClient large = Fake(ScriptedOutcome.Text("large"));
        IChatClient router = new LlmRouterBuilder().WithoutRetries()
            .AddDeployment("small", small, d => { d.Model = "m-8k"; d.ContextWindow = 8_000; })
            .AddDeployment("same-model", sameModel, d => d.Model = "m-8k")
            .AddDeployment("smaller", smaller, d => { d.Model = "m-4k"; d.ContextWindow = 4_000; })
            .AddDeployment("unknown", unknown, d => d.Model = "m-unknown")
            .AddDeployment("large", large, d => { d.Model = "m-200k"; d.ContextWindow = 200_000; })
            .Build();

        ChatResponse response = await router.CallAsync(streaming);

        Assert.Equal("large", response.Text);
        Assert.Equal(3, response.Property(LlmRouterProperties.Attempts));
        Assert.Equal([0, 0, 1, 1], new[] { sameModel.CallCount, smaller.CallCount, unknown.CallCount, large.CallCount });
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_ContextLengthExceededEverywhere_SaysWhichWereNotTried(bool streaming)
    {
        ScriptedChatClient big = Fake(ScriptedOutcome.Failure(ProviderErrorKind.ContextLengthExceeded));
        ScriptedChatClient smaller = Fake();
        IChatClient router = new LlmRouterBuilder().WithoutRetries()
            .AddDeployment("big", big, d => { d.Model = "big"; d.ContextWindow = 128_000; })
            .AddDeployment("smaller", smaller, d => { d.Model = "small"; d.ContextWindow = 32_000; })
            .Build();

        LlmRouterException exception = await Assert.ThrowsAsync<LlmRouterException>(() => router.CallAsync(streaming));

        Assert.Single(exception.Attempts);
        Assert.Contains("Not tried: smaller (context window 32000 is not larger than the 128000 the request exceeded)", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_RouteExhausted_TriesFallbackRoutesBreadthFirstAndEachDeploymentOnce(bool streaming)
    {
        ScriptedChatClient a = Fake(ScriptedOutcome.Failure(HttpStatusCode.ServiceUnavailable));
        ScriptedChatClient b = Fake(ScriptedOutcome.Failure(HttpStatusCode.ServiceUnavailable));
        ScriptedChatClient c = Fake(ScriptedOutcome.Failure(HttpStatusCode.ServiceUnavailable));
        ScriptedChatClient d = Fake(ScriptedOutcome.Text("from d"));
        IChatClient router = Router(
            builder => builder
                .AddRoute("fast", r => { r.Deployments = ["a"]; r.Fallbacks = ["smart", "cheap"]; })
                .AddRoute("smart", r => { r.Deployments = ["a", "b"]; r.Fallbacks = ["premium"]; })
                .AddRoute("cheap", r => r.Deployments = ["c"])
                .AddRoute("premium", r => r.Deployments = ["d"])
                .UseDefaultRoute("fast"),
            ("a", a), ("b", b), ("c", c), ("d", d));

        ChatResponse response = await router.CallAsync(streaming, RouterCalls.Route("fast"));

        Assert.Equal("from d", response.Text);
        Assert.Equal("premium", response.Property(LlmRouterProperties.Route));
        Assert.Equal(4, response.Property(LlmRouterProperties.Attempts));
        Assert.Equal("a: Overloaded, HTTP 503; b: Overloaded, HTTP 503; c: Overloaded, HTTP 503", response.Property(LlmRouterProperties.FallbackReasons));
        Assert.Equal(1, a.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_FallbackExhausted_ExceptionNamesRoutesOfEachAttempt(bool streaming)
    {
        ScriptedChatClient a = Fake(ScriptedOutcome.Failure(HttpStatusCode.BadGateway));
        ScriptedChatClient b = Fake(ScriptedOutcome.Failure(HttpStatusCode.GatewayTimeout));
        IChatClient router = Router(
            builder => builder
                .AddRoute("fast", r => { r.Deployments = ["a"]; r.Fallbacks = ["smart"]; })
                .AddRoute("smart", r => r.Deployments = ["b"]),
            ("a", a), ("b", b));

        LlmRouterException exception = await Assert.ThrowsAsync<LlmRouterException>(() => router.CallAsync(streaming, RouterCalls.Route("fast")));

        Assert.Equal(["fast", "smart"], exception.Attempts.Select(x => x.Route));
        Assert.Equal([ProviderErrorKind.ServerError, ProviderErrorKind.Timeout], exception.Attempts.Select(x => x.Kind));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_UnknownRoute_ThrowsArgumentExceptionNamingKnownRoutes(bool streaming)
    {
        ScriptedChatClient a = Fake();
        IChatClient router = Router(
            builder => builder.AddRoute("fast", r => r.Deployments = ["a"]).AddRoute("smart", r => r.Deployments = ["a"]),
            ("a", a));

        ArgumentException exception = streaming
            ? Assert.Throws<ArgumentException>(() => router.GetStreamingResponseAsync(RouterCalls.Hello, RouterCalls.Route("gpt-5")))
            : Assert.Throws<ArgumentException>(() => { _ = router.GetResponseAsync(RouterCalls.Hello, RouterCalls.Route("gpt-5")); });

        Assert.Contains("unknown route 'gpt-5'", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Known routes: fast, smart", exception.Message, StringComparison.Ordinal);
        Assert.Equal(0, a.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_NoModelId_UsesDefaultRoute(bool streaming)
    {
        ScriptedChatClient a = Fake(ScriptedOutcome.Text("a"));
        ScriptedChatClient b = Fake(ScriptedOutcome.Text("b"));
        IChatClient router = Router(
            builder => builder
                .AddRoute("fast", r => r.Deployments = ["a"])
                .AddRoute("smart", r => r.Deployments = ["b"])
                .UseDefaultRoute("smart"),
            ("a", a), ("b", b));

        ChatResponse response = await router.CallAsync(streaming, options: null);

        Assert.Equal("b", response.Text);
        Assert.Equal("smart", response.Property(LlmRouterProperties.Route));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_NoModelIdAndSeveralRoutesWithoutDefault_ThrowsArgumentException(bool streaming)
    {
        IChatClient router = Router(
            builder => builder.AddRoute("fast", r => r.Deployments = ["a"]).AddRoute("smart", r => r.Deployments = ["a"]),
            ("a", Fake()));

        ArgumentException exception = streaming
            ? Assert.Throws<ArgumentException>(() => router.GetStreamingResponseAsync(RouterCalls.Hello))
            : Assert.Throws<ArgumentException>(() => { _ = router.GetResponseAsync(RouterCalls.Hello); });

        Assert.Contains("no default route", exception.Message, StringComparison.Ordinal);
        Assert.Contains("fast, smart", exception.Message, StringComparison.Ordinal);
        await Task.CompletedTask;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_ForwardsDeploymentModelWithoutTouchingCallerOptions(bool streaming)
    {
        ScriptedChatClient a = Fake(ScriptedOutcome.Text("ok"));
        IChatClient router = Router(("a", a));
        var options = new ChatOptions
        {
            ModelId = "default",
            Temperature = 0.25f,
            AdditionalProperties = new() { ["llmrouter.caller"] = "team-42", ["seed_hint"] = 7 },
        };

        await router.CallAsync(streaming, options);

        ChatOptions forwarded = Assert.Single(a.Calls).Options!;
        Assert.Equal("a-model", forwarded.ModelId);
        Assert.Equal(0.25f, forwarded.Temperature);
        Assert.Equal(["seed_hint"], forwarded.AdditionalProperties!.Keys);
        Assert.Equal("default", options.ModelId);
        Assert.Equal(2, options.AdditionalProperties.Count);
        Assert.Equal("team-42", options.AdditionalProperties["llmrouter.caller"]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_DeploymentWithoutModel_UsesTheClientsDefaultModel(bool streaming)
    {
        var client = new ScriptedChatClient("acme", "acme-large").Enqueue(ScriptedOutcome.Text("ok"));
        IChatClient router = new LlmRouterBuilder().WithoutRetries().AddDeployment("only", client).Build();

        ChatResponse response = await router.CallAsync(streaming, options: null);

        Assert.Equal("acme-large", Assert.Single(client.Calls).Options?.ModelId);
        Assert.Equal("acme-large", response.ModelId);
        Assert.Equal("acme", response.Property(LlmRouterProperties.Provider));
        Assert.Equal(LlmRouterBuilder.ImplicitRouteName, response.Property(LlmRouterProperties.Route));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_ProviderReportsItsModel_ThatModelIsKept(bool streaming)
    {
        ScriptedChatClient a = Fake(ScriptedOutcome.Text("ok").WithModel("a-model-2025-01-01"));
        IChatClient router = Router(("a", a));

        ChatResponse response = await router.CallAsync(streaming);

        Assert.Equal("a-model-2025-01-01", response.ModelId);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_CustomClassifier_IsAskedBeforeBuiltInRules(bool streaming)
    {
        ScriptedChatClient a = Fake(ScriptedOutcome.Throw(new InvalidOperationException("vendor said: slow down")));
        ScriptedChatClient b = Fake(ScriptedOutcome.Text("ok"));
        IProviderErrorClassifier classifier = Substitute.For<IProviderErrorClassifier>();
        classifier.Classify(Arg.Any<Exception>()).Returns(call =>
            call.Arg<Exception>().Message.StartsWith("vendor", StringComparison.Ordinal)
                ? new ProviderError(ProviderErrorKind.RateLimited, 429, TimeSpan.FromSeconds(1))
                : null);
        IChatClient router = Router(builder => builder.AddRoute("default", r => r.Deployments = ["a", "b"]).AddErrorClassifier(classifier), ("a", a), ("b", b));

        ChatResponse response = await router.CallAsync(streaming);

        Assert.Equal("a: RateLimited, HTTP 429, retry after 1 s", response.Property(LlmRouterProperties.FallbackReasons));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_CustomStrategy_OrdersCandidates(bool streaming)
    {
        ScriptedChatClient a = Fake(ScriptedOutcome.Text("a"));
        ScriptedChatClient b = Fake(ScriptedOutcome.Failure(HttpStatusCode.InternalServerError));
        ScriptedChatClient c = Fake(ScriptedOutcome.Text("c"));
        IChatClient router = Router(
            builder => builder
                .AddSelectionStrategy(new ReverseStrategy())
                .AddRoute("default", r => { r.Deployments = ["a", "b", "c"]; r.Strategy = "reverse"; }),
            ("a", a), ("b", b), ("c", c));

        ChatResponse response = await router.CallAsync(streaming);

        Assert.Equal("c", response.Text);
        Assert.Equal(0, a.CallCount);
        Assert.Equal(0, b.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_AuthenticationFailure_FallsBackAndWarnsOncePerDeployment(bool streaming)
    {
        var logs = new FakeLogCollector();
        using var loggerFactory = new LoggerFactory([new FakeLoggerProvider(logs)]);
        ScriptedChatClient broken = new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Failure(HttpStatusCode.Unauthorized) };
        ScriptedChatClient working = new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Text("ok") };
        IChatClient router = new LlmRouterBuilder().WithoutRetries()
            .UseLoggerFactory(loggerFactory)
            .AddDeployment("broken", broken)
            .AddDeployment("working", working)
            .Build();

        for (int i = 0; i < 3; i++)
        {
            Assert.Equal("ok", (await router.CallAsync(streaming)).Text);
        }

        FakeLogRecord warning = Assert.Single(logs.GetSnapshot(), e => e.Level == LogLevel.Warning);
        Assert.Equal(3, warning.Id.Id);
        Assert.Contains("'broken'", warning.Message, StringComparison.Ordinal);
        Assert.Contains("Authentication", warning.Message, StringComparison.Ordinal);
        Assert.Equal(3, logs.GetSnapshot().Count(e => e.Id.Id == 1));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_EveryCandidateFails_LogsOneError(bool streaming)
    {
        var logs = new FakeLogCollector();
        using var loggerFactory = new LoggerFactory([new FakeLoggerProvider(logs)]);
        IChatClient router = new LlmRouterBuilder().WithoutRetries()
            .UseLoggerFactory(loggerFactory)
            .AddDeployment("a", Fake(ScriptedOutcome.Failure(HttpStatusCode.ServiceUnavailable)))
            .Build();

        await Assert.ThrowsAsync<LlmRouterException>(() => router.CallAsync(streaming));

        FakeLogRecord error = Assert.Single(logs.GetSnapshot(), e => e.Level == LogLevel.Error);
        Assert.Equal(4, error.Id.Id);
        Assert.IsType<LlmRouterException>(error.Exception);
    }

    [Fact]
    public async Task GetResponseAsync_ClientThrowsSynchronously_FallsBack()
    {
        IChatClient throwing = Substitute.For<IChatClient>();
        throwing.GetResponseAsync(Arg.Any<IEnumerable<ChatMessage>>(), Arg.Any<ChatOptions?>(), Arg.Any<CancellationToken>())
            .Returns<Task<ChatResponse>>(_ => throw new HttpRequestException("connection refused", null, null));
        IChatClient router = new LlmRouterBuilder().WithoutRetries()
            .AddDeployment("throwing", throwing)
            .AddDeployment("ok", Fake(ScriptedOutcome.Text("ok")))
            .Build();

        ChatResponse response = await router.GetResponseAsync(RouterCalls.Hello);

        Assert.Equal("ok", response.Text);
        Assert.Equal("throwing: Transport", response.Property(LlmRouterProperties.FallbackReasons));
    }

    [Fact]
    public async Task GetResponseAsync_ClientReturnsNull_CountsAsInvalidResponse()
    {
        IChatClient returnsNull = Substitute.For<IChatClient>();
        returnsNull.GetResponseAsync(Arg.Any<IEnumerable<ChatMessage>>(), Arg.Any<ChatOptions?>(), Arg.Any<CancellationToken>())
            .Returns(Task.FromResult<ChatResponse>(null!));
        IChatClient router = new LlmRouterBuilder().WithoutRetries()
            .AddDeployment("null", returnsNull)
            .AddDeployment("ok", Fake(ScriptedOutcome.Text("ok")))
            .Build();

        ChatResponse response = await router.GetResponseAsync(RouterCalls.Hello);

        Assert.Equal("null: InvalidResponse", response.Property(LlmRouterProperties.FallbackReasons));
    }

    [Fact]
    public async Task GetResponseAsync_ResponseHasProperties_RouterPropertiesAreAdded()
    {
        IChatClient client = Substitute.For<IChatClient>();
        client.GetResponseAsync(Arg.Any<IEnumerable<ChatMessage>>(), Arg.Any<ChatOptions?>(), Arg.Any<CancellationToken>())
            .Returns(_ => new ChatResponse(new ChatMessage(ChatRole.Assistant, "hi")) { AdditionalProperties = new() { ["system_fingerprint"] = "fp_1" } });
        IChatClient router = new LlmRouterBuilder().WithoutRetries().AddDeployment("a", client).Build();

        ChatResponse response = await router.GetResponseAsync(RouterCalls.Hello);

        Assert.Equal("fp_1", response.Property("system_fingerprint"));
        Assert.Equal("a", response.Property(LlmRouterProperties.Deployment));
    }

    [Fact]
    public async Task GetStreamingResponseAsync_StreamBreaksAfterCommit_ErrorReachesCallerUnchanged()
    {
        var reset = new IOException("connection reset");
        ScriptedChatClient primary = Fake(ScriptedOutcome.Chunks("Hel", "lo").ThenThrow(reset));
        ScriptedChatClient backup = Fake(ScriptedOutcome.Text("never"));
        IChatClient router = Router(("primary", primary), ("backup", backup));
        var received = new List<string>();

        IOException thrown = await Assert.ThrowsAsync<IOException>(async () =>
        {
            await foreach (ChatResponseUpdate update in router.GetStreamingResponseAsync(RouterCalls.Hello))
            {
                received.Add(update.Text);
            }
        });

        Assert.Same(reset, thrown);
        Assert.Equal(["Hel", "lo"], received);
        Assert.Equal(0, backup.CallCount);
        Assert.Equal(0, primary.OpenStreams);
    }

    [Theory]
    [InlineData("throws before the first update")]
    [InlineData("ends without any update")]
    [InlineData("sends only a role update, then breaks")]
    public async Task GetStreamingResponseAsync_StreamFailsBeforeContent_FallsBackWithoutLeakingAnything(string scenario)
    {
        ScriptedOutcome failing = scenario switch
        {
            "throws before the first update" => ScriptedOutcome.Failure(HttpStatusCode.BadGateway),
            "ends without any update" => ScriptedOutcome.Empty(),
            _ => ScriptedOutcome.Stream(new ChatResponseUpdate { Role = ChatRole.Assistant, ResponseId = "primary-response", Contents = [new TextContent("")] })
                .ThenThrow(new HttpRequestException("response ended prematurely", null, HttpStatusCode.OK)),
        };
        ScriptedChatClient primary = Fake(failing);
        ScriptedChatClient backup = Fake(ScriptedOutcome.Chunks("from ", "backup"));
        IChatClient router = Router(("primary", primary), ("backup", backup));

        List<ChatResponseUpdate> updates = await router.ReadAllAsync();

        Assert.Equal("from backup", string.Concat(updates.Select(u => u.Text)));
        Assert.All(updates, u => Assert.NotEqual("primary-response", u.ResponseId));
        Assert.Equal("backup", updates[^1].AdditionalProperties?[LlmRouterProperties.Deployment]);
        Assert.Equal(0, primary.OpenStreams);
        Assert.Equal(0, backup.OpenStreams);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_EmptyStream_IsReportedAsInvalidResponse()
    {
        IChatClient router = Router(("primary", Fake(ScriptedOutcome.Empty())));

        LlmRouterException exception = await Assert.ThrowsAsync<LlmRouterException>(() => router.ReadAllAsync());

        RouterAttempt attempt = Assert.Single(exception.Attempts);
        Assert.Equal(ProviderErrorKind.InvalidResponse, attempt.Kind);
        Assert.Contains("ended its stream without sending any update", attempt.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ContentlessUpdatesThenEnd_FailsOverLikeAnEmptyAnswer()
    {
        var roleOnly = new ChatResponseUpdate { Role = ChatRole.Assistant, ResponseId = "r1", MessageId = "m1" };
        var stop = new ChatResponseUpdate { FinishReason = ChatFinishReason.Stop, Contents = [new UsageContent(new UsageDetails { InputTokenCount = 7 })] };
        IChatClient router = Router(("primary", Fake(ScriptedOutcome.Stream(roleOnly, stop))), ("backup", Fake(ScriptedOutcome.Chunks("from the backup"))));

        List<ChatResponseUpdate> updates = await router.ReadAllAsync();

        Assert.DoesNotContain(roleOnly, updates);
        Assert.Equal("from the backup", string.Concat(updates.Select(u => u.Text)));
        Assert.Equal(2, updates[^1].AdditionalProperties?[LlmRouterProperties.Attempts]);
        Assert.Equal("primary: InvalidResponse", updates[^1].AdditionalProperties?[LlmRouterProperties.FallbackReasons]);
    }

    [Fact]
    public async Task GetResponseAsync_EmptyAnswer_FailsOverAndNamesTheDeployment()
    {
        var empty = new ChatResponse(new ChatMessage(ChatRole.Assistant, (string?)null)) { FinishReason = ChatFinishReason.Stop };
        IChatClient router = Router(("primary", Fake(ScriptedOutcome.Stream(new ChatResponseUpdate { Role = ChatRole.Assistant, FinishReason = ChatFinishReason.Stop }))), ("backup", Fake(ScriptedOutcome.Text("from the backup"))));

        ChatResponse response = await router.GetResponseAsync(RouterCalls.Hello);
        LlmRouterException alone = await Assert.ThrowsAsync<LlmRouterException>(
            () => Router(("only", Fake(ScriptedOutcome.Stream(new ChatResponseUpdate { Role = ChatRole.Assistant, FinishReason = ChatFinishReason.Stop })))).GetResponseAsync(RouterCalls.Hello));

        Assert.Equal("from the backup", response.Text);
        Assert.Equal("primary: InvalidResponse", response.AdditionalProperties?[LlmRouterProperties.FallbackReasons]);
        Assert.Contains("Deployment 'only' answered with nothing: no text, no tool call and no other content (finish reason 'stop').", alone.Attempts[0].Exception.Message, StringComparison.Ordinal);
        Assert.True(ResponseLoopIsEmpty(empty));
        Assert.False(ResponseLoopIsEmpty(new ChatResponse(new ChatMessage(ChatRole.Assistant, "hi"))));
        Assert.False(ResponseLoopIsEmpty(new ChatResponse(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c1", "f")]))));
        Assert.False(ResponseLoopIsEmpty(new ChatResponse(new ChatMessage(ChatRole.Assistant, (string?)null)) { FinishReason = ChatFinishReason.Length }));

        static bool ResponseLoopIsEmpty(ChatResponse response) => ResponseLoop.IsEmpty(response);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_Committed_ForwardsEveryUpdateOnceThenOneFinalUpdate()
    {
        ScriptedChatClient primary = Fake(ScriptedOutcome.Chunks("a", "b", "c").WithUsage(10, 3).WithModel("served-model"));
        IChatClient router = Router(("primary", primary));

        List<ChatResponseUpdate> updates = await router.ReadAllAsync();

        Assert.Equal(5, updates.Count);
        Assert.Equal("abc", string.Concat(updates.Select(u => u.Text)));
        ChatResponseUpdate final = updates[^1];
        Assert.Empty(final.Contents);
        Assert.Equal("served-model", final.ModelId);
        Assert.Equal("scripted-response-1", final.ResponseId);
        Assert.Equal("scripted-message-1", final.MessageId);
        Assert.Equal("primary", final.AdditionalProperties?[LlmRouterProperties.Deployment]);

        ChatResponse combined = updates.ToChatResponse();
        Assert.Single(combined.Messages);
        Assert.Equal("abc", combined.Text);
        Assert.Equal(13, combined.Usage?.TotalTokenCount);
        Assert.Equal(ChatFinishReason.Stop, combined.FinishReason);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ConsumerStopsEarly_DisposesTheProviderStream()
    {
        ScriptedChatClient primary = Fake(ScriptedOutcome.Chunks("a", "b", "c", "d"));
        IChatClient router = Router(("primary", primary));

        await foreach (ChatResponseUpdate update in router.GetStreamingResponseAsync(RouterCalls.Hello))
        {
            Assert.Equal(1, primary.OpenStreams);
            break;
        }

        Assert.Equal(0, primary.OpenStreams);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_CallerCancelsAfterCommit_CancellationReachesCaller()
    {
        var clock = new FakeTimeProvider();
        ScriptedChatClient primary = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Chunks("a").ThenStall());
        ScriptedChatClient backup = Fake(ScriptedOutcome.Text("never"));
        IChatClient router = Router(("primary", primary), ("backup", backup));
        using var cancellation = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (ChatResponseUpdate update in router.GetStreamingResponseAsync(RouterCalls.Hello, cancellationToken: cancellation.Token))
            {
                await cancellation.CancelAsync();
            }
        });

        Assert.Equal(0, backup.CallCount);
        Assert.Equal(0, primary.OpenStreams);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_ThousandConcurrentRequests_AllAnsweredByTheSurvivingDeployment(bool streaming)
    {
        var failing = new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Failure(HttpStatusCode.ServiceUnavailable) };
        var flaky = new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Failure(HttpStatusCode.TooManyRequests).After(TimeSpan.FromMilliseconds(1)) };
        var working = new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Chunks("o", "k").After(TimeSpan.FromMilliseconds(1)) };
        IChatClient router = new LlmRouterBuilder().WithoutRetries()
            .ConfigureCircuitBreaker(b => b.Enabled = false)
            .ConfigureCooldown(c => c.DefaultDuration = TimeSpan.Zero)
            .AddDeployment("failing", failing)
            .AddDeployment("flaky", flaky)
            .AddDeployment("working", working)
            .Build();

        ChatResponse[] responses = await Task.WhenAll(Enumerable.Range(0, 1_000).Select(_ => Task.Run(() => router.CallAsync(streaming))));

        Assert.All(responses, r =>
        {
            Assert.Equal("ok", r.Text);
            Assert.Equal("working", r.Property(LlmRouterProperties.Deployment));
            Assert.Equal(3, r.Property(LlmRouterProperties.Attempts));
        });
        Assert.Equal(1_000, working.CallCount);
        Assert.Equal(0, working.OpenStreams);
        Assert.Equal(0, flaky.OpenStreams);
    }

    [Fact]
    public void Dispose_DisposesEachDistinctClientOnce()
    {
        IChatClient shared = Substitute.For<IChatClient>();
        IChatClient other = Substitute.For<IChatClient>();
        IChatClient router = new LlmRouterBuilder().WithoutRetries()
            .AddDeployment("a", shared, d => d.Model = "one")
            .AddDeployment("b", shared, d => d.Model = "two")
            .AddDeployment("c", other)
            .Build();

        router.Dispose();
        router.Dispose();

        shared.Received(1).Dispose();
        other.Received(1).Dispose();
    }

    [Fact]
    public void GetService_ReportsRouterMetadataAndItself()
    {
        IChatClient router = Router(("a", Fake()));

        ChatClientMetadata? metadata = router.GetService<ChatClientMetadata>();

        Assert.Equal("llmrouter", metadata?.ProviderName);
        Assert.Equal("default", metadata?.DefaultModelId);
        Assert.Same(router, router.GetService<IChatClient>());
        Assert.Null(router.GetService<IChatClient>("some-key"));
        Assert.Null(router.GetService<IServiceProvider>());
    }

    private sealed class ReverseStrategy : ISelectionStrategy
    {
        public string Name => "reverse";

        public void Order(in SelectionContext context, Span<Deployment> candidates) => candidates.Reverse();
    }
}
