using System.Net;
using LlmRouter.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LlmRouter.Tests.DependencyInjection;

public class LlmRouterServiceCollectionExtensionsTests
{
    [Fact]
    public async Task AddLlmRouter_RegistersRouterAsSingletonChatClient()
    {
        var fake = new ScriptedChatClient { DefaultOutcome = ScriptedOutcome.Text("hi") };
        await using ServiceProvider provider = new ServiceCollection()
            .AddLlmRouter(b => b.AddDeployment("only", fake))
            .BuildServiceProvider();

        IChatClient chat = provider.GetRequiredService<IChatClient>();
        ChatResponse response = await chat.GetResponseAsync(RouterCalls.Hello);

        Assert.Same(chat, provider.GetRequiredService<IChatClient>());
        Assert.Same(chat, provider.CreateScope().ServiceProvider.GetRequiredService<IChatClient>());
        Assert.Equal("only", response.Property(LlmRouterProperties.Deployment));
    }

    [Fact]
    public async Task AddLlmRouter_UsesContainerClockAndLogging()
    {
        var clock = new ManualTimeProvider();
        var logs = new ListLoggerProvider();
        var slow = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Failure(HttpStatusCode.ServiceUnavailable).After(TimeSpan.FromSeconds(3)));
        await using ServiceProvider provider = new ServiceCollection()
            .AddSingleton<TimeProvider>(clock)
            .AddSingleton<ILoggerFactory>(logs)
            .AddLlmRouter(b => b.WithoutRetries().AddDeployment("slow", slow))
            .BuildServiceProvider();
        IChatClient chat = provider.GetRequiredService<IChatClient>();

        Task<ChatResponse> call = chat.GetResponseAsync(RouterCalls.Hello);
        await clock.WaitForTimersAsync(1);
        clock.Advance(TimeSpan.FromSeconds(3));

        LlmRouterException exception = await Assert.ThrowsAsync<LlmRouterException>(() => call);
        Assert.Equal(TimeSpan.FromSeconds(3), Assert.Single(exception.Attempts).Duration);
        Assert.Contains(logs.Entries, e => e.Level == LogLevel.Error && e.Category == "LlmRouter");
    }

    [Fact]
    public void AddLlmRouter_ConfigureCanResolveServices()
    {
        var fake = new ScriptedChatClient();
        using ServiceProvider provider = new ServiceCollection()
            .AddSingleton(fake)
            .AddLlmRouter((services, b) => b.AddDeployment("from-container", services.GetRequiredService<ScriptedChatClient>()))
            .BuildServiceProvider();

        Assert.NotNull(provider.GetRequiredService<IChatClient>());
    }

    [Fact]
    public void AddLlmRouter_InvalidConfiguration_FailsOnResolutionWithEveryProblem()
    {
        using ServiceProvider provider = new ServiceCollection()
            .AddLlmRouter(b => b.AddDeployment("a", new ScriptedChatClient()).AddRoute("r", r => r.Deployments = ["missing"]))
            .BuildServiceProvider();

        LlmRouterConfigurationException exception = Assert.Throws<LlmRouterConfigurationException>(() => provider.GetRequiredService<IChatClient>());
        Assert.Contains("unknown deployment 'missing'", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddKeyedLlmRouter_RegistersIndependentRouters()
    {
        await using ServiceProvider provider = new ServiceCollection()
            .AddKeyedLlmRouter("chat", b => b.AddDeployment("chat-model", new ScriptedChatClient { DefaultOutcome = ScriptedOutcome.Text("chat") }))
            .AddKeyedLlmRouter("code", b => b.AddDeployment("code-model", new ScriptedChatClient { DefaultOutcome = ScriptedOutcome.Text("code") }))
            .BuildServiceProvider();

        IChatClient chat = provider.GetRequiredKeyedService<IChatClient>("chat");
        IChatClient code = provider.GetRequiredKeyedService<IChatClient>("code");

        Assert.NotSame(chat, code);
        Assert.Same(chat, provider.GetRequiredKeyedService<IChatClient>("chat"));
        Assert.Equal("chat", (await chat.GetResponseAsync(RouterCalls.Hello)).Text);
        Assert.Equal("code", (await code.GetResponseAsync(RouterCalls.Hello)).Text);
        Assert.Null(provider.GetService<IChatClient>());
    }

    [Fact]
    public async Task DisposingContainer_DisposesRouterAndDeploymentClients()
    {
        var fake = new ScriptedChatClient();
        ServiceProvider provider = new ServiceCollection().AddLlmRouter(b => b.AddDeployment("a", fake)).BuildServiceProvider();
        provider.GetRequiredService<IChatClient>();

        await provider.DisposeAsync();

        Assert.True(fake.IsDisposed);
    }
}
