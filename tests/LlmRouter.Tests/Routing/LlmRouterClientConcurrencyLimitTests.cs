using System.Runtime.CompilerServices;
using LlmRouter.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace LlmRouter.Tests.Routing;

public class LlmRouterClientConcurrencyLimitTests
{
    private static IChatClient Router(FakeTimeProvider clock, IChatClient primary, IChatClient backup, int limit, TimeSpan queueTimeout) =>
        new LlmRouterBuilder()
            .UseTimeProvider(clock)
            .WithoutRetries()
            .WithoutTimeouts()
            .AddDeployment("primary", primary, d => { d.MaxConcurrentRequests = limit; d.QueueTimeout = queueTimeout; })
            .AddDeployment("backup", backup)
            .Build();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Saturated_IsSkippedForTheNextCandidate(bool streaming)
    {
        var clock = new FakeTimeProvider();
        ScriptedChatClient primary = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Text("first").After(TimeSpan.FromSeconds(1)));
        var backup = new ScriptedChatClient(timeProvider: clock) { DefaultOutcome = ScriptedOutcome.Text("backup") };
        IChatClient router = Router(clock, primary, backup, limit: 1, TimeSpan.Zero);

        Task<ChatResponse> first = router.CallAsync(streaming);
        await primary.WaitForCallsAsync(1);
        ChatResponse second = await router.CallAsync(streaming);
        Assert.Equal(1, router.GetService<IRouterHealth>()!.GetDeployment("primary").InFlight);
        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal("first", (await first).Text);
        Assert.Equal("backup", second.Text);
        Assert.Equal(1, second.Property(LlmRouterProperties.Attempts));
        Assert.Equal(0, router.GetService<IRouterHealth>()!.GetDeployment("primary").InFlight);
    }

    [Fact]
    public async Task Saturated_EveryCandidate_ErrorSaysTheSlotsWereBusy()
    {
        var clock = new FakeTimeProvider();
        ScriptedChatClient primary = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Text("first").After(TimeSpan.FromSeconds(1)));
        IChatClient router = new LlmRouterBuilder()
            .UseTimeProvider(clock)
            .AddDeployment("primary", primary, d => d.MaxConcurrentRequests = 1)
            .Build();

        Task<ChatResponse> first = router.GetResponseAsync(RouterCalls.Hello);
        LlmRouterException exception = await Assert.ThrowsAsync<LlmRouterException>(() => router.GetResponseAsync(RouterCalls.Hello));
        clock.Advance(TimeSpan.FromSeconds(1));
        await first;

        Assert.Contains("primary (all 1 concurrent slots busy)", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Saturated_WithQueueTimeout_WaitsForTheSlot(bool streaming)
    {
        var clock = new TimerTrackingFakeTimeProvider();
        ScriptedChatClient primary = new ScriptedChatClient(timeProvider: clock)
            .Enqueue(ScriptedOutcome.Text("first").After(TimeSpan.FromSeconds(2)), ScriptedOutcome.Text("second"));
        var backup = new ScriptedChatClient(timeProvider: clock) { DefaultOutcome = ScriptedOutcome.Text("backup") };
        IChatClient router = Router(clock, primary, backup, limit: 1, TimeSpan.FromSeconds(5));

        Task<ChatResponse> first = router.CallAsync(streaming);
        await primary.WaitForCallsAsync(1);
        Task<ChatResponse> second = router.CallAsync(streaming);
        await clock.WaitForTimersAsync(2);
        Assert.False(second.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal("first", (await first).Text);
        Assert.Equal("second", (await second).Text);
        Assert.Equal(0, backup.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Saturated_QueueTimeoutPasses_MovesOn(bool streaming)
    {
        var clock = new TimerTrackingFakeTimeProvider();
        ScriptedChatClient primary = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Text("first").After(TimeSpan.FromSeconds(10)));
        var backup = new ScriptedChatClient(timeProvider: clock) { DefaultOutcome = ScriptedOutcome.Text("backup") };
        IChatClient router = Router(clock, primary, backup, limit: 1, TimeSpan.FromSeconds(3));

        Task<ChatResponse> first = router.CallAsync(streaming);
        await primary.WaitForCallsAsync(1);
        Task<ChatResponse> second = router.CallAsync(streaming);
        await clock.WaitForTimersAsync(2);
        clock.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal("backup", (await second).Text);
        clock.Advance(TimeSpan.FromSeconds(7));
        Assert.Equal("first", (await first).Text);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ThousandConcurrentCalls_NeverExceedTheLimitAndAllAreAnswered(bool streaming)
    {
        var limited = new CountingClient("limited");
        var overflow = new CountingClient("overflow");
        IChatClient router = new LlmRouterBuilder()
            .AddDeployment("limited", limited, d => d.MaxConcurrentRequests = 10)
            .AddDeployment("overflow", overflow)
            .Build();

        ChatResponse[] responses = await Task.WhenAll(Enumerable.Range(0, 1_000).Select(_ => Task.Run(() => router.CallAsync(streaming))));

        Assert.All(responses, r => Assert.Contains(r.Text, new[] { "limited", "overflow" }));
        Assert.Equal(1_000, limited.Calls + overflow.Calls);
        Assert.InRange(limited.HighestConcurrency, 1, 10);
        Assert.True(limited.Calls > 0);
        Assert.Equal(0, router.GetService<IRouterHealth>()!.GetDeployment("limited").InFlight);
    }

    [Fact]
    public async Task ThousandConcurrentCalls_QueueingDeployment_ServesThemAllWithinItsLimit()
    {
        var limited = new CountingClient("limited");
        IChatClient router = new LlmRouterBuilder()
            .AddDeployment("limited", limited, d => { d.MaxConcurrentRequests = 5; d.QueueTimeout = TimeSpan.FromMinutes(5); })
            .Build();

        ChatResponse[] responses = await Task.WhenAll(Enumerable.Range(0, 1_000).Select(_ => Task.Run(() => router.GetResponseAsync(RouterCalls.Hello))));

        Assert.All(responses, r => Assert.Equal("limited", r.Text));
        Assert.InRange(limited.HighestConcurrency, 1, 5);
    }

    /// <summary>Yields once per call so calls overlap, and records the highest number in flight at once.</summary>
    private sealed class CountingClient(string name) : IChatClient
    {
        private int _current;
        private int _highest;
        private int _calls;

        public int HighestConcurrency => Volatile.Read(ref _highest);

        public int Calls => Volatile.Read(ref _calls);

        public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Enter();
            try
            {
                await Task.Yield();
                return new ChatResponse(new ChatMessage(ChatRole.Assistant, name));
            }
            finally
            {
                Interlocked.Decrement(ref _current);
            }
        }

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            Enter();
            try
            {
                await Task.Yield();
                yield return new ChatResponseUpdate(ChatRole.Assistant, name);
            }
            finally
            {
                Interlocked.Decrement(ref _current);
            }
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }

        private void Enter()
        {
            Interlocked.Increment(ref _calls);
            int now = Interlocked.Increment(ref _current);
            int seen = Volatile.Read(ref _highest);
            while (now > seen)
            {
                int previous = Interlocked.CompareExchange(ref _highest, now, seen);
                if (previous == seen)
                {
                    break;
                }

                seen = previous;
            }
        }
    }
}
