using System.Net;
using LlmRouter.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace LlmRouter.Tests.Routing;

public class LlmRouterClientCircuitBreakerTests
{
    private static readonly TimeSpan BreakDuration = TimeSpan.FromSeconds(10);

    private static IChatClient Router(FakeTimeProvider clock, ScriptedChatClient primary, ScriptedChatClient backup, AllCircuitsOpenBehavior whenAllOpen = AllCircuitsOpenBehavior.FailFast) =>
        new LlmRouterBuilder()
            .UseTimeProvider(clock)
            .WithoutRetries()
            .WithoutTimeouts()
            .ConfigureCooldown(c => c.DefaultDuration = TimeSpan.Zero)
            .ConfigureCircuitBreaker(b =>
            {
                b.FailureRatio = 0.5;
                b.MinimumThroughput = 4;
                b.SamplingDuration = TimeSpan.FromSeconds(30);
                b.BreakDuration = BreakDuration;
                b.WhenAllOpen = whenAllOpen;
            })
            .AddDeployment("primary", primary, d => d.Model = "p")
            .AddDeployment("backup", backup, d => d.Model = "b")
            .Build();

    /// <summary>Two successes then two failures on the primary: 4 calls, half failed, so the circuit opens on the fourth.</summary>
    private static async Task OpenPrimaryAsync(IChatClient router, bool streaming)
    {
        for (int i = 0; i < 4; i++)
        {
            await router.CallAsync(streaming);
        }
    }

    private static ScriptedChatClient Primary(FakeTimeProvider clock) => new ScriptedChatClient(timeProvider: clock).Enqueue(
        ScriptedOutcome.Text("ok"),
        ScriptedOutcome.Text("ok"),
        ScriptedOutcome.Failure(HttpStatusCode.InternalServerError),
        ScriptedOutcome.Failure(HttpStatusCode.ServiceUnavailable));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Breaker_FailureRatioReached_OpensAndSkipsTheDeployment(bool streaming)
    {
        var clock = new FakeTimeProvider();
        ScriptedChatClient primary = Primary(clock);
        var backup = new ScriptedChatClient(timeProvider: clock) { DefaultOutcome = ScriptedOutcome.Text("backup") };
        IChatClient router = Router(clock, primary, backup);
        IRouterHealth health = router.GetService<IRouterHealth>()!;

        await router.CallAsync(streaming);
        await router.CallAsync(streaming);
        await router.CallAsync(streaming);
        Assert.Equal(CircuitState.Closed, health.GetDeployment("primary").Circuit);
        await router.CallAsync(streaming);

        DeploymentHealth opened = health.GetDeployment("primary");
        Assert.Equal(CircuitState.Open, opened.Circuit);
        Assert.Equal((4, 2), (opened.SampledCalls, opened.SampledFailures));
        Assert.Equal(clock.GetUtcNow(), opened.CircuitOpenedAt);
        Assert.Equal(clock.GetUtcNow() + BreakDuration, opened.CircuitOpenUntil);
        Assert.False(opened.IsAvailable);

        ChatResponse skipped = await router.CallAsync(streaming);
        Assert.Equal("backup", skipped.Property(LlmRouterProperties.Deployment));
        Assert.Equal(1, skipped.Property(LlmRouterProperties.Attempts));
        Assert.Equal(4, primary.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Breaker_BreakEnds_OneProbeThroughWhileOthersSkipThenSuccessCloses(bool streaming)
    {
        var clock = new TimerTrackingFakeTimeProvider();
        ScriptedChatClient primary = Primary(clock).Enqueue(ScriptedOutcome.Text("probe ok").After(TimeSpan.FromSeconds(1)), ScriptedOutcome.Text("closed again"));
        var backup = new ScriptedChatClient(timeProvider: clock) { DefaultOutcome = ScriptedOutcome.Text("backup") };
        IChatClient router = Router(clock, primary, backup);
        IRouterHealth health = router.GetService<IRouterHealth>()!;
        await OpenPrimaryAsync(router, streaming);

        clock.Advance(BreakDuration);
        Task<ChatResponse> probe = router.CallAsync(streaming);
        await primary.WaitForCallsAsync(5);
        Assert.Equal(CircuitState.HalfOpen, health.GetDeployment("primary").Circuit);

        ChatResponse duringProbe = await router.CallAsync(streaming);
        Assert.Equal("backup", duringProbe.Property(LlmRouterProperties.Deployment));
        Assert.Equal(5, primary.CallCount);

        await clock.WaitForTimersAsync(1);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("probe ok", (await probe).Text);
        Assert.Equal(CircuitState.Closed, health.GetDeployment("primary").Circuit);
        Assert.Equal("closed again", (await router.CallAsync(streaming)).Text);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Breaker_ProbeFails_ReopensForAnotherBreak(bool streaming)
    {
        var clock = new FakeTimeProvider();
        ScriptedChatClient primary = Primary(clock).Enqueue(ScriptedOutcome.Failure(HttpStatusCode.BadGateway));
        var backup = new ScriptedChatClient(timeProvider: clock) { DefaultOutcome = ScriptedOutcome.Text("backup") };
        IChatClient router = Router(clock, primary, backup);
        IRouterHealth health = router.GetService<IRouterHealth>()!;
        await OpenPrimaryAsync(router, streaming);
        clock.Advance(BreakDuration);

        ChatResponse response = await router.CallAsync(streaming);

        Assert.Equal("backup", response.Text);
        Assert.Equal(5, primary.CallCount);
        DeploymentHealth reopened = health.GetDeployment("primary");
        Assert.Equal(CircuitState.Open, reopened.Circuit);
        Assert.Equal(clock.GetUtcNow() + BreakDuration, reopened.CircuitOpenUntil);
        await router.CallAsync(streaming);
        Assert.Equal(5, primary.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Breaker_CallerCancellationsAndBadRequests_AreNotCounted(bool streaming)
    {
        var clock = new FakeTimeProvider();
        var primary = new ScriptedChatClient(timeProvider: clock);
        var backup = new ScriptedChatClient(timeProvider: clock);
        IChatClient router = Router(clock, primary, backup);
        IRouterHealth health = router.GetService<IRouterHealth>()!;

        for (int i = 0; i < 5; i++)
        {
            primary.Enqueue(ScriptedOutcome.Stall());
            using var cancellation = new CancellationTokenSource();
            Task<ChatResponse> call = router.CallAsync(streaming, cancellationToken: cancellation.Token);
            await primary.WaitForCallsAsync(i + 1);
            await cancellation.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        }

        for (int i = 0; i < 5; i++)
        {
            primary.Enqueue(ScriptedOutcome.Failure(HttpStatusCode.BadRequest));
            await Assert.ThrowsAsync<LlmRouterException>(() => router.CallAsync(streaming));
        }

        DeploymentHealth state = health.GetDeployment("primary");
        Assert.Equal((CircuitState.Closed, 0, 0), (state.Circuit, state.SampledCalls, state.SampledFailures));
        Assert.Equal(0, backup.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SharedBreaker_BreakOverWhileTheProbeIsAnotherInstances_FailsFastSayingSo(bool streaming)
    {
        var clock = new FakeTimeProvider();
        var primary = new ScriptedChatClient(timeProvider: clock) { DefaultOutcome = ScriptedOutcome.Failure(HttpStatusCode.InternalServerError) };
        IChatClient router = new LlmRouterBuilder()
            .UseTimeProvider(clock)
            .WithoutRetries()
            .WithoutTimeouts()
            .UseSharedCircuits(new ClaimsNeverAnswered())
            .ConfigureCooldown(c => c.DefaultDuration = TimeSpan.Zero)
            .ConfigureCircuitBreaker(b =>
            {
                b.FailureRatio = 0.5;
                b.MinimumThroughput = 4;
                b.SamplingDuration = TimeSpan.FromSeconds(30);
                b.BreakDuration = BreakDuration;
                b.WhenAllOpen = AllCircuitsOpenBehavior.FailFast;
            })
            .AddDeployment("primary", primary, d => d.Model = "p")
            .Build();
        for (int i = 0; i < 4; i++)
        {
            await Assert.ThrowsAsync<LlmRouterException>(() => router.CallAsync(streaming));
        }

        clock.Advance(BreakDuration);
        LlmRouterException exception = await Assert.ThrowsAsync<LlmRouterException>(() => router.CallAsync(streaming));

        Assert.Empty(exception.Attempts);
        Assert.Contains("primary (circuit open until a probe succeeds, the probe another instance's or not yet granted (shared circuit))", exception.Message, StringComparison.Ordinal);
        Assert.Equal(4, primary.CallCount);
    }

    /// <summary>Shared circuits whose claims are never answered, as while the store is asked and another instance probes.</summary>
    private sealed class ClaimsNeverAnswered : ISharedCircuits
    {
        public void PublishOpened(string deployment, TimeSpan breakDuration)
        {
        }

        public void PublishClosed(string deployment)
        {
        }

        public ValueTask<ProbeClaim> ClaimProbeAsync(string deployment, TimeSpan lease) => new(new TaskCompletionSource<ProbeClaim>().Task);

        public void ReleaseProbe(string deployment)
        {
        }

        public IDisposable Subscribe(Action<string, TimeSpan> opened, Action<string> closed) => new CancellationTokenSource();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Breaker_EveryCircuitOpen_FailsFastSayingWhy(bool streaming)
    {
        var clock = new FakeTimeProvider();
        var primary = new ScriptedChatClient(timeProvider: clock) { DefaultOutcome = ScriptedOutcome.Failure(HttpStatusCode.InternalServerError) };
        var backup = new ScriptedChatClient(timeProvider: clock) { DefaultOutcome = ScriptedOutcome.Failure(HttpStatusCode.InternalServerError) };
        IChatClient router = Router(clock, primary, backup);
        for (int i = 0; i < 4; i++)
        {
            await Assert.ThrowsAsync<LlmRouterException>(() => router.CallAsync(streaming));
        }

        clock.Advance(TimeSpan.FromSeconds(3));
        LlmRouterException exception = await Assert.ThrowsAsync<LlmRouterException>(() => router.CallAsync(streaming));

        Assert.Empty(exception.Attempts);
        Assert.Contains("no deployment could be tried", exception.Message, StringComparison.Ordinal);
        Assert.Contains("primary (circuit open for another 7 s)", exception.Message, StringComparison.Ordinal);
        Assert.Contains("backup (circuit open for another 7 s)", exception.Message, StringComparison.Ordinal);
        Assert.Equal(4, primary.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Breaker_EveryCircuitOpenAndTryEarliestOpened_CallsTheFirstToOpenAsAProbe(bool streaming)
    {
        var clock = new FakeTimeProvider();
        var primary = new ScriptedChatClient(timeProvider: clock);
        var backup = new ScriptedChatClient(timeProvider: clock);
        IChatClient router = Router(clock, primary, backup, AllCircuitsOpenBehavior.TryEarliestOpened);
        IRouterHealth health = router.GetService<IRouterHealth>()!;

        // The primary's circuit opens at t=0 (backup answering), the backup's at t=1 s.
        for (int i = 0; i < 4; i++)
        {
            primary.Enqueue(ScriptedOutcome.Failure(HttpStatusCode.InternalServerError));
            backup.Enqueue(ScriptedOutcome.Text("backup"));
            await router.CallAsync(streaming);
        }

        clock.Advance(TimeSpan.FromSeconds(1));
        for (int i = 0; i < 4; i++)
        {
            backup.Enqueue(ScriptedOutcome.Failure(HttpStatusCode.InternalServerError));
            await Assert.ThrowsAsync<LlmRouterException>(() => router.CallAsync(streaming));
        }

        Assert.All(health.GetDeployments(), d => Assert.Equal(CircuitState.Open, d.Circuit));
        Assert.True(health.GetDeployment("primary").CircuitOpenedAt < health.GetDeployment("backup").CircuitOpenedAt);
        primary.Enqueue(ScriptedOutcome.Text("recovered"));

        ChatResponse response = await router.CallAsync(streaming);

        Assert.Equal("recovered", response.Text);
        Assert.Equal("primary", response.Property(LlmRouterProperties.Deployment));
        Assert.Equal(CircuitState.Closed, health.GetDeployment("primary").Circuit);
        Assert.Equal(CircuitState.Open, health.GetDeployment("backup").Circuit);
    }
}
