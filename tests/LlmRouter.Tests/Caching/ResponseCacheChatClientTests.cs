using System.Net;
using LlmRouter.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LlmRouter.Tests.Caching;

/// <summary>The exact response cache in front of the router: hits, scope, what is stored, control, accounting, streaming replay.</summary>
public class ResponseCacheChatClientTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SameRequestTwice_ProviderCalledOnce_HitCostsNothingAndSavesTheFirstCost(bool streaming)
    {
        await using var fixture = new CacheFixture();

        ChatResponse first = await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice"));
        ChatResponse second = await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice"));

        Assert.Equal(1, fixture.Provider.CallCount);
        Assert.Equal(CacheFixture.AnswerCost, first.Property(LlmRouterProperties.CostUsd));
        Assert.Null(first.Property(LlmRouterProperties.CacheHit));
        Assert.Equal("Hi there", second.Text);
        Assert.Equal(true, second.Property(LlmRouterProperties.CacheHit));
        Assert.Equal(0m, second.Property(LlmRouterProperties.CostUsd));
        Assert.Equal(CacheFixture.AnswerCost, second.Property(LlmRouterProperties.CostSavedUsd));
        Assert.Equal(0, second.Property(LlmRouterProperties.Attempts));
        Assert.Equal("model", second.Property(LlmRouterProperties.Deployment));
        Assert.Equal("chat", second.Property(LlmRouterProperties.Route));

        // The stored call's usage, not zero.
        Assert.Equal(1000, second.Usage?.InputTokenCount);
        Assert.Equal(500, second.Usage?.OutputTokenCount);

        // Spend counts the one call; the hit is counted apart, with what it saved.
        SpendTotal total = fixture.Spend.GetTotal();
        Assert.Equal((1L, CacheFixture.AnswerCost), (total.Calls, total.CostUsd));
        Assert.Equal(new CacheSavings { Hits = 1, SavedUsd = CacheFixture.AnswerCost }, fixture.Spend.GetCacheSavings());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Hit_ChargesNoBudget(bool streaming)
    {
        var provider = new ScriptedChatClient { DefaultOutcome = CacheFixture.WithUsage(ScriptedOutcome.Text("Hi there")) };
        var services = new ServiceCollection();
        services.AddLlmRouter(router => router
                .AddDeployment("model", provider, d => d.Price = new ModelPrice(1m, 2m))
                .AddBudget("daily", b => { b.LimitUsd = 1; b.Window = BudgetWindow.Day; }))
            .UseResponseCache();
        await using ServiceProvider built = services.BuildServiceProvider();
        IChatClient chat = built.GetRequiredService<IChatClient>();

        await chat.CallAsync(streaming);
        ChatResponse hit = await chat.CallAsync(streaming);

        Assert.Equal(true, hit.Property(LlmRouterProperties.CacheHit));
        BudgetStatus daily = Assert.Single(await chat.GetService<IRouterSpend>()!.GetBudgetsAsync());
        Assert.Equal((CacheFixture.AnswerCost, 0m), (daily.SpentUsd, daily.ReservedUsd));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnotherCaller_Misses_TheSameCallerHits(bool streaming)
    {
        await using var fixture = new CacheFixture();

        await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice"));
        ChatResponse bob = await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("bob"));
        ChatResponse anonymous = await fixture.Chat.CallAsync(streaming);
        ChatResponse alice = await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice"));

        Assert.Null(bob.Property(LlmRouterProperties.CacheHit));
        Assert.Null(anonymous.Property(LlmRouterProperties.CacheHit));
        Assert.Equal(true, alice.Property(LlmRouterProperties.CacheHit));
        Assert.Equal(3, fixture.Provider.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SharedRoute_AnotherCallerHits_OtherRoutesStayPerCaller(bool streaming)
    {
        await using var fixture = new CacheFixture(o => o.Routes["shared"] = new ResponseCacheRouteOptions { Scope = ResponseCacheScope.Shared });

        await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice", "shared"));
        ChatResponse bob = await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("bob", "shared"));
        await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice", "chat"));
        ChatResponse bobOnChat = await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("bob", "chat"));

        Assert.Equal(true, bob.Property(LlmRouterProperties.CacheHit));
        Assert.Null(bobOnChat.Property(LlmRouterProperties.CacheHit));
        Assert.Equal(3, fixture.Provider.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DifferentRoute_Misses(bool streaming)
    {
        await using var fixture = new CacheFixture(o => o.Scope = ResponseCacheScope.Shared);

        await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice", "chat"));
        ChatResponse other = await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice", "shared"));
        ChatResponse defaultRoute = await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice"));

        Assert.Null(other.Property(LlmRouterProperties.CacheHit));

        // No ModelId is the default route, "chat".
        Assert.Equal(true, defaultRoute.Property(LlmRouterProperties.CacheHit));
        Assert.Equal(2, fixture.Provider.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task NoCache_CallsTheProviderAndRefreshesTheEntry(bool streaming)
    {
        var provider = new ScriptedChatClient { DefaultOutcome = CacheFixture.WithUsage(ScriptedOutcome.Text("newer")) }
            .Enqueue(CacheFixture.WithUsage(ScriptedOutcome.Text("older")));
        await using var fixture = new CacheFixture(provider: provider);

        await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice"));
        ChatResponse refreshed = await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice", directive: "no-cache"));
        ChatResponse hit = await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice"));

        Assert.Equal("newer", refreshed.Text);
        Assert.Null(refreshed.Property(LlmRouterProperties.CacheHit));
        Assert.Equal(("newer", true), (hit.Text, hit.Property(LlmRouterProperties.CacheHit)));
        Assert.Equal(2, provider.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task NoStore_NeitherServesNorStores(bool streaming)
    {
        await using var fixture = new CacheFixture();

        await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice", directive: "no-store"));
        await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice"));
        ChatResponse bypassed = await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice", directive: "no-store"));

        Assert.Null(bypassed.Property(LlmRouterProperties.CacheHit));
        Assert.Equal(3, fixture.Provider.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Ttl_EntryServedUntilItExpires(bool streaming)
    {
        await using var fixture = new CacheFixture(o => o.Ttl = TimeSpan.FromMinutes(10));

        await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice"));
        fixture.Clock.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromTicks(1));
        ChatResponse beforeExpiry = await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice"));
        fixture.Clock.Advance(TimeSpan.FromTicks(1));
        ChatResponse afterExpiry = await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice"));

        Assert.Equal(true, beforeExpiry.Property(LlmRouterProperties.CacheHit));
        Assert.Null(afterExpiry.Property(LlmRouterProperties.CacheHit));
        Assert.Equal(2, fixture.Provider.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RequestTtl_OverridesTheRoutes(bool streaming)
    {
        await using var fixture = new CacheFixture(o => o.Ttl = TimeSpan.FromHours(1));

        await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice", directive: TimeSpan.FromMinutes(1)));
        fixture.Clock.Advance(TimeSpan.FromMinutes(1));
        ChatResponse expired = await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice", directive: "00:30:00"));
        fixture.Clock.Advance(TimeSpan.FromMinutes(29));
        ChatResponse kept = await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice"));

        Assert.Null(expired.Property(LlmRouterProperties.CacheHit));
        Assert.Equal(true, kept.Property(LlmRouterProperties.CacheHit));
        Assert.Equal(2, fixture.Provider.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RouteTtl_OverridesTheDefault(bool streaming)
    {
        await using var fixture = new CacheFixture(o => o.Routes["chat"] = new ResponseCacheRouteOptions { Ttl = TimeSpan.FromMinutes(1) });

        await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice"));
        fixture.Clock.Advance(TimeSpan.FromMinutes(1));
        ChatResponse expired = await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice"));

        Assert.Null(expired.Property(LlmRouterProperties.CacheHit));
        Assert.Equal(2, fixture.Provider.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DisabledRoute_PassesBy_EnabledRoutesStillCache(bool streaming)
    {
        await using var fixture = new CacheFixture(o =>
        {
            o.Enabled = false;
            o.Routes["chat"] = new ResponseCacheRouteOptions { Enabled = true };
        });

        await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice", "off"));
        ChatResponse off = await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice", "off"));
        await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice", "chat"));
        ChatResponse on = await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice", "chat"));

        Assert.Null(off.Property(LlmRouterProperties.CacheHit));
        Assert.Equal(true, on.Property(LlmRouterProperties.CacheHit));
        Assert.Equal(3, fixture.Provider.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task FailedRequest_IsNotStored(bool streaming)
    {
        var provider = new ScriptedChatClient { DefaultOutcome = CacheFixture.WithUsage(ScriptedOutcome.Text("fine")) }
            .Enqueue(ScriptedOutcome.Failure(HttpStatusCode.BadRequest));
        await using var fixture = new CacheFixture(provider: provider);

        await Assert.ThrowsAnyAsync<Exception>(() => fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice")));
        ChatResponse next = await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice"));

        Assert.Equal("fine", next.Text);
        Assert.Null(next.Property(LlmRouterProperties.CacheHit));
        Assert.Equal(2, provider.CallCount);
    }

    [Theory]
    [InlineData(false, "length")]
    [InlineData(true, "length")]
    [InlineData(false, "content_filter")]
    [InlineData(true, "content_filter")]
    public async Task TruncatedOrFilteredAnswer_IsNotStored(bool streaming, string finish)
    {
        var provider = new ScriptedChatClient { DefaultOutcome = CacheFixture.WithUsage(ScriptedOutcome.Text("cut")).WithFinishReason(new ChatFinishReason(finish)) };
        await using var fixture = new CacheFixture(provider: provider);

        await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice"));
        ChatResponse second = await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice"));

        Assert.Null(second.Property(LlmRouterProperties.CacheHit));
        Assert.Equal(2, provider.CallCount);
    }

    [Fact]
    public async Task BrokenStream_IsNotStored()
    {
        var provider = new ScriptedChatClient { DefaultOutcome = CacheFixture.WithUsage(ScriptedOutcome.Text("whole")) }
            .Enqueue(ScriptedOutcome.Chunks("part", "ial").ThenThrow(new IOException("connection reset")));
        await using var fixture = new CacheFixture(provider: provider);

        await Assert.ThrowsAnyAsync<Exception>(() => fixture.Chat.ReadAllAsync(CacheFixture.Caller("alice")));
        ChatResponse next = await fixture.Chat.CallAsync(streaming: true, CacheFixture.Caller("alice"));

        Assert.Equal("whole", next.Text);
        Assert.Null(next.Property(LlmRouterProperties.CacheHit));
    }

    [Fact]
    public async Task AbandonedStream_IsNotStored()
    {
        var provider = new ScriptedChatClient { DefaultOutcome = CacheFixture.WithUsage(ScriptedOutcome.Chunks("one ", "two ", "three")) };
        await using var fixture = new CacheFixture(provider: provider);

        await foreach (ChatResponseUpdate update in fixture.Chat.GetStreamingResponseAsync(RouterCalls.Hello, CacheFixture.Caller("alice")))
        {
            Assert.Equal("one ", update.Text);
            break;
        }

        ChatResponse next = await fixture.Chat.CallAsync(streaming: true, CacheFixture.Caller("alice"));

        Assert.Null(next.Property(LlmRouterProperties.CacheHit));
        Assert.Equal(2, provider.CallCount);
        Assert.Equal(0, provider.OpenStreams);
    }

    [Fact]
    public async Task StreamingHit_ReplaysTheOriginalText_UsageAndProperties()
    {
        var provider = new ScriptedChatClient { DefaultOutcome = CacheFixture.WithUsage(ScriptedOutcome.Chunks("Hel", "lo ", "there")) };
        await using var fixture = new CacheFixture(provider: provider);

        List<ChatResponseUpdate> original = await fixture.Chat.ReadAllAsync(CacheFixture.Caller("alice"));
        List<ChatResponseUpdate> replayed = await fixture.Chat.ReadAllAsync(CacheFixture.Caller("alice"));

        Assert.Equal(1, provider.CallCount);
        Assert.Equal(string.Concat(original.Select(u => u.Text)), string.Concat(replayed.Select(u => u.Text)));
        Assert.Equal("Hello there", string.Concat(replayed.Select(u => u.Text)));
        UsageDetails usage = Assert.Single(replayed.SelectMany(u => u.Contents).OfType<UsageContent>()).Details;
        Assert.Equal((1000L, 500L), (usage.InputTokenCount!.Value, usage.OutputTokenCount!.Value));
        Assert.Equal(ChatFinishReason.Stop, replayed[^1].FinishReason);
        Assert.Equal(true, replayed[^1].AdditionalProperties?[LlmRouterProperties.CacheHit]);
        Assert.Equal(CacheFixture.AnswerCost, replayed[^1].AdditionalProperties?[LlmRouterProperties.CostSavedUsd]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task StreamedAndPlainCalls_ShareEntries(bool streamFirst)
    {
        await using var fixture = new CacheFixture();

        await fixture.Chat.CallAsync(streamFirst, CacheFixture.Caller("alice"));
        ChatResponse hit = await fixture.Chat.CallAsync(!streamFirst, CacheFixture.Caller("alice"));

        Assert.Equal(("Hi there", true), (hit.Text, hit.Property(LlmRouterProperties.CacheHit)));
        Assert.Equal(1, fixture.Provider.CallCount);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public async Task ToolCallAnswers_StoredOnlyWhenTheRouteSaysSo(bool streaming, bool cacheToolCalls)
    {
        var call = new ChatResponseUpdate(ChatRole.Assistant, [new FunctionCallContent("call-1", "get_weather", new Dictionary<string, object?> { ["city"] = "Lisbon" })])
        {
            FinishReason = ChatFinishReason.ToolCalls,
        };
        var provider = new ScriptedChatClient { DefaultOutcome = ScriptedOutcome.Stream(call) };
        await using var fixture = new CacheFixture(o => o.CacheToolCalls = cacheToolCalls, provider: provider);

        await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice"));
        ChatResponse second = await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice"));

        Assert.Equal(cacheToolCalls ? 1 : 2, provider.CallCount);
        if (cacheToolCalls)
        {
            FunctionCallContent replayed = Assert.Single(second.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
            Assert.Equal(("call-1", "get_weather"), (replayed.CallId, replayed.Name));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task StoreThatFails_IsAMissLoggedOnce_NeverAFailedRequest(bool streaming)
    {
        await using var fixture = new CacheFixture(cache: new FailingCache());

        ChatResponse first = await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice"));
        ChatResponse second = await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice"));

        Assert.Equal(("Hi there", "Hi there"), (first.Text, second.Text));
        Assert.Equal(2, fixture.Provider.CallCount);
        Assert.Single(fixture.Logs.GetSnapshot(), r => r.Id.Id == 30);
        Assert.Single(fixture.Logs.GetSnapshot(), r => r.Id.Id == 31);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task BadEntry_IsAMiss_AndIsReplaced(bool streaming)
    {
        var store = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
        var keys = new RecordingCache(store);
        await using var fixture = new CacheFixture(cache: keys);

        await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice"));
        await store.SetAsync(keys.LastKey!, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30]);
        ChatResponse afterCorruption = await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice"));
        ChatResponse again = await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice"));

        Assert.Null(afterCorruption.Property(LlmRouterProperties.CacheHit));
        Assert.Equal(true, again.Property(LlmRouterProperties.CacheHit));
        Assert.Equal(2, fixture.Provider.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task InvalidDirective_IsAnArgumentException(bool streaming)
    {
        await using var fixture = new CacheFixture();

        ArgumentException error = await Assert.ThrowsAsync<ArgumentException>(() => fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice", directive: "sometimes")));

        Assert.Contains("llmrouter.cache", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, fixture.Provider.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ProviderConversation_IsNeverCached(bool streaming)
    {
        await using var fixture = new CacheFixture();
        ChatOptions options = CacheFixture.Caller("alice");
        options.ConversationId = "conversation-1";

        await fixture.Chat.CallAsync(streaming, options);
        await fixture.Chat.CallAsync(streaming, options);

        Assert.Equal(2, fixture.Provider.CallCount);
    }

    [Fact]
    public void Options_Invalid_ListEveryProblem()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => new ChatClientBuilder(new ScriptedChatClient()).UseResponseCache(o =>
        {
            o.Ttl = TimeSpan.Zero;
            o.CallerProperty = " ";
            o.Routes["chat"] = new ResponseCacheRouteOptions { Ttl = TimeSpan.FromDays(400) };
        }));

        Assert.Contains("ResponseCache:Ttl", error.Message, StringComparison.Ordinal);
        Assert.Contains("ResponseCache:CallerProperty", error.Message, StringComparison.Ordinal);
        Assert.Contains("ResponseCache:Routes:chat:Ttl", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetService_ReachesTheRouterThroughTheStep()
    {
        await using var fixture = new CacheFixture();

        Assert.NotNull(fixture.Chat.GetService<ResponseCacheChatClient>());
        Assert.NotNull(fixture.Chat.GetService<IRouterHealth>());
        Assert.NotNull(fixture.Chat.GetService<IRouterSpend>());
    }

    /// <summary>A store that is down.</summary>
    private sealed class FailingCache : IDistributedCache
    {
        public byte[]? Get(string key) => throw new InvalidOperationException("store down");

        public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => throw new InvalidOperationException("store down");

        public void Refresh(string key) => throw new InvalidOperationException("store down");

        public Task RefreshAsync(string key, CancellationToken token = default) => throw new InvalidOperationException("store down");

        public void Remove(string key) => throw new InvalidOperationException("store down");

        public Task RemoveAsync(string key, CancellationToken token = default) => throw new InvalidOperationException("store down");

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => throw new InvalidOperationException("store down");

        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) => throw new InvalidOperationException("store down");
    }

    /// <summary>A store that remembers the last key written.</summary>
    private sealed class RecordingCache(IDistributedCache inner) : IDistributedCache
    {
        public string? LastKey { get; private set; }

        public byte[]? Get(string key) => inner.Get(key);

        public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => inner.GetAsync(key, token);

        public void Refresh(string key) => inner.Refresh(key);

        public Task RefreshAsync(string key, CancellationToken token = default) => inner.RefreshAsync(key, token);

        public void Remove(string key) => inner.Remove(key);

        public Task RemoveAsync(string key, CancellationToken token = default) => inner.RemoveAsync(key, token);

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options)
        {
            LastKey = key;
            inner.Set(key, value, options);
        }

        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
        {
            LastKey = key;
            return inner.SetAsync(key, value, options, token);
        }
    }
}
