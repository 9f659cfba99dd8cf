using LlmRouter.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRouter.Tests.Composition;

/// <summary>
/// Steps in front of the router, composed with the <see cref="ChatClientBuilder"/> that <c>AddLlmRouter</c> returns: they steer
/// routing only through the request's <see cref="LlmRouterRequestProperties"/> (and <c>ModelId</c>), on a copy of the options.
/// </summary>
public class StepsBeforeRoutingTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Step_SetsRequestProperties_RouterFollowsThemAndProvidersNeverSeeThem(bool streaming)
    {
        var us = new ScriptedChatClient { DefaultOutcome = ScriptedOutcome.Text("from us") };
        var eu = new ScriptedChatClient { DefaultOutcome = ScriptedOutcome.Text("from eu") };
        var services = new ServiceCollection();
        services.AddLlmRouter(router => router
                .AddDeployment("us", us, d => d.Tags = ["us"])
                .AddDeployment("eu", eu, d => d.Tags = ["eu"])
                .AddRoute("chat", r => r.Deployments = ["us", "eu"]))
            .Use(inner => new TenantResidencyStep(inner, euTenants: ["acme"]));
        await using ServiceProvider provider = services.BuildServiceProvider();
        IChatClient chat = provider.GetRequiredService<IChatClient>();
        var options = new ChatOptions { AdditionalProperties = new() { ["tenant"] = "acme" } };

        ChatResponse response = await chat.CallAsync(streaming, options);

        Assert.Equal("from eu", response.Text);
        Assert.Equal("eu", response.Property(LlmRouterProperties.Deployment));
        Assert.Equal(0, us.CallCount);
        ChatOptions sent = Assert.Single(eu.Calls).Options!;
        Assert.DoesNotContain(sent.AdditionalProperties!.Keys, k => k.StartsWith("llmrouter.", StringComparison.Ordinal));
        Assert.Equal("acme", sent.AdditionalProperties["tenant"]);

        // The caller's own options were not touched by the step or the router.
        Assert.Null(options.ModelId);
        Assert.Equal(["tenant"], options.AdditionalProperties.Keys);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Step_SetsModelId_ChoosesTheRoute(bool streaming)
    {
        var fast = new ScriptedChatClient { DefaultOutcome = ScriptedOutcome.Text("fast") };
        var smart = new ScriptedChatClient { DefaultOutcome = ScriptedOutcome.Text("smart") };
        var services = new ServiceCollection();
        services.AddLlmRouter(router => router
                .AddDeployment("fast-model", fast)
                .AddDeployment("smart-model", smart)
                .AddRoute("fast", r => r.Deployments = ["fast-model"])
                .AddRoute("smart", r => r.Deployments = ["smart-model"])
                .UseDefaultRoute("fast"))
            .Use(inner => new LongPromptsToSmartStep(inner));
        await using ServiceProvider provider = services.BuildServiceProvider();
        IChatClient chat = provider.GetRequiredService<IChatClient>();

        ChatResponse shortAnswer = await chat.CallAsync(streaming);
        ChatResponse longAnswer = await chat.CallAsync(streaming, messages: [new(ChatRole.User, new string('x', 500))]);

        Assert.Equal(("fast", "fast"), (shortAnswer.Text, shortAnswer.Property(LlmRouterProperties.Route)));
        Assert.Equal(("smart", "smart"), (longAnswer.Text, longAnswer.Property(LlmRouterProperties.Route)));
    }

    [Fact]
    public async Task UseFunctionInvocation_AroundTheRouter_EveryModelCallOfTheToolLoopIsRouted()
    {
        var primary = new ScriptedChatClient().Enqueue(
            ScriptedOutcome.Failure(System.Net.HttpStatusCode.ServiceUnavailable),
            ScriptedOutcome.Stream(new ChatResponseUpdate(ChatRole.Assistant, [new FunctionCallContent("call-1", "get_weather", new Dictionary<string, object?> { ["city"] = "Lisbon" })])));
        var backup = new ScriptedChatClient().Enqueue(
            ScriptedOutcome.Stream(new ChatResponseUpdate(ChatRole.Assistant, [new FunctionCallContent("call-0", "get_weather", new Dictionary<string, object?> { ["city"] = "Porto" })])),
            ScriptedOutcome.Text("Sunny in both."));
        int invocations = 0;
        AIFunction weather = AIFunctionFactory.Create((string city) =>
        {
            invocations++;
            return $"sunny in {city}";
        }, "get_weather");
        var services = new ServiceCollection();
        services.AddLlmRouter(router => router.WithoutRetries().AddDeployment("primary", primary).AddDeployment("backup", backup))
            .UseFunctionInvocation();
        await using ServiceProvider provider = services.BuildServiceProvider();
        IChatClient chat = provider.GetRequiredService<IChatClient>();

        ChatResponse response = await chat.GetResponseAsync(RouterCalls.Hello, new ChatOptions { Tools = [weather] });

        // Call 1: primary 503 → backup asks for Porto. Call 2: primary asks for Lisbon. Call 3: primary has nothing left → backup answers.
        Assert.Equal("Sunny in both.", response.Text);
        Assert.Equal(2, invocations);
        Assert.Equal(3, primary.CallCount);
        Assert.Equal(2, backup.CallCount);
        Assert.IsType<FunctionInvokingChatClient>(chat);
        Assert.NotNull(chat.GetService<IRouterHealth>());
        Assert.Same(chat.GetService<IRouterSpend>(), provider.GetRequiredService<IRouterSpend>());
    }

    [Fact]
    public async Task AddLlmRouter_NoSteps_RegistersTheRouterItself()
    {
        var services = new ServiceCollection();
        services.AddLlmRouter(router => router.AddDeployment("a", new ScriptedChatClient()));
        services.AddKeyedLlmRouter("keyed", router => router.AddDeployment("b", new ScriptedChatClient()));
        await using ServiceProvider provider = services.BuildServiceProvider();

        // A builder without steps adds nothing: the registered client is the router, not a wrapper around it.
        Assert.IsType<LlmRouterClient>(provider.GetRequiredService<IChatClient>());
        Assert.IsType<LlmRouterClient>(provider.GetRequiredKeyedService<IChatClient>("keyed"));
    }

    [Fact]
    public async Task DisposingContainer_DisposesTheStepsTheRouterAndItsClients()
    {
        var client = new ScriptedChatClient();
        DisposeTrackingStep? step = null;
        var services = new ServiceCollection();
        services.AddKeyedLlmRouter("k", router => router.AddDeployment("a", client)).Use(inner => step = new DisposeTrackingStep(inner));
        ServiceProvider provider = services.BuildServiceProvider();
        provider.GetRequiredKeyedService<IChatClient>("k");

        await provider.DisposeAsync();

        Assert.True(step!.Disposed);
        Assert.True(client.IsDisposed);
    }

    /// <summary>Keeps the requests of some tenants on deployments tagged <c>eu</c>, by setting the router's request property on a copy of the options.</summary>
    private sealed class TenantResidencyStep(IChatClient inner, string[] euTenants) : DelegatingChatClient(inner)
    {
        public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            base.GetResponseAsync(messages, Steer(options), cancellationToken);

        public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            base.GetStreamingResponseAsync(messages, Steer(options), cancellationToken);

        private ChatOptions? Steer(ChatOptions? options)
        {
            if (options?.AdditionalProperties?.TryGetValue("tenant", out object? tenant) != true || !euTenants.Contains(tenant as string))
            {
                return options;
            }

            ChatOptions steered = options!.Clone();
            steered.AdditionalProperties![LlmRouterRequestProperties.RequiredTags] = "eu";
            steered.AdditionalProperties[LlmRouterRequestProperties.Caller] = (string)tenant!;
            return steered;
        }
    }

    /// <summary>Sends long prompts to the <c>smart</c> route by setting <c>ModelId</c> on a copy of the options.</summary>
    private sealed class LongPromptsToSmartStep(IChatClient inner) : DelegatingChatClient(inner)
    {
        public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            base.GetResponseAsync(messages, Route(messages, options), cancellationToken);

        public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            base.GetStreamingResponseAsync(messages, Route(messages, options), cancellationToken);

        private static ChatOptions? Route(IEnumerable<ChatMessage> messages, ChatOptions? options)
        {
            if (messages.Sum(m => m.Text.Length) < 200)
            {
                return options;
            }

            ChatOptions routed = options?.Clone() ?? new ChatOptions();
            routed.ModelId = "smart";
            return routed;
        }
    }

    private sealed class DisposeTrackingStep(IChatClient inner) : DelegatingChatClient(inner)
    {
        public bool Disposed { get; private set; }

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }
}
