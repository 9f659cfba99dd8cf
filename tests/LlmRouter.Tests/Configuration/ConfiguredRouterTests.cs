using System.Net;
using LlmRouter.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace LlmRouter.Tests.Configuration;

public class ConfiguredRouterTests
{
    private static Dictionary<string, string?> Route(params string[] deployments)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase) { ["LlmRouter:Retry:MaxAttempts"] = "1" };
        for (int i = 0; i < deployments.Length; i++)
        {
            values[$"LlmRouter:Routes:main:Deployments:{i}"] = deployments[i];
        }

        return values;
    }

    private static LlmRouterClient Build(ReloadableConfiguration configuration, Action<LlmRouterBuilder> code, ILoggerFactory? logs = null)
    {
        var services = new ServiceCollection();
        if (logs is not null)
        {
            services.AddSingleton(logs);
        }

        return ConfigurationReaderTests.Build(configuration.Section, code: code, services: services.BuildServiceProvider());
    }

    private static async Task<string?> ServedByAsync(IChatClient router, bool streaming = false) =>
        (string?)(await router.CallAsync(streaming)).Property(LlmRouterProperties.Deployment);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Reload_RouteChanges_InFlightFinishOnOldModelAndNewRequestsUseTheNewOne(bool streaming)
    {
        using var a = new GatedClient();
        using var b = new ScriptedChatClient("b") { DefaultOutcome = ScriptedOutcome.Text("from b") };
        ReloadableConfiguration configuration = ReloadableConfiguration.Create(Route("a"));
        using LlmRouterClient router = Build(configuration, builder => builder.AddDeployment("a", a).AddDeployment("b", b));

        Task<string?>[] inFlight = [.. Enumerable.Range(0, 20).Select(_ => Task.Run(() => ServedByAsync(router, streaming)))];
        await a.WaitForCallsAsync(20);
        configuration.Replace(Route("b"));
        string?[] after = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => ServedByAsync(router, streaming))));
        a.Release();
        string?[] before = await Task.WhenAll(inFlight);

        Assert.All(before, d => Assert.Equal("a", d));
        Assert.All(after, d => Assert.Equal("b", d));
        Assert.Equal(20, a.CallCount);
    }

    [Fact]
    public async Task Reload_ClientReplaced_DisposesTheOldOneOnlyAfterItsLastRequest()
    {
        using var first = new GatedClient();
        using var second = new ScriptedChatClient("second") { DefaultOutcome = ScriptedOutcome.Text("new") };
        IChatClient current = first;
        ReloadableConfiguration configuration = ReloadableConfiguration.Create(Route("a"));
        using LlmRouterClient router = Build(configuration, builder => builder.AddDeployment("a", current));

        Task<string?> pending = ServedByAsync(router);
        await first.WaitForCallsAsync(1);
        current = second;
        configuration.Replace(Route("a"));
        ChatResponse fresh = await router.GetResponseAsync(RouterCalls.Hello);

        Assert.Equal("new", fresh.Text);
        Assert.False(first.IsDisposed);
        first.Release();
        Assert.Equal("a", await pending);
        Assert.True(first.IsDisposed);
        Assert.False(second.IsDisposed);
    }

    [Fact]
    public async Task Reload_UnderConcurrentLoad_DropsNoRequest()
    {
        using var a = new ScriptedChatClient("a") { DefaultOutcome = ScriptedOutcome.Text("a") };
        using var b = new ScriptedChatClient("b") { DefaultOutcome = ScriptedOutcome.Text("b") };
        ReloadableConfiguration configuration = ReloadableConfiguration.Create(Route("a"));
        using LlmRouterClient router = Build(configuration, builder => builder.AddDeployment("a", a).AddDeployment("b", b));
        using var stop = new CancellationTokenSource();
        int served = 0;

        Task[] load = [.. Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                Assert.NotNull(await ServedByAsync(router, streaming: worker % 2 == 0));
                Interlocked.Increment(ref served);
            }
        }))];
        for (int i = 0; i < 50; i++)
        {
            configuration.Replace(i % 2 == 0 ? Route("b", "a") : Route("a", "b"));
            await Task.Yield();
        }

        await stop.CancelAsync();
        await Task.WhenAll(load);

        Assert.Equal(a.CallCount + b.CallCount, Volatile.Read(ref served));
        Assert.False(a.IsDisposed);
        Assert.False(b.IsDisposed);
        foreach (DeploymentHealth health in router.GetService<IRouterHealth>()!.GetDeployments())
        {
            Assert.Equal(0, health.InFlight);
        }
    }

    [Fact]
    public async Task Reload_InvalidChange_IsLoggedAndTheLastValidConfigurationStays()
    {
        var logs = new FakeLogCollector();
        using var loggerFactory = new LoggerFactory([new FakeLoggerProvider(logs)]);
        using var a = new ScriptedChatClient("a") { DefaultOutcome = ScriptedOutcome.Text("a") };
        ReloadableConfiguration configuration = ReloadableConfiguration.Create(Route("a"));
        using LlmRouterClient router = Build(configuration, builder => builder.AddDeployment("a", a), loggerFactory);

        configuration.Replace(Route("missing"));
        Dictionary<string, string?> badTimeout = Route("a");
        badTimeout["LlmRouter:Retry:BaseDelay"] = "soon";
        configuration.Replace(badTimeout);

        Assert.Equal("a", await ServedByAsync(router));
        List<FakeLogRecord> rejected = [.. logs.GetSnapshot().Where(e => e.Id.Id == 13)];
        Assert.Equal(2, rejected.Count);
        Assert.All(rejected, e => Assert.Equal(LogLevel.Error, e.Level));
        Assert.Contains("Route 'main' names unknown deployment 'missing'", rejected[0].Exception!.Message, StringComparison.Ordinal);
        Assert.Contains("LlmRouter:Retry:BaseDelay: 'soon' is not a duration", rejected[1].Exception!.Message, StringComparison.Ordinal);
        Assert.False(a.IsDisposed);
    }

    [Fact]
    public async Task Reload_InvalidChange_WithDeploymentPipelines_KeepsTheClientInUseAndDisposesOnlyTheRejectedSteps()
    {
        using var a = new ScriptedChatClient("a") { DefaultOutcome = ScriptedOutcome.Text("a") };
        var steps = new List<PipelineStep>();
        ReloadableConfiguration configuration = ReloadableConfiguration.Create(Route("a"));
        using LlmRouterClient router = Build(configuration, builder => builder
            .AddDeployment("a", a)
            .ConfigureDeploymentClients((_, pipeline) => pipeline.Use(inner =>
            {
                var step = new PipelineStep(inner);
                steps.Add(step);
                return step;
            })));

        // Read without a problem, rejected while the model is built: the code's client was passed again and is still in use.
        configuration.Replace(Route("a", "missing"));

        Assert.Equal("a", await ServedByAsync(router));
        Assert.False(a.IsDisposed);
        PipelineStep live = Assert.Single(steps);
        Assert.False(live.Disposed);
        Assert.Equal(1, live.Calls);
    }

    [Fact]
    public async Task Reload_DeploymentStillExists_KeepsItsOpenCircuit()
    {
        using var a = new ScriptedChatClient("a") { DefaultOutcome = ScriptedOutcome.Failure(HttpStatusCode.InternalServerError) };
        using var b = new ScriptedChatClient("b") { DefaultOutcome = ScriptedOutcome.Text("b") };
        Dictionary<string, string?> values = Route("a", "b");
        values["LlmRouter:CircuitBreaker:MinimumThroughput"] = "1";
        ReloadableConfiguration configuration = ReloadableConfiguration.Create(values);
        using LlmRouterClient router = Build(configuration, builder => builder.AddDeployment("a", a).AddDeployment("b", b));
        Assert.Equal("b", await ServedByAsync(router));
        Assert.Equal(CircuitState.Open, router.GetService<IRouterHealth>()!.GetDeployment("a").Circuit);

        values["LlmRouter:Routes:other:Deployments:0"] = "b";
        values["LlmRouter:DefaultRoute"] = "main";
        configuration.Replace(values);

        Assert.Equal(CircuitState.Open, router.GetService<IRouterHealth>()!.GetDeployment("a").Circuit);
        Assert.Equal("b", await ServedByAsync(router));
        Assert.Equal(1, a.CallCount);
    }

    [Fact]
    public void Reload_DeploymentModelChanged_StartsWithFreshState()
    {
        using var a = new ScriptedChatClient("a");
        string model = "m1";
        ReloadableConfiguration configuration = ReloadableConfiguration.Create(Route("a"));
        using LlmRouterClient router = Build(configuration, builder => builder.AddDeployment("a", a, d => d.Model = model));
        DeploymentState before = router.Model.FindDeployment("a")!.State;

        configuration.Replace(Route("a"));
        DeploymentState kept = router.Model.FindDeployment("a")!.State;
        model = "m2";
        configuration.Replace(Route("a"));
        DeploymentState fresh = router.Model.FindDeployment("a")!.State;

        Assert.Same(before, kept);
        Assert.NotSame(before, fresh);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Reload_SpendTotalsBudgetsAndStatistics_Continue(bool streaming)
    {
        var a = new ScriptedChatClient("a") { DefaultOutcome = ScriptedOutcome.Chunks("ok").WithUsage(1000, 100) };
        int? limit = null;
        Dictionary<string, string?> values = Route("a");
        values["LlmRouter:Budgets:daily:LimitUsd"] = "1";
        ReloadableConfiguration configuration = ReloadableConfiguration.Create(values);
        using LlmRouterClient router = Build(configuration, builder => builder.AddDeployment("a", a, d => { d.Price = new ModelPrice(1m, 2m); d.MaxConcurrentRequests = limit; }));
        await router.CallAsync(streaming);
        IBudgetLedger ledger = router.Model.Cost.Ledger;
        DeploymentStatistics statistics = router.Model.FindDeployment("a")!.State.Statistics;

        limit = 4;
        configuration.Replace(values);
        await router.CallAsync(streaming);

        Assert.Same(ledger, router.Model.Cost.Ledger);
        Assert.Same(statistics, router.Model.FindDeployment("a")!.State.Statistics);
        Assert.Equal((0.0024m, 2L), (router.GetService<IRouterSpend>()!.GetTotal().CostUsd, router.GetService<IRouterSpend>()!.GetTotal().Calls));
        Assert.Equal([("main", 0.0024m)], router.GetService<IRouterSpend>()!.GetRouteTotals().Select(t => (t.Name, t.CostUsd)));
        BudgetStatus daily = Assert.Single(await router.GetService<IRouterSpend>()!.GetBudgetsAsync());
        Assert.Equal(0.0024m, daily.SpentUsd);
    }

    [Fact]
    public void Reload_ConcurrencyLimitChanged_KeepsBreakerAndCooldownButNotTheGate()
    {
        using var a = new ScriptedChatClient("a");
        int? limit = null;
        ReloadableConfiguration configuration = ReloadableConfiguration.Create(Route("a"));
        using LlmRouterClient router = Build(configuration, builder => builder.AddDeployment("a", a, d => d.MaxConcurrentRequests = limit));
        DeploymentState before = router.Model.FindDeployment("a")!.State;
        before.ExtendCooldown(long.MaxValue / 2);

        limit = 2;
        configuration.Replace(Route("a"));
        DeploymentState after = router.Model.FindDeployment("a")!.State;

        Assert.NotSame(before.Gate, after.Gate);
        Assert.Equal(2, after.Gate.Limit);
        Assert.Same(before.Breaker, after.Breaker);
        Assert.Equal(before.CooldownUntil, after.CooldownUntil);
    }

    [Fact]
    public void Reload_ProviderUnchanged_ReusesItsClient_ChangedProviderGetsANewOne()
    {
        Dictionary<string, string?> values = new(StringComparer.OrdinalIgnoreCase)
        {
            ["LlmRouter:Providers:local:Type"] = "Ollama",
            ["LlmRouter:Providers:remote:Type"] = "OpenAICompatible",
            ["LlmRouter:Providers:remote:Endpoint"] = "http://127.0.0.1:9/v1",
            ["LlmRouter:Deployments:llama:Provider"] = "local",
            ["LlmRouter:Deployments:llama:Model"] = "llama3.2",
            ["LlmRouter:Deployments:qwen:Provider"] = "remote",
            ["LlmRouter:Deployments:qwen:Model"] = "qwen",
        };
        ReloadableConfiguration configuration = ReloadableConfiguration.Create(values);
        using LlmRouterClient router = ConfigurationReaderTests.Build(configuration.Section);
        IChatClient llama = router.Model.FindDeployment("llama")!.Client;
        IChatClient qwen = router.Model.FindDeployment("qwen")!.Client;

        values["LlmRouter:Providers:remote:Endpoint"] = "http://127.0.0.1:10/v1";
        configuration.Replace(values);

        Assert.Same(llama, router.Model.FindDeployment("llama")!.Client);
        Assert.NotSame(qwen, router.Model.FindDeployment("qwen")!.Client);
        Assert.Equal(new Uri("http://127.0.0.1:10/v1"), router.Model.FindDeployment("qwen")!.Client.GetService<ChatClientMetadata>()!.ProviderUri);
    }

    [Fact]
    public void Reload_SensitiveDataChanged_AppliesToTelemetry()
    {
        using var a = new ScriptedChatClient("a");
        Dictionary<string, string?> values = Route("a");
        values["LlmRouter:Telemetry:EnableSensitiveData"] = "false";
        ReloadableConfiguration configuration = ReloadableConfiguration.Create(values);
        using LlmRouterClient router = Build(configuration, builder => builder.AddDeployment("a", a));

        values["LlmRouter:Telemetry:EnableSensitiveData"] = "true";
        configuration.Replace(values);

        Assert.True(router.Telemetry.EnableSensitiveData);
    }

    [Fact]
    public void Dispose_StopsReloading()
    {
        using var a = new ScriptedChatClient("a");
        ReloadableConfiguration configuration = ReloadableConfiguration.Create(Route("a"));
        LlmRouterClient router = Build(configuration, builder => builder.AddDeployment("a", a));
        RouterModel model = router.Model;

        router.Dispose();
        configuration.Replace(Route("a"));

        Assert.Same(model, router.Model);
        Assert.True(a.IsDisposed);
    }

    [Fact]
    public void GetResponseAsync_ReloadableRouter_AllocatesNoMoreThanACodeBuiltOne()
    {
        var client = new SynchronousClient();
        IChatClient built = new LlmRouterBuilder().AddDeployment("a", client).AddRoute("main", r => r.Deployments = ["a"]).Build();
        using LlmRouterClient configured = Build(ReloadableConfiguration.Create(Route("a")), builder => builder.AddDeployment("a", client));
        var options = new ChatOptions { ModelId = "main" };

        long builtBytes = MeasurePerCall(() => built.GetResponseAsync(RouterCalls.Hello, options).GetAwaiter().GetResult());
        long configuredBytes = MeasurePerCall(() => configured.GetResponseAsync(RouterCalls.Hello, options).GetAwaiter().GetResult());

        Assert.Equal(builtBytes, configuredBytes);
    }

    private static long MeasurePerCall(Action call)
    {
        const int Calls = 200;
        for (int i = 0; i < Calls; i++)
        {
            call();
        }

        long best = long.MaxValue;
        for (int run = 0; run < 5; run++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < Calls; i++)
            {
                call();
            }

            best = Math.Min(best, (GC.GetAllocatedBytesForCurrentThread() - before) / Calls);
        }

        return best;
    }

    /// <summary>Answers synchronously, so only the router allocates.</summary>
    private sealed class SynchronousClient : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "x")));

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    /// <summary>Holds every call until released.</summary>
    private sealed class GatedClient : IChatClient
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ScriptedChatClient _calls = new("gated");
        private int _disposed;

        public int CallCount => _calls.CallCount;

        public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

        public void Release() => _gate.TrySetResult();

        public Task WaitForCallsAsync(int count) => _calls.WaitForCallsAsync(count);

        public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            _calls.DefaultOutcome ??= ScriptedOutcome.Text("gated");
            _ = _calls.GetResponseAsync(messages, options, cancellationToken);
            await _gate.Task.WaitAsync(cancellationToken);
            return new ChatResponse(new ChatMessage(ChatRole.Assistant, "gated"));
        }

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            ChatResponse response = await GetResponseAsync(messages, options, cancellationToken);
            yield return new ChatResponseUpdate(ChatRole.Assistant, response.Text);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose() => Interlocked.Exchange(ref _disposed, 1);
    }

    private sealed class PipelineStep(IChatClient inner) : DelegatingChatClient(inner)
    {
        public bool Disposed { get; private set; }

        public int Calls { get; private set; }

        public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Calls++;
            return base.GetResponseAsync(messages, options, cancellationToken);
        }

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }
}
