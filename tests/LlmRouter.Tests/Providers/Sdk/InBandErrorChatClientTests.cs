using System.ClientModel;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;
using static LlmRouter.Tests.Providers.ProviderTestClients;

namespace LlmRouter.Tests.Providers.Sdk;

/// <summary>
/// The OpenAI SDK (2.15, through <c>AsIChatClient</c>) passes an error sent in band on as an update or response without content;
/// <see cref="InBandErrorChatClientBuilderExtensions.UseInBandErrors"/> raises it, here in the pipeline of two router deployments.
/// </summary>
public sealed class InBandErrorChatClientTests : PrimaryAndBackupServers
{
    private const string RoleChunk = """{"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant"},"finish_reason":null}]}""";
    private const string OverloadedEvent = """{"error":{"message":"The server is overloaded, please try again later.","type":"server_error","code":503}}""";
    private const string BackupChunk = """{"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4.1","choices":[{"index":0,"delta":{"content":"Hi from the backup"},"finish_reason":"stop"}]}""";
    private const string BackupCompletion = """{"id":"c","object":"chat.completion","created":1,"model":"gpt-4.1","choices":[{"index":0,"message":{"role":"assistant","content":"Hi from the backup"},"finish_reason":"stop"}]}""";

    [Fact]
    public async Task Router_SdkStreamErrorEventWithoutTheStep_FallsBackOnlyAsAnEmptyAnswer()
    {
        // Why the step exists: the SDK throws nothing, so the stream ends cleanly before any content. The router falls back
        // from an empty answer, but cannot tell the error's kind (no cooldown for a rate limit, no stop for a bad request).
        Primary.EnqueueEvents([Sse.Data(RoleChunk), Sse.Data(OverloadedEvent)]);
        Backup.EnqueueEvents([Sse.Data(BackupChunk), Sse.Done]);
        using IChatClient router = Router(withStep: false);

        ChatResponse response = await router.CallAsync(streaming: true, cancellationToken: Guard());

        Assert.Equal(("Hi from the backup", "primary: InvalidResponse"), (response.Text, response.Property(LlmRouterProperties.FallbackReasons)));
    }

    [Theory]
    [InlineData("data only")]
    [InlineData("error event")]
    public async Task Router_SdkStreamErrorEventBeforeItsFirstContent_FallsBackWithTheKindOfTheError(string form)
    {
        Primary.EnqueueEvents([Sse.Data(RoleChunk), form == "data only" ? Sse.Data(OverloadedEvent) : Sse.Event("error", OverloadedEvent)]);
        Backup.EnqueueEvents([Sse.Data(BackupChunk), Sse.Done]);
        using IChatClient router = Router(withStep: true);

        ChatResponse response = await router.CallAsync(streaming: true, cancellationToken: Guard());

        Assert.Equal("Hi from the backup", response.Text);
        Assert.Equal("primary: Overloaded", response.Property(LlmRouterProperties.FallbackReasons));
    }

    [Fact]
    public async Task Router_SdkStreamErrorEventAfterItsFirstContent_SurfacesItToTheCaller()
    {
        Primary.EnqueueEvents(
        [
            Sse.Data("""{"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi fr"},"finish_reason":null}]}"""),
            Sse.Data("""{"error":{"message":"The model produced invalid content.","type":"model_error","code":null}}"""),
        ]);
        using IChatClient router = Router(withStep: true);
        var received = new List<string>();

        ProviderException error = await Assert.ThrowsAsync<ProviderException>(async () =>
        {
            await foreach (ChatResponseUpdate update in router.GetStreamingResponseAsync(Hello, null, Guard()))
            {
                received.Add(update.Text);
            }
        });

        Assert.Equal("Hi fr", string.Concat(received));
        Assert.Equal((ProviderErrorKind.ServerError, "model_error"), (error.Kind, error.ErrorType));
        Assert.Equal("openai reported an error (model_error): The model produced invalid content.", error.Message);
        Assert.Empty(Backup.Requests);
    }

    [Fact]
    public async Task Router_SdkResponseIsAnErrorWithStatus200_FallsBackAsUnknownWithoutTheStep()
    {
        // Not streamed, the error needs no step: the SDK's adapter finds no choice in it and throws (ArgumentOutOfRangeException).
        Primary.EnqueueJson("""{"error":{"message":"This model's maximum context length is 128000 tokens.","type":"invalid_request_error","code":"context_length_exceeded"}}""");
        Backup.EnqueueJson(BackupCompletion);
        using IChatClient router = Router(withStep: false);

        ChatResponse response = await router.CallAsync(streaming: false, cancellationToken: Guard());

        Assert.Equal("Hi from the backup", response.Text);
        Assert.Equal("primary: Unknown", response.Property(LlmRouterProperties.FallbackReasons));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Router_SdkAnswersNormally_PassesTheAnswerThrough(bool streaming)
    {
        if (streaming)
        {
            Primary.EnqueueEvents([Sse.Data(RoleChunk), Sse.Data(BackupChunk), Sse.Done]);
        }
        else
        {
            Primary.EnqueueJson(BackupCompletion);
        }

        using IChatClient router = Router(withStep: true);

        ChatResponse response = await router.CallAsync(streaming, cancellationToken: Guard());

        Assert.Equal(("Hi from the backup", "primary", 1), (response.Text, response.Property(LlmRouterProperties.Deployment), response.Property(LlmRouterProperties.Attempts)));
        Assert.Equal(Microsoft.Extensions.AI.ChatFinishReason.Stop, response.FinishReason);
    }

    private IChatClient Router(bool withStep)
    {
        LlmRouterBuilder builder = new LlmRouterBuilder()
            .WithoutRetries()
            .WithoutTimeouts()
            .AddDeployment("primary", Sdk(Primary, "gpt-4o-mini"))
            .AddDeployment("backup", Sdk(Backup, "gpt-4.1"), d => d.ContextWindow = 1_000_000);
        if (withStep)
        {
            builder.ConfigureDeploymentClients((_, pipeline) => pipeline.UseInBandErrors());
        }

        return builder.Build();
    }

    private static IChatClient Sdk(LoopbackServer server, string model) =>
        new ChatClient(model, new ApiKeyCredential(ApiKey), new OpenAIClientOptions { Endpoint = server.Url("/v1") }.WithoutRetries()).AsIChatClient();
}
