using System.Net;
using System.Text;
using LlmRouter.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LlmRouter.Tests.DependencyInjection;

public class LlmRouterServiceCollectionExtensionsTests
{
    [Fact]
    public async Task AddLlmRouter_RegistersRouterAsSingletonChatClient()
    {
        var fake = new ScriptedChatClient { DefaultOutcome = ScriptedOutcome.Text("hi") };
        await using ServiceProvider provider = Provider(s =>
        {
            s.AddLlmRouter(b => b.AddDeployment("only", fake));
        });

        IChatClient chat = provider.GetRequiredService<IChatClient>();
        ChatResponse response = await chat.GetResponseAsync(RouterCalls.Hello);

        Assert.Same(chat, provider.GetRequiredService<IChatClient>());
        Assert.Same(chat, provider.CreateScope().ServiceProvider.GetRequiredService<IChatClient>());
        Assert.Equal("only", response.Property(LlmRouterProperties.Deployment));
    }

    [Fact]
    public async Task AddLlmRouter_UsesContainerClockAndLogging()
    {
        var clock = new TimerTrackingFakeTimeProvider();
        var slow = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Failure(HttpStatusCode.ServiceUnavailable).After(TimeSpan.FromSeconds(3)));
        await using ServiceProvider provider = Provider(s =>
        {
            s.AddSingleton<TimeProvider>(clock);
            s.AddFakeLogging();
            s.AddLlmRouter(b => b.WithoutRetries().AddDeployment("slow", slow));
        });
        IChatClient chat = provider.GetRequiredService<IChatClient>();

        Task<ChatResponse> call = chat.GetResponseAsync(RouterCalls.Hello);
        await clock.WaitForTimersAsync(1);
        clock.Advance(TimeSpan.FromSeconds(3));

        LlmRouterException exception = await Assert.ThrowsAsync<LlmRouterException>(() => call);
        Assert.Equal(TimeSpan.FromSeconds(3), Assert.Single(exception.Attempts).Duration);
        Assert.Contains(provider.GetFakeLogCollector().GetSnapshot(), e => e.Level == LogLevel.Error && e.Category == "LlmRouter");
    }

    [Fact]
    public void AddLlmRouter_ConfigureCanResolveServices()
    {
        var fake = new ScriptedChatClient();
        using ServiceProvider provider = Provider(s =>
        {
            s.AddSingleton(fake);
            s.AddLlmRouter((services, b) => b.AddDeployment("from-container", services.GetRequiredService<ScriptedChatClient>()));
        });

        Assert.NotNull(provider.GetRequiredService<IChatClient>());
    }

    [Fact]
    public void AddLlmRouter_InvalidConfiguration_FailsOnResolutionWithEveryProblem()
    {
        using ServiceProvider provider = Provider(s =>
        {
            s.AddLlmRouter(b => b.AddDeployment("a", new ScriptedChatClient()).AddRoute("r", r => r.Deployments = ["missing"]));
        });

        LlmRouterConfigurationException exception = Assert.Throws<LlmRouterConfigurationException>(() => provider.GetRequiredService<IChatClient>());
        Assert.Contains("unknown deployment 'missing'", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddKeyedLlmRouter_RegistersIndependentRouters()
    {
        await using ServiceProvider provider = Provider(s =>
        {
            s.AddKeyedLlmRouter("chat", b => b.AddDeployment("chat-model", new ScriptedChatClient { DefaultOutcome = ScriptedOutcome.Text("chat") }));
            s.AddKeyedLlmRouter("code", b => b.AddDeployment("code-model", new ScriptedChatClient { DefaultOutcome = ScriptedOutcome.Text("code") }));
        });

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
        ServiceProvider provider = Provider(s => s.AddLlmRouter(b => b.AddDeployment("a", fake)));
        provider.GetRequiredService<IChatClient>();

        await provider.DisposeAsync();

        Assert.True(fake.IsDisposed);
    }

    /// <summary>A container with what <paramref name="register"/> adds: the registration methods return a ChatClientBuilder, not the collection.</summary>
    private static ServiceProvider Provider(Action<IServiceCollection> register)
    {
        var services = new ServiceCollection();
        register(services);
        return services.BuildServiceProvider();
    }

    private static IConfiguration Section(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>("LlmRouter:" + v.Key, v.Value)))
            .Build()
            .GetSection("LlmRouter");

    private static readonly (string, string)[] LocalModel =
    [
        ("Providers:local:Type", "OpenAICompatible"),
        ("Providers:local:Endpoint", "http://127.0.0.1:9/v1"),
        ("Deployments:llama:Provider", "local"),
        ("Deployments:llama:Model", "llama3.2"),
    ];

    [Fact]
    public async Task AddLlmRouter_Configuration_RegistersRouterAndHealthAsSingletons()
    {
        await using ServiceProvider provider = Provider(s => s.AddLlmRouter(Section(LocalModel)));

        IChatClient chat = provider.GetRequiredService<IChatClient>();
        IRouterHealth health = provider.GetRequiredService<IRouterHealth>();

        Assert.Same(chat, provider.CreateScope().ServiceProvider.GetRequiredService<IChatClient>());
        Assert.Same(chat.GetService<IRouterHealth>(), health);
        Assert.Equal("llama", Assert.Single(health.GetDeployments()).Name);
    }

    [Fact]
    public async Task AddLlmRouter_LedgerInTheContainer_BudgetsUseItAndSpendIsRegistered()
    {
        var ledger = new CountingLedger();
        var client = new ScriptedChatClient { DefaultOutcome = ScriptedOutcome.Text("ok").WithUsage(1000, 100) };
        await using ServiceProvider provider = Provider(s =>
        {
            s.AddSingleton<IBudgetLedger>(ledger);
            s.AddLlmRouter(b => b.AddDeployment("a", client, d => d.Price = new ModelPrice(1m, 2m)).AddBudget("daily", o => o.LimitUsd = 5m));
        });

        await provider.GetRequiredService<IChatClient>().GetResponseAsync(RouterCalls.Hello);

        Assert.Equal((1, 1), (ledger.Reserved, ledger.Settled));
        Assert.Equal(0.0012m, provider.GetRequiredService<IRouterSpend>().GetTotal().CostUsd);
        Assert.Same(provider.GetRequiredService<IChatClient>().GetService<IRouterSpend>(), provider.GetRequiredService<IRouterSpend>());
    }

    [Fact]
    public async Task AddLlmRouter_ConfigurationWithLedgerInTheContainer_BudgetsUseIt()
    {
        var ledger = new CountingLedger();
        await using ServiceProvider provider = Provider(s =>
        {
            s.AddSingleton<IBudgetLedger>(ledger);
            s.AddLlmRouter(Section([.. LocalModel, ("Deployments:llama:Price:Input", "0"), ("Deployments:llama:Price:Output", "0"), ("Budgets:daily:LimitUsd", "1")]));
        });

        Assert.Same(ledger, ((LlmRouterClient)provider.GetRequiredService<IChatClient>()).Model.Cost.Ledger);
        Assert.NotNull(provider.GetRequiredService<IRouterSpend>());
    }

    private sealed class CountingLedger : IBudgetLedger
    {
        public int Reserved { get; private set; }

        public int Settled { get; private set; }

        public ValueTask<BudgetReservation> TryReserveAsync(BudgetKey key, decimal limitUsd, decimal amountUsd, CancellationToken cancellationToken)
        {
            Reserved++;
            return new(new BudgetReservation(key, amountUsd, IsGranted: true, SpentUsd: 0, ReservedUsd: 0));
        }

        public ValueTask SettleAsync(BudgetReservation reservation, decimal actualUsd, CancellationToken cancellationToken)
        {
            Settled++;
            return ValueTask.CompletedTask;
        }

        public ValueTask<BudgetUsage> GetUsageAsync(BudgetKey key, CancellationToken cancellationToken) => new(default(BudgetUsage));
    }

    [Fact]
    public async Task AddLlmRouter_ConfigurationAndCode_CodeCompletesTheConfiguredRouter()
    {
        var custom = new ScriptedChatClient { DefaultOutcome = ScriptedOutcome.Text("custom") };
        await using ServiceProvider provider = Provider(s =>
        {
            s.AddLlmRouter(Section([.. LocalModel, ("Routes:main:Deployments:0", "custom"), ("Routes:main:Deployments:1", "llama")]), b => b.AddDeployment("custom", custom));
        });

        ChatResponse response = await provider.GetRequiredService<IChatClient>().GetResponseAsync(RouterCalls.Hello);

        Assert.Equal("custom", response.Text);
    }

    [Fact]
    public async Task AddLlmRouter_HttpClientFactoryRegistered_ProviderClientsUseTheNamedClient()
    {
        var handler = new CannedHandler();
        await using ServiceProvider provider = Provider(s =>
        {
            s.AddLlmRouter(Section(LocalModel));
            s.AddHttpClient("LlmRouter.local").ConfigurePrimaryHttpMessageHandler(() => handler);
        });

        ChatResponse response = await provider.GetRequiredService<IChatClient>().GetResponseAsync(RouterCalls.Hello);

        Assert.Equal("from the named client", response.Text);
        Assert.Equal(1, handler.Calls);
        Assert.Equal(TimeSpan.FromMinutes(10), provider.GetRequiredService<IHttpClientFactory>().CreateClient("LlmRouter.local").Timeout);
    }

    [Fact]
    public async Task AddKeyedLlmRouter_Configuration_RegistersIndependentRoutersWithTheirHealth()
    {
        await using ServiceProvider provider = Provider(s =>
        {
            s.AddKeyedLlmRouter("a", Section(LocalModel));
            s.AddKeyedLlmRouter("b", Section(LocalModel));
        });

        IChatClient a = provider.GetRequiredKeyedService<IChatClient>("a");

        Assert.NotSame(a, provider.GetRequiredKeyedService<IChatClient>("b"));
        Assert.Same(a.GetService<IRouterHealth>(), provider.GetRequiredKeyedService<IRouterHealth>("a"));
        Assert.Null(provider.GetService<IChatClient>());
    }

    [Fact]
    public async Task AddKeyedLlmRouter_SameDeploymentNames_TelemetryNamesEachRouterByItsKey()
    {
        await using ServiceProvider provider = Provider(s =>
        {
            s.AddKeyedLlmRouter("chat", b => b.AddDeployment("shared", new ScriptedChatClient()));
            s.AddKeyedLlmRouter("code", b => b.AddDeployment("shared", new ScriptedChatClient()).ConfigureTelemetry(t => t.RouterName = "coding"));
            s.AddKeyedLlmRouter("a", Section(LocalModel));
            s.AddKeyedLlmRouter("b", Section([.. LocalModel, ("Telemetry:RouterName", "configured")]));
            s.AddLlmRouter(b => b.AddDeployment("shared", new ScriptedChatClient()));
        });

        string? NameOf(IChatClient router) => ((LlmRouterClient)router).Telemetry.RouterName;

        Assert.Equal("chat", NameOf(provider.GetRequiredKeyedService<IChatClient>("chat")));
        Assert.Equal("coding", NameOf(provider.GetRequiredKeyedService<IChatClient>("code")));
        Assert.Equal("a", NameOf(provider.GetRequiredKeyedService<IChatClient>("a")));
        Assert.Equal("configured", NameOf(provider.GetRequiredKeyedService<IChatClient>("b")));
        Assert.Null(NameOf(provider.GetRequiredService<IChatClient>()));
    }

    [Fact]
    public async Task AddLlmRouter_InvalidConfigurationUnderHost_StopsStartWithEveryProblem()
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddLlmRouter(Section(("Providers:p:Type", "Nope"), ("Retry:BaseDelay", "soon")));
        using IHost host = builder.Build();

        OptionsValidationException exception = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("LlmRouter:Providers:p: Type 'Nope' is not a known provider type.", exception.Message, StringComparison.Ordinal);
        Assert.Contains("LlmRouter:Retry:BaseDelay: 'soon' is not a duration.", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddLlmRouter_ValidConfigurationUnderHost_BuildsTheRouterAtStart()
    {
        var built = 0;
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddLlmRouter(Section(LocalModel), (_, _) => built++);
        using IHost host = builder.Build();

        await host.StartAsync();
        await host.StopAsync();

        Assert.Equal(1, built);
    }

    [Fact]
    public async Task DisposingContainer_ConfiguredRouter_DisposesCodeClients()
    {
        var custom = new ScriptedChatClient();
        ServiceProvider provider = Provider(s =>
        {
            s.AddLlmRouter(Section(LocalModel), b => b.AddDeployment("custom", custom));
        });
        provider.GetRequiredService<IChatClient>();

        await provider.DisposeAsync();

        Assert.True(custom.IsDisposed);
    }

    private sealed class CannedHandler : HttpMessageHandler
    {
        public int Calls;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            const string Body = """
                {"id":"chatcmpl-1","object":"chat.completion","model":"llama3.2","choices":[{"index":0,"message":{"role":"assistant","content":"from the named client"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}
                """;
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(Body, Encoding.UTF8, "application/json") });
        }
    }
}
