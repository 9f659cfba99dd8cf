using LlmRouter.Testing;
using Microsoft.Extensions.Time.Testing;

namespace LlmRouter.Tests.Resilience.Concurrency;

public class DeploymentLeaseTests
{
    private static readonly TimeSpan Break = TimeSpan.FromSeconds(10);

    /// <summary>A router with one deployment 'a' whose circuit opens on its first failure and stays open for <see cref="Break"/>.</summary>
    private static LlmRouterClient Router(FakeTimeProvider clock, int? limit = 1, TimeSpan queueTimeout = default, bool breakers = true) =>
        new LlmRouterBuilder()
            .UseTimeProvider(clock)
            .ConfigureCircuitBreaker(b =>
            {
                b.Enabled = breakers;
                b.MinimumThroughput = 1;
                b.BreakDuration = Break;
            })
            .AddDeployment("a", ResilienceUnits.Client(), d =>
            {
                d.MaxConcurrentRequests = limit;
                d.QueueTimeout = queueTimeout;
            })
            .BuildClient(reloadable: false);

    private static Deployment A(LlmRouterClient router) => router.Model.FindDeployment("a")!;

    private static void OpenCircuit(Deployment deployment, long now) => Assert.True(deployment.State.Breaker!.OnFailure(now, probe: false));

    [Fact]
    public void TryTake_FreeDeployment_AdmitsAndTakesASlot()
    {
        var clock = new FakeTimeProvider();
        using LlmRouterClient router = Router(clock);
        Deployment a = A(router);

        LeaseRefusal refusal = DeploymentLease.TryTake(a, clock.GetTimestamp(), out DeploymentLease lease);

        Assert.Equal(LeaseRefusal.None, refusal);
        Assert.True(lease.IsHeld);
        Assert.False(lease.Probe);
        Assert.Equal(1, a.InFlight);
    }

    [Fact]
    public void TryTake_CoolingDown_RefusesAndTakesNothing()
    {
        var clock = new FakeTimeProvider();
        using LlmRouterClient router = Router(clock);
        Deployment a = A(router);
        long now = clock.GetTimestamp();
        a.State.ExtendCooldown(now + TimeSpan.TicksPerSecond);

        LeaseRefusal refusal = DeploymentLease.TryTake(a, now, out DeploymentLease lease);

        Assert.Equal(LeaseRefusal.CoolingDown, refusal);
        Assert.False(lease.IsHeld);
        Assert.Equal(0, a.InFlight);
    }

    [Fact]
    public void TryTake_CooldownEnded_Admits()
    {
        var clock = new FakeTimeProvider();
        using LlmRouterClient router = Router(clock);
        Deployment a = A(router);
        long until = clock.GetTimestamp() + TimeSpan.TicksPerSecond;
        a.State.ExtendCooldown(until);

        Assert.Equal(LeaseRefusal.CoolingDown, DeploymentLease.TryTake(a, until - 1, out _));
        Assert.Equal(LeaseRefusal.None, DeploymentLease.TryTake(a, until, out DeploymentLease lease));
        Assert.True(lease.IsHeld);
    }

    [Fact]
    public void TryTake_Saturated_RefusesAndTakesNothing()
    {
        var clock = new FakeTimeProvider();
        using LlmRouterClient router = Router(clock, limit: 1);
        Deployment a = A(router);
        Assert.Equal(LeaseRefusal.None, DeploymentLease.TryTake(a, clock.GetTimestamp(), out _));

        LeaseRefusal refusal = DeploymentLease.TryTake(a, clock.GetTimestamp(), out DeploymentLease second);

        Assert.Equal(LeaseRefusal.Saturated, refusal);
        Assert.False(second.IsHeld);
        Assert.Equal(1, a.InFlight);
    }

    [Fact]
    public void TryTake_CircuitOpen_RefusesAndGivesTheSlotBack()
    {
        var clock = new FakeTimeProvider();
        using LlmRouterClient router = Router(clock);
        Deployment a = A(router);
        OpenCircuit(a, clock.GetTimestamp());

        LeaseRefusal refusal = DeploymentLease.TryTake(a, clock.GetTimestamp(), out DeploymentLease lease);

        Assert.Equal(LeaseRefusal.CircuitOpen, refusal);
        Assert.False(lease.IsHeld);
        Assert.Equal(0, a.InFlight);
    }

    [Fact]
    public void TryTake_BreakOfAnOpenCircuitEnded_AdmitsOneProbe()
    {
        var clock = new FakeTimeProvider();
        using LlmRouterClient router = Router(clock, limit: null);
        Deployment a = A(router);
        OpenCircuit(a, clock.GetTimestamp());
        clock.Advance(Break);

        LeaseRefusal first = DeploymentLease.TryTake(a, clock.GetTimestamp(), out DeploymentLease probe);
        LeaseRefusal second = DeploymentLease.TryTake(a, clock.GetTimestamp(), out DeploymentLease other);

        Assert.Equal((LeaseRefusal.None, true), (first, probe.Probe));
        Assert.Equal(CircuitState.HalfOpen, a.State.Breaker!.State);
        Assert.Equal(LeaseRefusal.CircuitOpen, second);
        Assert.False(other.IsHeld);
        Assert.Equal(1, a.InFlight);
    }

    [Fact]
    public void TryTake_BreakersDisabled_AdmitsWithoutAProbe()
    {
        var clock = new FakeTimeProvider();
        using LlmRouterClient router = Router(clock, breakers: false);
        Deployment a = A(router);

        Assert.Equal(LeaseRefusal.None, DeploymentLease.TryTake(a, clock.GetTimestamp(), out DeploymentLease lease));
        Assert.False(lease.Probe);
        Assert.Null(a.State.Breaker);
    }

    [Fact]
    public void Release_CalledTwice_GivesTheSlotBackOnce()
    {
        var clock = new FakeTimeProvider();
        using LlmRouterClient router = Router(clock, limit: 2);
        Deployment a = A(router);
        DeploymentLease.TryTake(a, clock.GetTimestamp(), out DeploymentLease first);
        DeploymentLease.TryTake(a, clock.GetTimestamp(), out DeploymentLease second);

        first.Release();
        first.Release();

        Assert.False(first.IsHeld);
        Assert.True(second.IsHeld);
        Assert.Equal(1, a.InFlight);
        second.Release();
        Assert.Equal(0, a.InFlight);
    }

    [Fact]
    public void Release_Probe_LeavesTheCircuitToTheOutcomeRecordedForIt()
    {
        var clock = new FakeTimeProvider();
        using LlmRouterClient router = Router(clock);
        Deployment a = A(router);
        OpenCircuit(a, clock.GetTimestamp());
        clock.Advance(Break);
        DeploymentLease.TryTake(a, clock.GetTimestamp(), out DeploymentLease probe);

        probe.Release();

        Assert.Equal(0, a.InFlight);
        Assert.Equal(CircuitState.HalfOpen, a.State.Breaker!.State);
        Assert.Equal(LeaseRefusal.CircuitOpen, DeploymentLease.TryTake(a, clock.GetTimestamp(), out _));
    }

    [Fact]
    public void Release_DefaultLease_DoesNothing()
    {
        var clock = new FakeTimeProvider();
        using LlmRouterClient router = Router(clock);
        Deployment a = A(router);
        DeploymentLease.TryTake(a, clock.GetTimestamp(), out DeploymentLease held);
        DeploymentLease refused = default;

        refused.Release();
        refused.Abandon();

        Assert.True(held.IsHeld);
        Assert.Equal(1, a.InFlight);
    }

    [Fact]
    public void Abandon_Probe_GivesTheSlotAndTheProbeTurnBack()
    {
        var clock = new FakeTimeProvider();
        using LlmRouterClient router = Router(clock);
        Deployment a = A(router);
        OpenCircuit(a, clock.GetTimestamp());
        clock.Advance(Break);
        DeploymentLease.TryTake(a, clock.GetTimestamp(), out DeploymentLease probe);
        Assert.True(probe.Probe);

        probe.Abandon();

        Assert.False(probe.IsHeld);
        Assert.Equal(0, a.InFlight);
        Assert.Equal(CircuitState.Open, a.State.Breaker!.State);
        Assert.Equal(LeaseRefusal.None, DeploymentLease.TryTake(a, clock.GetTimestamp(), out DeploymentLease again));
        Assert.True(again.Probe);
    }

    [Fact]
    public void Abandon_CalledTwice_GivesTheSlotBackOnce()
    {
        var clock = new FakeTimeProvider();
        using LlmRouterClient router = Router(clock, limit: 2);
        Deployment a = A(router);
        DeploymentLease.TryTake(a, clock.GetTimestamp(), out DeploymentLease first);
        DeploymentLease.TryTake(a, clock.GetTimestamp(), out _);

        first.Abandon();
        first.Abandon();
        first.Release();

        Assert.Equal(1, a.InFlight);
        Assert.Equal(CircuitState.Closed, a.State.Breaker!.State);
    }

    [Fact]
    public void Abandon_NotAProbe_LeavesAClosedCircuitClosed()
    {
        var clock = new FakeTimeProvider();
        using LlmRouterClient router = Router(clock);
        Deployment a = A(router);
        DeploymentLease.TryTake(a, clock.GetTimestamp(), out DeploymentLease lease);

        lease.Abandon();

        Assert.Equal(0, a.InFlight);
        Assert.Equal(CircuitState.Closed, a.State.Breaker!.State);
        Assert.Equal((0, 0), a.State.Breaker.Sample(clock.GetTimestamp()));
    }

    [Fact]
    public async Task TryComplete_AfterWaitingForASlot_AdmitsWithTheSlotTheWaitTook()
    {
        var clock = new TimerTrackingFakeTimeProvider();
        using LlmRouterClient router = Router(clock, limit: 1, queueTimeout: TimeSpan.FromSeconds(5));
        Deployment a = A(router);
        DeploymentLease.TryTake(a, clock.GetTimestamp(), out DeploymentLease busy);
        Assert.Equal(LeaseRefusal.Saturated, DeploymentLease.TryTake(a, clock.GetTimestamp(), out _));
        Task<bool> waiting = a.State.Gate.WaitAsync(a.QueueTimeout, clock, CancellationToken.None).AsTask();
        await clock.WaitForTimersAsync(1);
        busy.Release();
        Assert.True(await waiting);

        LeaseRefusal refusal = DeploymentLease.TryComplete(a, clock.GetTimestamp(), out DeploymentLease lease);

        Assert.Equal(LeaseRefusal.None, refusal);
        Assert.True(lease.IsHeld);
        Assert.Equal(1, a.InFlight);
        lease.Release();
        Assert.Equal(0, a.InFlight);
    }

    [Fact]
    public void TryComplete_CircuitOpenedWhileWaiting_GivesTheSlotTheWaitTookBack()
    {
        var clock = new FakeTimeProvider();
        using LlmRouterClient router = Router(clock);
        Deployment a = A(router);
        Assert.True(a.State.Gate.TryEnter());
        OpenCircuit(a, clock.GetTimestamp());

        LeaseRefusal refusal = DeploymentLease.TryComplete(a, clock.GetTimestamp(), out DeploymentLease lease);

        Assert.Equal(LeaseRefusal.CircuitOpen, refusal);
        Assert.False(lease.IsHeld);
        Assert.Equal(0, a.InFlight);
    }

    [Fact]
    public void TryForce_OpenCircuit_AdmitsAsAProbe()
    {
        var clock = new FakeTimeProvider();
        using LlmRouterClient router = Router(clock);
        Deployment a = A(router);
        OpenCircuit(a, clock.GetTimestamp());
        Assert.Equal(LeaseRefusal.CircuitOpen, DeploymentLease.TryTake(a, clock.GetTimestamp(), out _));

        bool admitted = DeploymentLease.TryForce(a, out DeploymentLease lease);

        Assert.True(admitted);
        Assert.True(lease.IsHeld);
        Assert.True(lease.Probe);
        Assert.Equal(1, a.InFlight);

        // As a probe, its success closes the circuit.
        Assert.True(a.State.Breaker!.OnSuccess(clock.GetTimestamp(), lease.Probe));
        Assert.Equal(CircuitState.Closed, a.State.Breaker.State);
    }

    [Fact]
    public void TryForce_Saturated_RefusesAndTakesNothing()
    {
        var clock = new FakeTimeProvider();
        using LlmRouterClient router = Router(clock, limit: 1);
        Deployment a = A(router);
        DeploymentLease.TryTake(a, clock.GetTimestamp(), out _);
        OpenCircuit(a, clock.GetTimestamp());

        bool admitted = DeploymentLease.TryForce(a, out DeploymentLease lease);

        Assert.False(admitted);
        Assert.False(lease.IsHeld);
        Assert.Equal(1, a.InFlight);
    }

    [Fact]
    public void Abandon_ForcedTryDuringTheBreak_KeepsTheCircuitOpenUntilTheBreakEnds()
    {
        var clock = new FakeTimeProvider();
        using LlmRouterClient router = Router(clock);
        Deployment a = A(router);
        OpenCircuit(a, clock.GetTimestamp());
        long openUntil = a.State.Breaker!.OpenUntil;
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(DeploymentLease.TryForce(a, out DeploymentLease forced));

        // Not called after all (a budget passed it over): nothing was learnt about the deployment.
        forced.Abandon();

        Assert.Equal(0, a.InFlight);
        Assert.Equal(openUntil, a.State.Breaker.OpenUntil);
        Assert.Equal(LeaseRefusal.CircuitOpen, DeploymentLease.TryTake(a, clock.GetTimestamp(), out _));
    }

    [Fact]
    public void Abandon_ForcedTryAfterAnotherForcedTryClosedTheCircuit_LeavesTheCircuitClosed()
    {
        var clock = new FakeTimeProvider();
        using LlmRouterClient router = Router(clock, limit: null);
        Deployment a = A(router);
        OpenCircuit(a, clock.GetTimestamp());
        Assert.True(DeploymentLease.TryForce(a, out DeploymentLease first));
        Assert.True(DeploymentLease.TryForce(a, out DeploymentLease second));
        router.Model.Failures.OnSuccess(a, first.Probe, clock.GetTimestamp());
        first.Release();
        Assert.Equal(CircuitState.Closed, a.State.Breaker!.State);

        second.Abandon();

        Assert.Equal(CircuitState.Closed, a.State.Breaker.State);
        Assert.Equal(LeaseRefusal.None, DeploymentLease.TryTake(a, clock.GetTimestamp(), out DeploymentLease next));
        Assert.False(next.Probe);
    }
}
