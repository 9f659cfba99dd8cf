using System.Net;
using LlmRouter.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace LlmRouter.Tests.Routing;

public class LlmRouterClientTimeoutTests
{
    private static IChatClient Router(FakeTimeProvider clock, ScriptedChatClient primary, ScriptedChatClient backup, Action<TimeoutOptions> timeouts) =>
        new LlmRouterBuilder()
            .UseTimeProvider(clock)
            .WithoutRetries()
            .WithoutTimeouts()
            .ConfigureTimeouts(timeouts)
            .AddDeployment("primary", primary, d => d.Model = "p")
            .AddDeployment("backup", backup, d => d.Model = "b")
            .Build();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Attempt_NoAnswerInTime_CancelsTheCallAndFallsBack(bool streaming)
    {
        var clock = new TimerTrackingFakeTimeProvider();
        ScriptedChatClient primary = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Stall());
        ScriptedChatClient backup = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Text("backup"));
        IChatClient router = Router(clock, primary, backup, t => t.Attempt = TimeSpan.FromSeconds(5));

        Task<ChatResponse> call = router.CallAsync(streaming);
        await primary.WaitForCallsAsync(1);
        await clock.WaitForTimersAsync(1);
        clock.Advance(TimeSpan.FromSeconds(5));
        ChatResponse response = await call;

        Assert.Equal("backup", response.Text);
        Assert.Equal("primary: Timeout", response.Property(LlmRouterProperties.FallbackReasons));
        Assert.True(primary.Calls[0].CancellationToken.IsCancellationRequested);
        Assert.Equal(0, primary.OpenStreams);
    }

    [Fact]
    public async Task Attempt_EveryCandidateTimesOut_ExceptionSaysWhichTimeout()
    {
        var clock = new FakeTimeProvider();
        ScriptedChatClient primary = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Stall());
        ScriptedChatClient backup = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Stall());
        IChatClient router = Router(clock, primary, backup, t => t.Attempt = TimeSpan.FromSeconds(5));

        Task<ChatResponse> call = router.GetResponseAsync(RouterCalls.Hello);
        await primary.WaitForCallsAsync(1);
        clock.Advance(TimeSpan.FromSeconds(5));
        await backup.WaitForCallsAsync(1);
        clock.Advance(TimeSpan.FromSeconds(5));

        LlmRouterException exception = await Assert.ThrowsAsync<LlmRouterException>(() => call);
        Assert.All(exception.Attempts, a =>
        {
            Assert.Equal(ProviderErrorKind.Timeout, a.Kind);
            Assert.IsType<TimeoutException>(a.Exception);
            Assert.Equal(TimeSpan.FromSeconds(5), a.Duration);
        });
        Assert.Contains("did not answer within the attempt timeout of 00:00:05 (Timeouts.Attempt)", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FirstChunk_StreamSilentFromTheStart_FailsOver()
    {
        var clock = new TimerTrackingFakeTimeProvider();
        ScriptedChatClient primary = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Stall());
        ScriptedChatClient backup = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Chunks("from ", "backup"));
        IChatClient router = Router(clock, primary, backup, t => t.FirstChunk = TimeSpan.FromSeconds(3));

        Task<List<ChatResponseUpdate>> read = router.ReadAllAsync();
        await primary.WaitForCallsAsync(1);
        await clock.WaitForTimersAsync(1);
        clock.Advance(TimeSpan.FromSeconds(3));
        List<ChatResponseUpdate> updates = await read;

        Assert.Equal("from backup", string.Concat(updates.Select(u => u.Text)));
        Assert.Equal("primary: Timeout", updates[^1].AdditionalProperties?[LlmRouterProperties.FallbackReasons]);
        Assert.True(primary.Calls[0].CancellationToken.IsCancellationRequested);
        Assert.Equal(0, primary.OpenStreams);
    }

    [Fact]
    public async Task FirstChunk_EveryStreamSilent_ExceptionNamesTheTimeout()
    {
        var clock = new TimerTrackingFakeTimeProvider();
        ScriptedChatClient primary = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Stall());
        ScriptedChatClient backup = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Stall());
        IChatClient router = Router(clock, primary, backup, t => t.FirstChunk = TimeSpan.FromSeconds(3));

        Task<List<ChatResponseUpdate>> read = router.ReadAllAsync();
        await primary.WaitForCallsAsync(1);
        await clock.WaitForTimersAsync(1);
        clock.Advance(TimeSpan.FromSeconds(3));
        await backup.WaitForCallsAsync(1);
        await clock.WaitForTimersAsync(1);
        clock.Advance(TimeSpan.FromSeconds(3));

        LlmRouterException exception = await Assert.ThrowsAsync<LlmRouterException>(() => read);
        Assert.Contains("Deployment 'primary' sent no first chunk within 00:00:03 (Timeouts.FirstChunk)", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Deployment 'backup' sent no first chunk within 00:00:03 (Timeouts.FirstChunk)", exception.Message, StringComparison.Ordinal);
        Assert.Equal(0, primary.OpenStreams + backup.OpenStreams);
    }

    [Fact]
    public async Task BetweenChunks_StallBeforeContent_FailsOver()
    {
        var clock = new TimerTrackingFakeTimeProvider();
        ScriptedChatClient primary = new ScriptedChatClient(timeProvider: clock)
            .Enqueue(ScriptedOutcome.Stream(new ChatResponseUpdate { Role = ChatRole.Assistant, ResponseId = "primary" }).ThenStall());
        ScriptedChatClient backup = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Text("backup"));
        IChatClient router = Router(clock, primary, backup, t => t.BetweenChunks = TimeSpan.FromSeconds(2));

        Task<List<ChatResponseUpdate>> read = router.ReadAllAsync();
        await clock.WaitForTimersAsync(1);
        clock.Advance(TimeSpan.FromMilliseconds(2_500));
        List<ChatResponseUpdate> updates = await read;

        Assert.Equal("backup", string.Concat(updates.Select(u => u.Text)));
        Assert.DoesNotContain(updates, u => u.ResponseId == "primary");
        Assert.Equal("primary: Timeout", updates[^1].AdditionalProperties?[LlmRouterProperties.FallbackReasons]);
        Assert.Equal(0, primary.OpenStreams);
    }

    [Fact]
    public async Task BetweenChunks_StallAfterCommit_SurfacesTimeoutToTheCaller()
    {
        var clock = new TimerTrackingFakeTimeProvider();
        ScriptedChatClient primary = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Chunks("partial").ThenStall());
        var backup = new ScriptedChatClient(timeProvider: clock);
        IChatClient router = Router(clock, primary, backup, t => t.BetweenChunks = TimeSpan.FromSeconds(2));
        await using IAsyncEnumerator<ChatResponseUpdate> stream = router.GetStreamingResponseAsync(RouterCalls.Hello).GetAsyncEnumerator();

        Assert.True(await stream.MoveNextAsync());
        Assert.Equal("partial", stream.Current.Text);
        ValueTask<bool> next = stream.MoveNextAsync();
        await clock.WaitForTimersAsync(1);
        clock.Advance(TimeSpan.FromMilliseconds(2_500));

        TimeoutException timeout = await Assert.ThrowsAsync<TimeoutException>(async () => await next);
        Assert.Contains("Deployment 'primary' sent nothing for 00:00:02 between chunks (Timeouts.BetweenChunks)", timeout.Message, StringComparison.Ordinal);
        Assert.Equal(0, backup.CallCount);
        Assert.Equal(0, primary.OpenStreams);
        Assert.Equal(1, router.GetService<IRouterHealth>()!.GetDeployment("primary").SampledFailures);
    }

    [Fact]
    public async Task BetweenChunks_SteadyStream_IsNeverCut()
    {
        var clock = new TimerTrackingFakeTimeProvider();
        ScriptedChatClient primary = new ScriptedChatClient(timeProvider: clock)
            .Enqueue(ScriptedOutcome.Chunks("a", "b", "c", "d", "e").WithChunkDelay(TimeSpan.FromMilliseconds(1_900)));
        var backup = new ScriptedChatClient(timeProvider: clock);
        IChatClient router = Router(clock, primary, backup, t => t.BetweenChunks = TimeSpan.FromSeconds(2));

        Task<List<ChatResponseUpdate>> read = router.ReadAllAsync();
        for (int i = 0; i < 4; i++)
        {
            await clock.WaitForTimersAsync(2);
            clock.Advance(TimeSpan.FromMilliseconds(1_900));
        }

        List<ChatResponseUpdate> updates = await read;
        Assert.Equal("abcde", string.Concat(updates.Select(u => u.Text)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Total_DeadlinePasses_StopsWithoutTryingFurther(bool streaming)
    {
        var clock = new TimerTrackingFakeTimeProvider();
        ScriptedChatClient primary = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Stall());
        var backup = new ScriptedChatClient(timeProvider: clock);
        IChatClient router = Router(clock, primary, backup, t => t.Total = TimeSpan.FromSeconds(10));

        Task<ChatResponse> call = router.CallAsync(streaming);
        await primary.WaitForCallsAsync(1);
        await clock.WaitForTimersAsync(1);
        clock.Advance(TimeSpan.FromSeconds(10));

        LlmRouterException exception = await Assert.ThrowsAsync<LlmRouterException>(() => call);
        Assert.Contains("exceeded its total timeout of 00:00:10 (Timeouts.Total)", exception.Message, StringComparison.Ordinal);
        Assert.Equal(ProviderErrorKind.Timeout, Assert.Single(exception.Attempts).Kind);
        Assert.Equal(0, backup.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Attempt_TimedOut_IsRetriedLikeAnyTimeout(bool streaming)
    {
        var clock = new TimerTrackingFakeTimeProvider();
        ScriptedChatClient primary = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Stall(), ScriptedOutcome.Text("second try"));
        var backup = new ScriptedChatClient(timeProvider: clock);
        IChatClient router = new LlmRouterBuilder()
            .UseTimeProvider(clock)
            .WithoutTimeouts()
            .ConfigureTimeouts(t => t.Attempt = TimeSpan.FromSeconds(5))
            .ConfigureRetry(r => { r.BaseDelay = TimeSpan.Zero; r.UseJitter = false; })
            .AddDeployment("primary", primary)
            .AddDeployment("backup", backup)
            .Build();

        Task<ChatResponse> call = router.CallAsync(streaming);
        await primary.WaitForCallsAsync(1);
        await clock.WaitForTimersAsync(1);
        clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal("second try", (await call).Text);
        Assert.Equal(2, primary.CallCount);
    }
}
