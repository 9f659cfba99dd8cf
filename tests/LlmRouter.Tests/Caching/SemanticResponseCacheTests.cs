using LlmRouter.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace LlmRouter.Tests.Caching;

/// <summary>The semantic cache of a route: near-duplicates of the last user turn hit, other questions and other scopes never do.</summary>
public class SemanticResponseCacheTests
{
    private const string Question = "What is the capital of Portugal?";

    /// <summary>0.908 from <see cref="Question"/> with <see cref="NgramEmbeddingGenerator"/>.</summary>
    private const string NearDuplicate = "What is the capital city of Portugal?";

    /// <summary>0.790 from <see cref="Question"/>.</summary>
    private const string OtherQuestion = "What is the capital of Spain?";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task NearDuplicate_IsASemanticHit_WithItsSimilarityAndNoCost(bool streaming)
    {
        await using Semantic fixture = new(threshold: 0.9);

        await fixture.AskAsync(streaming, Question);
        ChatResponse hit = await fixture.AskAsync(streaming, NearDuplicate);

        Assert.Equal(1, fixture.Provider.CallCount);
        Assert.Equal("Lisbon.", hit.Text);
        Assert.Equal("semantic", hit.Property(LlmRouterProperties.CacheHit));
        Assert.InRange((double)hit.Property(LlmRouterProperties.CacheSimilarity)!, 0.9, 0.92);
        Assert.Equal(0m, hit.Property(LlmRouterProperties.CostUsd));
        Assert.Equal(CacheFixture.AnswerCost, hit.Property(LlmRouterProperties.CostSavedUsd));
        Assert.Equal(1, fixture.Chat.GetService<IRouterSpend>()!.GetCacheSavings().Hits);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DefaultThreshold_097_ServesOnlyCloserTurns(bool streaming)
    {
        await using Semantic fixture = new(threshold: null);

        await fixture.AskAsync(streaming, Question);
        ChatResponse near = await fixture.AskAsync(streaming, NearDuplicate);
        ChatResponse same = await fixture.AskAsync(streaming, "what is the capital of portugal");

        Assert.Null(near.Property(LlmRouterProperties.CacheHit));
        Assert.Equal("semantic", same.Property(LlmRouterProperties.CacheHit));
        Assert.Equal(2, fixture.Provider.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DifferentQuestion_Misses(bool streaming)
    {
        await using Semantic fixture = new(threshold: 0.9);

        await fixture.AskAsync(streaming, Question);
        ChatResponse other = await fixture.AskAsync(streaming, OtherQuestion);

        Assert.Null(other.Property(LlmRouterProperties.CacheHit));
        Assert.Equal(2, fixture.Provider.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OtherCaller_NeverHits(bool streaming)
    {
        await using Semantic fixture = new(threshold: 0.5);

        await fixture.AskAsync(streaming, Question, caller: "alice");
        ChatResponse bob = await fixture.AskAsync(streaming, Question, caller: "bob");

        Assert.Null(bob.Property(LlmRouterProperties.CacheHit));
        Assert.Equal(2, fixture.Provider.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OtherSystemPromptOrTools_NeverHit(bool streaming)
    {
        await using Semantic fixture = new(threshold: 0.5);

        await fixture.AskAsync(streaming, Question);
        ChatResponse otherSystem = await fixture.AskAsync(streaming, NearDuplicate, system: "You answer in French.");
        ChatResponse otherTools = await fixture.AskAsync(streaming, NearDuplicate, tools: [AIFunctionFactory.Create((string city) => city, "get_weather")]);

        Assert.Null(otherSystem.Property(LlmRouterProperties.CacheHit));
        Assert.Null(otherTools.Property(LlmRouterProperties.CacheHit));
        Assert.Equal(3, fixture.Provider.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task EmbeddingFailure_IsAMissLoggedOnce(bool streaming)
    {
        await using Semantic fixture = new(threshold: 0.9);
        fixture.Embeddings.Failure = new HttpRequestException("embedding service down");

        ChatResponse first = await fixture.AskAsync(streaming, Question);
        ChatResponse second = await fixture.AskAsync(streaming, NearDuplicate);

        Assert.Equal(("Lisbon.", "Lisbon."), (first.Text, second.Text));
        Assert.Equal(2, fixture.Provider.CallCount);
        Assert.Single(fixture.Logs.GetSnapshot(), r => r.Id.Id == 32);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ExactHit_NeedsNoEmbedding(bool streaming)
    {
        await using Semantic fixture = new(threshold: 0.9);

        await fixture.AskAsync(streaming, Question);
        ChatResponse exact = await fixture.AskAsync(streaming, Question);

        Assert.Equal(true, exact.Property(LlmRouterProperties.CacheHit));
        Assert.Equal(1, fixture.Embeddings.Calls);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RouteWithoutSemantic_NeverEmbeds(bool streaming)
    {
        await using Semantic fixture = new(threshold: 0.9);

        await fixture.AskAsync(streaming, Question, route: "plain");
        ChatResponse near = await fixture.AskAsync(streaming, NearDuplicate, route: "plain");

        Assert.Null(near.Property(LlmRouterProperties.CacheHit));
        Assert.Equal(0, fixture.Embeddings.Calls);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ExpiredAnswer_IsNotServedByMeaning(bool streaming)
    {
        await using Semantic fixture = new(threshold: 0.9);

        await fixture.AskAsync(streaming, Question);
        fixture.Clock.Advance(TimeSpan.FromHours(1));
        ChatResponse near = await fixture.AskAsync(streaming, NearDuplicate);

        Assert.Null(near.Property(LlmRouterProperties.CacheHit));
        Assert.Equal(2, fixture.Provider.CallCount);
    }

    [Fact]
    public async Task SemanticRoute_WithoutAnEmbeddingGenerator_IsAnErrorNamingTheRoute()
    {
        var services = new ServiceCollection();
        services.AddLlmRouter(router => router.AddDeployment("model", new ScriptedChatClient()).AddRoute("chat", r => r.Deployments = ["model"]))
            .UseResponseCache(o => o.Routes["chat"] = new ResponseCacheRouteOptions { Semantic = true });
        await using ServiceProvider provider = services.BuildServiceProvider();

        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IChatClient>());

        Assert.Contains("route(s) chat", error.Message, StringComparison.Ordinal);
        Assert.Contains("IEmbeddingGenerator<string, Embedding<float>>", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A router whose route <c>chat</c> has a semantic cache and route <c>plain</c> an exact one only.</summary>
    private sealed class Semantic : IAsyncDisposable
    {
        private readonly ServiceProvider _services;

        public Semantic(double? threshold)
        {
            Provider = new ScriptedChatClient(timeProvider: Clock) { DefaultOutcome = ScriptedOutcome.Text("Lisbon.").WithUsage(1000, 500) };
            var services = new ServiceCollection();
            services.AddSingleton<TimeProvider>(Clock);
            services.AddLogging(b => b.AddFakeLogging());
            services.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(Embeddings);
            services.AddLlmRouter(router => router
                    .AddDeployment("model", Provider, d => d.Price = new ModelPrice(1m, 2m))
                    .AddRoute("chat", r => r.Deployments = ["model"])
                    .AddRoute("plain", r => r.Deployments = ["model"]))
                .UseResponseCache(o => o.Routes["chat"] = new ResponseCacheRouteOptions { Semantic = true, SimilarityThreshold = threshold });
            _services = services.BuildServiceProvider();
            Chat = _services.GetRequiredService<IChatClient>();
        }

        public FakeTimeProvider Clock { get; } = new();

        public ScriptedChatClient Provider { get; }

        public NgramEmbeddingGenerator Embeddings { get; } = new();

        public IChatClient Chat { get; }

        public FakeLogCollector Logs => _services.GetFakeLogCollector();

        public Task<ChatResponse> AskAsync(bool streaming, string question, string caller = "alice", string route = "chat", string system = "You are terse.", IList<AITool>? tools = null)
        {
            ChatOptions options = CacheFixture.Caller(caller, route);
            options.Tools = tools;
            return Chat.CallAsync(streaming, options, messages: [new ChatMessage(ChatRole.System, system), new ChatMessage(ChatRole.User, question)]);
        }

        public ValueTask DisposeAsync() => _services.DisposeAsync();
    }
}
