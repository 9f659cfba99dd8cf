using System.Net;
using LlmRouter.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace LlmRouter.Tests.Testing;

public class ScriptedChatClientTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_PlaysOutcomesInOrderAndRecordsCalls(bool streaming)
    {
        var fake = new ScriptedChatClient("acme", "acme-1")
            .Enqueue(ScriptedOutcome.Chunks("a", "b").WithUsage(5, 2), ScriptedOutcome.Failure(HttpStatusCode.TooManyRequests, TimeSpan.FromSeconds(4)));
        var options = new ChatOptions { ModelId = "acme-2", Temperature = 0.5f };

        ChatResponse first = await fake.CallAsync(streaming, options);
        ProviderException failure = await Assert.ThrowsAsync<ProviderException>(() => fake.CallAsync(streaming));

        Assert.Equal("ab", first.Text);
        Assert.Equal("acme-2", first.ModelId);
        Assert.Equal(7, first.Usage?.TotalTokenCount);
        Assert.Equal(ChatFinishReason.Stop, first.FinishReason);
        Assert.Equal((ProviderErrorKind.RateLimited, HttpStatusCode.TooManyRequests, TimeSpan.FromSeconds(4)), (failure.Kind, failure.StatusCode, failure.RetryAfter));
        Assert.Collection(
            fake.Calls,
            c => Assert.Equal((1, streaming, "acme-2", 0.5f), (c.Number, c.IsStreaming, c.Options!.ModelId, c.Options.Temperature!.Value)),
            c => Assert.Equal((2, (ChatOptions?)null), (c.Number, c.Options)));
        Assert.Equal(0, fake.RemainingOutcomes);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ChunksAreSeparateUpdatesWithUsageLast()
    {
        var fake = new ScriptedChatClient().Enqueue(ScriptedOutcome.Chunks("x", "y").WithUsage(3, 2));

        List<ChatResponseUpdate> updates = await fake.ReadAllAsync();

        Assert.Equal(["x", "y", ""], updates.Select(u => u.Text));
        Assert.Null(updates[0].FinishReason);
        Assert.Equal(ChatFinishReason.Stop, updates[1].FinishReason);
        Assert.IsType<UsageContent>(Assert.Single(updates[2].Contents));
    }

    [Fact]
    public async Task Call_QueueEmpty_FailsWithClearMessageOrUsesDefault()
    {
        var fake = new ScriptedChatClient("acme");

        InvalidOperationException exception = await Assert.ThrowsAsync<InvalidOperationException>(() => fake.GetResponseAsync(RouterCalls.Hello));
        Assert.Contains("no scripted outcome left", exception.Message, StringComparison.Ordinal);

        fake.DefaultOutcome = ScriptedOutcome.Text("default");
        Assert.Equal("default", (await fake.GetResponseAsync(RouterCalls.Hello)).Text);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_DelaysRunOnTheGivenClock(bool streaming)
    {
        var clock = new TimerTrackingFakeTimeProvider();
        var fake = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Chunks("a", "b").After(TimeSpan.FromSeconds(2)).WithChunkDelay(TimeSpan.FromSeconds(1)));

        Task<ChatResponse> call = fake.CallAsync(streaming);
        await clock.WaitForTimersAsync(1);
        Assert.False(call.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(2));
        await clock.WaitForTimersAsync(1);
        Assert.False(call.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal("ab", (await call).Text);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_Stall_WaitsUntilCancelled(bool streaming)
    {
        var clock = new FakeTimeProvider();
        var fake = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Stall());
        using var cancellation = new CancellationTokenSource();

        Task<ChatResponse> call = fake.CallAsync(streaming, cancellationToken: cancellation.Token);
        await fake.WaitForCallsAsync(1);
        clock.Advance(TimeSpan.FromDays(365));
        Assert.False(call.IsCompleted);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Equal(0, fake.OpenStreams);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ThenThrow_BreaksAfterChunks()
    {
        var broken = new IOException("reset");
        var fake = new ScriptedChatClient().Enqueue(ScriptedOutcome.Chunks("a", "b").ThenThrow(broken));
        var seen = new List<string>();

        IOException thrown = await Assert.ThrowsAsync<IOException>(async () =>
        {
            await foreach (ChatResponseUpdate update in fake.GetStreamingResponseAsync(RouterCalls.Hello))
            {
                seen.Add(update.Text);
            }
        });

        Assert.Same(broken, thrown);
        Assert.Equal(["a", "b"], seen);
        Assert.Equal(0, fake.OpenStreams);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ThenFail_ThrowsProviderExceptionAfterChunks()
    {
        var fake = new ScriptedChatClient().Enqueue(ScriptedOutcome.Chunks("a").ThenFail(HttpStatusCode.ServiceUnavailable));

        ProviderException thrown = await Assert.ThrowsAsync<ProviderException>(() => fake.ReadAllAsync());

        Assert.Equal(ProviderErrorKind.Overloaded, thrown.Kind);
    }

    [Fact]
    public async Task Call_Empty_AnswersWithNothing()
    {
        var fake = new ScriptedChatClient().Enqueue(ScriptedOutcome.Empty(), ScriptedOutcome.Empty());

        Assert.Empty((await fake.GetResponseAsync(RouterCalls.Hello)).Messages);
        Assert.Empty(await fake.ReadAllAsync());
    }

    [Fact]
    public async Task Call_ExplicitKindFailure_CarriesTheKind()
    {
        var fake = new ScriptedChatClient().Enqueue(ScriptedOutcome.Failure(ProviderErrorKind.ContentFiltered, HttpStatusCode.BadRequest, "blocked"));

        ProviderException thrown = await Assert.ThrowsAsync<ProviderException>(() => fake.GetResponseAsync(RouterCalls.Hello));

        Assert.Equal((ProviderErrorKind.ContentFiltered, "blocked"), (thrown.Kind, thrown.Message));
    }

    [Fact]
    public void GetService_ReturnsMetadata()
    {
        var fake = new ScriptedChatClient("acme", "acme-1");

        ChatClientMetadata? metadata = fake.GetService<ChatClientMetadata>();

        Assert.Equal(("acme", "acme-1"), (metadata?.ProviderName, metadata?.DefaultModelId));
        Assert.Same(fake, fake.GetService<ScriptedChatClient>());
    }

    [Fact]
    public void Outcome_ToString_DescribesIt()
    {
        Assert.Equal("Chunks(2) then IOException after 00:00:01", ScriptedOutcome.Chunks("a", "b").ThenThrow(new IOException()).After(TimeSpan.FromSeconds(1)).ToString());
        Assert.Equal("Throw(ProviderException)", ScriptedOutcome.Failure(HttpStatusCode.BadGateway).ToString());
    }
}
