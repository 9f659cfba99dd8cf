using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace LlmRouter.Tests.Routing;

/// <summary>
/// Guards the router's allocation budget (a behaviour, not a timing): what it adds per call on top of the client
/// it routes to, and that a committed stream costs nothing per chunk.
/// </summary>
public class LlmRouterClientAllocationTests
{
    private const long NonStreamingBudgetBytes = 600;

    /// <summary>
    /// With a provider that completes later, as a network call does, the router's async state machine comes on top of what a
    /// synchronous answer costs. It stays small because the attempt in flight (80 bytes) and the chosen candidate live in the
    /// pooled request, the messages and options are read from it, and the admission's awaiter lives in a method of its own that
    /// completes without allocating when nothing is waited for: 536 bytes in all on .NET 10 (616 with the awaiter inside).
    /// </summary>
    private const long AsynchronousBudgetBytes = 560;

    private static readonly ChatMessage[] Messages = [new(ChatRole.User, "hi")];

    /// <summary>Keeps what a measured allocation made reachable, so the runtime cannot place it on the stack.</summary>
    private static object? s_sink;

    [Fact]
    public void GetResponseAsync_PrimarySucceeds_AddsAtMostBudgetBytes()
    {
        var direct = new SynchronousClient(chunks: 1);
        IChatClient router = BuildRouter(chunks: 1);
        var directOptions = new ChatOptions { ModelId = "m" };
        var routerOptions = new ChatOptions { ModelId = "default" };

        long directBytes = MeasurePerCall(() => direct.GetResponseAsync(Messages, directOptions).GetAwaiter().GetResult());
        long routerBytes = MeasurePerCall(() => router.GetResponseAsync(Messages, routerOptions).GetAwaiter().GetResult());

        Assert.InRange(routerBytes - directBytes, 0, NonStreamingBudgetBytes);
    }

    /// <summary>
    /// A synchronous answer costs the router exactly two objects' worth: the options copy that carries the deployment's model
    /// instead of the route's name, and the dictionary of the four properties every response carries. Nothing else: no request
    /// object (pooled), no state machine, no timer, no closure, no box. Both sizes are measured here from the types themselves.
    /// </summary>
    [Fact]
    public void GetResponseAsync_PrimarySucceeds_AddsOnlyTheOptionsCopyAndThePropertiesDictionary()
    {
        var direct = new SynchronousClient(chunks: 1);
        IChatClient router = BuildRouter(chunks: 1);
        var directOptions = new ChatOptions { ModelId = "m" };
        var routerOptions = new ChatOptions { ModelId = "default" };
        var template = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase)
        {
            [LlmRouterProperties.Route] = "default",
            [LlmRouterProperties.Deployment] = "primary",
            [LlmRouterProperties.Provider] = "custom",
            [LlmRouterProperties.Attempts] = 1,
        };

        long copyBytes = MeasurePerCall(() => s_sink = routerOptions.Clone());
        long propertiesBytes = MeasurePerCall(() => s_sink = new AdditionalPropertiesDictionary(template));
        long directBytes = MeasurePerCall(() => direct.GetResponseAsync(Messages, directOptions).GetAwaiter().GetResult());
        long routerBytes = MeasurePerCall(() => router.GetResponseAsync(Messages, routerOptions).GetAwaiter().GetResult());

        Assert.Equal(copyBytes + propertiesBytes, routerBytes - directBytes);
    }

    /// <summary>
    /// When the caller's options already name the deployment's model (a route named after it) and hold no <c>llmrouter.*</c>
    /// property, nothing changes for the deployment: it receives the caller's own object, and the router adds only the
    /// response's properties.
    /// </summary>
    [Fact]
    public void GetResponseAsync_RouteNamedAsTheModel_ForwardsTheCallersOptionsWithoutACopy()
    {
        var direct = new SynchronousClient(chunks: 1);
        var primary = new SynchronousClient(chunks: 1);
        IChatClient router = new LlmRouterBuilder()
            .AddDeployment("primary", primary, d => d.Model = "m")
            .AddRoute("m", r => r.Deployments = ["primary"])
            .Build();
        var options = new ChatOptions { ModelId = "m", Temperature = 0.2f };
        IChatClient copying = BuildRouter(chunks: 1);
        var routeOptions = new ChatOptions { ModelId = "default", Temperature = 0.2f };

        long directBytes = MeasurePerCall(() => direct.GetResponseAsync(Messages, options).GetAwaiter().GetResult());
        long routerBytes = MeasurePerCall(() => router.GetResponseAsync(Messages, options).GetAwaiter().GetResult());
        long copyingBytes = MeasurePerCall(() => copying.GetResponseAsync(Messages, routeOptions).GetAwaiter().GetResult());
        long copyBytes = MeasurePerCall(() => s_sink = routeOptions.Clone());

        Assert.Same(options, primary.LastOptions);
        Assert.Equal(copyingBytes - copyBytes, routerBytes);
        Assert.True(routerBytes > directBytes, "the response's properties are still added");
    }

    /// <summary>
    /// The router's own request properties are removed from the options copy the deployment needs anyway (its dictionary is
    /// the copy's own), not gathered into another dictionary: a request that carries one costs no more than one that does not,
    /// and the caller's options keep it.
    /// </summary>
    [Fact]
    public void GetResponseAsync_RouterPropertyToRemove_CostsNoSecondDictionary()
    {
        var primary = new SynchronousClient(chunks: 1);
        IChatClient router = new LlmRouterBuilder()
            .AddDeployment("primary", primary, d => d.Model = "m")
            .AddRoute("default", r => r.Deployments = ["primary"])
            .Build();
        var plain = new ChatOptions { ModelId = "default", AdditionalProperties = new() { ["custom"] = "kept" } };
        var tagged = new ChatOptions { ModelId = "default", AdditionalProperties = new() { ["custom"] = "kept", [LlmRouterRequestProperties.Caller] = "tenant-1" } };

        long plainBytes = MeasurePerCall(() => router.GetResponseAsync(Messages, plain).GetAwaiter().GetResult());
        long taggedBytes = MeasurePerCall(() => router.GetResponseAsync(Messages, tagged).GetAwaiter().GetResult());

        Assert.Equal(plainBytes, taggedBytes);
        ChatOptions sent = primary.LastOptions!;
        Assert.NotSame(tagged, sent);
        Assert.Equal("m", sent.ModelId);
        Assert.Equal("kept", sent.AdditionalProperties!["custom"]);
        Assert.False(sent.AdditionalProperties.ContainsKey(LlmRouterRequestProperties.Caller));
        Assert.Equal("tenant-1", tagged.AdditionalProperties[LlmRouterRequestProperties.Caller]);
        Assert.Equal("default", tagged.ModelId);
    }

    [Fact]
    public void GetResponseAsync_ProviderCompletesLater_AddsAtMostTheAsynchronousBudget()
    {
        // Default retry, circuit breaker and timeouts, all armed while the call is in flight.
        var direct = new LaterClient();
        var primary = new LaterClient();
        IChatClient router = new LlmRouterBuilder()
            .AddDeployment("primary", primary, d => d.Model = "m")
            .AddDeployment("backup", new SynchronousClient(chunks: 1), d => d.Model = "m")
            .AddRoute("default", r => r.Deployments = ["primary", "backup"])
            .Build();
        var directOptions = new ChatOptions { ModelId = "m" };
        var routerOptions = new ChatOptions { ModelId = "default" };

        // The provider's task completes on this thread and runs the router's continuation inline, so every byte is counted here.
        long directBytes = MeasurePerCall(() =>
        {
            Task<ChatResponse> call = direct.GetResponseAsync(Messages, directOptions);
            direct.Complete();
            call.GetAwaiter().GetResult();
        });
        long routerBytes = MeasurePerCall(() =>
        {
            Task<ChatResponse> call = router.GetResponseAsync(Messages, routerOptions);
            Assert.False(call.IsCompleted);
            primary.Complete();
            Assert.Equal("primary", call.GetAwaiter().GetResult().Property(LlmRouterProperties.Deployment));
        });

        Assert.InRange(routerBytes - directBytes, NonStreamingBudgetBytes / 2, AsynchronousBudgetBytes);
    }

    [Fact]
    public void GetStreamingResponseAsync_Committed_AllocatesNothingPerChunk()
    {
        long overheadShort = StreamOverhead(chunks: 10);
        long overheadLong = StreamOverhead(chunks: 100);

        Assert.Equal(overheadShort, overheadLong);
    }

    [Fact]
    public void GetResponseAsync_PricedDeploymentReportsUsage_CostAddsOnlyTheBoxedDecimal()
    {
        var direct = new SynchronousClient(chunks: 1, Usage);
        IChatClient unpriced = BuildRouter(chunks: 1, usage: Usage);
        IChatClient priced = BuildRouter(chunks: 1, usage: Usage, price: new ModelPrice(0.15m, 0.60m));
        var directOptions = new ChatOptions { ModelId = "m" };
        var routerOptions = new ChatOptions { ModelId = "default" };

        long directBytes = MeasurePerCall(() => direct.GetResponseAsync(Messages, directOptions).GetAwaiter().GetResult());
        long unpricedBytes = MeasurePerCall(() => unpriced.GetResponseAsync(Messages, routerOptions).GetAwaiter().GetResult());
        long pricedBytes = MeasurePerCall(() => priced.GetResponseAsync(Messages, routerOptions).GetAwaiter().GetResult());

        // llmrouter.cost_usd is a decimal in a dictionary of objects: one 32-byte box. The dictionary's capacity (7 entries) is unchanged.
        Assert.Equal(32, pricedBytes - unpricedBytes);
        Assert.InRange(pricedBytes - directBytes, 0, NonStreamingBudgetBytes);
    }

    [Fact]
    public void GetStreamingResponseAsync_PricedDeploymentReportsUsage_NothingPerChunk()
    {
        long overheadShort = StreamOverhead(chunks: 10, new ModelPrice(0.15m, 0.60m));
        long overheadLong = StreamOverhead(chunks: 100, new ModelPrice(0.15m, 0.60m));

        Assert.Equal(overheadShort, overheadLong);
    }

    [Theory]
    [InlineData(SelectionStrategies.Weighted)]
    [InlineData(SelectionStrategies.RoundRobin)]
    [InlineData(SelectionStrategies.LeastBusy)]
    [InlineData(SelectionStrategies.LowestLatency)]
    [InlineData(SelectionStrategies.PowerOfTwoChoices)]
    [InlineData(SelectionStrategies.Cheapest)]
    public void GetResponseAsync_BuiltInStrategy_AllocatesNothingMoreThanOrdered(string strategy)
    {
        IChatClient ordered = BuildRouter(chunks: 1, price: new ModelPrice(1, 1), deployments: 3);
        IChatClient ranked = BuildRouter(chunks: 1, price: new ModelPrice(1, 1), deployments: 3, strategy: strategy);
        var options = new ChatOptions { ModelId = "default" };

        long orderedBytes = MeasurePerCall(() => ordered.GetResponseAsync(Messages, options).GetAwaiter().GetResult());
        long rankedBytes = MeasurePerCall(() => ranked.GetResponseAsync(Messages, options).GetAwaiter().GetResult());

        Assert.Equal(orderedBytes, rankedBytes);
    }

    [Fact]
    public void GetResponseAsync_CheapestOverTwentyDeployments_AllocatesNothingMoreThanOrdered()
    {
        IChatClient ordered = BuildRouter(chunks: 1, price: new ModelPrice(1, 1), deployments: 20);
        IChatClient cheapest = BuildRouter(chunks: 1, price: new ModelPrice(1, 1), deployments: 20, strategy: SelectionStrategies.Cheapest);
        var options = new ChatOptions { ModelId = "default" };

        long orderedBytes = MeasurePerCall(() => ordered.GetResponseAsync(Messages, options).GetAwaiter().GetResult());
        long cheapestBytes = MeasurePerCall(() => cheapest.GetResponseAsync(Messages, options).GetAwaiter().GetResult());

        Assert.Equal(orderedBytes, cheapestBytes);
    }

    [Fact]
    public void GetResponseAsync_RouteWithFiltersThatExcludeNothing_AllocatesNothingMore()
    {
        IChatClient plain = BuildRouter(chunks: 1);
        IChatClient filtered = BuildRouter(chunks: 1, configure: r => { r.RequiredTags = ["eu"]; r.DeniedProviders = ["x_ai"]; });
        var options = new ChatOptions { ModelId = "default" };

        long plainBytes = MeasurePerCall(() => plain.GetResponseAsync(Messages, options).GetAwaiter().GetResult());
        long filteredBytes = MeasurePerCall(() => filtered.GetResponseAsync(Messages, options).GetAwaiter().GetResult());

        Assert.Equal(plainBytes, filteredBytes);
    }

    [Fact]
    public void GetResponseAsync_QualityBarsAndLatencyTargetConfigured_AllocateNothingMore()
    {
        IChatClient plain = BuildRouter(chunks: 1, Usage, new ModelPrice(1, 1), deployments: 3, strategy: SelectionStrategies.Cheapest);
        IChatClient adaptive = BuildRouter(chunks: 1, Usage, new ModelPrice(1, 1), deployments: 3, strategy: SelectionStrategies.BestValue, configure: r =>
        {
            r.MinQuality = 0.5;
            r.QualityDropTolerance = 0.2;
            r.LatencyTarget = new LatencyTargetOptions { Total = TimeSpan.FromSeconds(10), TimeToFirstToken = TimeSpan.FromSeconds(5), MinimumSamples = 1 };
        });
        IRouterFeedback feedback = adaptive.GetService<IRouterFeedback>()!;
        foreach (string deployment in (string[])["primary", "backup", "d2"])
        {
            for (int i = 0; i < 20; i++)
            {
                feedback.Record(deployment, "default", null, 0.9);
            }
        }

        var options = new ChatOptions { ModelId = "default" };

        long plainBytes = MeasurePerCall(() => plain.GetResponseAsync(Messages, options).GetAwaiter().GetResult());
        long adaptiveBytes = MeasurePerCall(() => adaptive.GetResponseAsync(Messages, options).GetAwaiter().GetResult());

        Assert.Equal(plainBytes, adaptiveBytes);
    }

    private static readonly UsageDetails Usage = new() { InputTokenCount = 12, OutputTokenCount = 3 };

    private static long StreamOverhead(int chunks, ModelPrice? price = null)
    {
        var direct = new SynchronousClient(chunks, price is null ? null : Usage);
        IChatClient router = BuildRouter(chunks, price is null ? null : Usage, price);
        var directOptions = new ChatOptions { ModelId = "m" };
        var routerOptions = new ChatOptions { ModelId = "default" };

        long directBytes = MeasurePerCall(() => Drain(direct.GetStreamingResponseAsync(Messages, directOptions)));
        long routerBytes = MeasurePerCall(() => Drain(router.GetStreamingResponseAsync(Messages, routerOptions)));
        return routerBytes - directBytes;
    }

    private static IChatClient BuildRouter(
        int chunks, UsageDetails? usage = null, ModelPrice? price = null, int deployments = 2, string strategy = SelectionStrategies.Ordered, Action<RouteOptions>? configure = null)
    {
        var builder = new LlmRouterBuilder();
        string[] names = [.. Enumerable.Range(0, deployments).Select(i => i == 0 ? "primary" : i == 1 ? "backup" : "d" + i)];
        foreach (string name in names)
        {
            builder.AddDeployment(name, new SynchronousClient(chunks, usage), d =>
            {
                d.Model = "m";
                d.Price = price;
                d.Tags = ["eu"];
            });
        }

        return builder.AddRoute("default", r =>
        {
            r.Deployments = names;
            r.Strategy = strategy;
            configure?.Invoke(r);
        }).Build();
    }

    private static void Drain(IAsyncEnumerable<ChatResponseUpdate> stream)
    {
        IAsyncEnumerator<ChatResponseUpdate> enumerator = stream.GetAsyncEnumerator();
        try
        {
            while (enumerator.MoveNextAsync().AsTask().GetAwaiter().GetResult())
            {
            }
        }
        finally
        {
            enumerator.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>Bytes allocated by one call on this thread, after warm-up, as the minimum of several runs.</summary>
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

    /// <summary>Answers with a task the test completes, one call at a time, with a fresh response.</summary>
    private sealed class LaterClient : IChatClient
    {
        private TaskCompletionSource<ChatResponse>? _pending;

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            _pending = new TaskCompletionSource<ChatResponse>();
            return _pending.Task;
        }

        public void Complete() => _pending!.SetResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "x")));

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    /// <summary>Answers synchronously with a fresh response, and streams pre-built updates, so only the router allocates.</summary>
    private sealed class SynchronousClient(int chunks, UsageDetails? usage = null) : IChatClient
    {
        private readonly ChatResponseUpdate[] _updates =
        [
            .. Enumerable.Range(0, chunks).Select(_ => new ChatResponseUpdate(ChatRole.Assistant, "x") { MessageId = "m1" }),
            .. usage is null ? [] : new[] { new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(usage)]) { MessageId = "m1" } },
        ];

        /// <summary>Gets the options of the last call, as the client received them.</summary>
        public ChatOptions? LastOptions { get; private set; }

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            LastOptions = options;
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "x")) { Usage = usage });
        }

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.CompletedTask;
            foreach (ChatResponseUpdate update in _updates)
            {
                yield return update;
            }
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
