using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace LlmRouter.Tests.Routing;

/// <summary>The health snapshot on its own, over a model host and a manual clock.</summary>
public class RouterHealthTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _clock = new(Start);

    private long Now => _clock.GetTimestamp();

    private LlmRouterBuilder Builder() => new LlmRouterBuilder().UseTimeProvider(_clock).ConfigureCircuitBreaker(c =>
    {
        c.MinimumThroughput = 4;
        c.FailureRatio = 0.5;
        c.SamplingDuration = TimeSpan.FromSeconds(30);
        c.BreakDuration = TimeSpan.FromSeconds(15);
    });

    private RouterHealth Health(RouterModel model, bool reloadable = false) => new(new RouterModelHost(model, reloadable, NullLogger.Instance), _clock);

    [Fact]
    public void GetDeployments_FreshDeployments_AvailableInTheOrderAdded()
    {
        RouterModel model = Builder().AddUnit("b", provider: "acme").AddUnit("a", d => d.MaxConcurrentRequests = 3).Model();

        IReadOnlyList<DeploymentHealth> snapshot = Health(model).GetDeployments();

        Assert.Equal(
            [
                new DeploymentHealth { Name = "b", Provider = "acme", Model = "b-model", Circuit = CircuitState.Closed, IsAvailable = true },
                new DeploymentHealth { Name = "a", Provider = "scripted", Model = "a-model", Circuit = CircuitState.Closed, MaxConcurrentRequests = 3, IsAvailable = true },
            ],
            snapshot);
    }

    [Fact]
    public void GetDeployment_CallsInFlightBelowTheLimit_ReportsThemAndStaysAvailable()
    {
        RouterModel model = Builder().AddUnit("a", d => d.MaxConcurrentRequests = 3).Model();
        Deployment a = model.Deployment("a");
        Assert.True(a.State.Gate.TryEnter());
        Assert.True(a.State.Gate.TryEnter());

        DeploymentHealth health = Health(model).GetDeployment("A");

        Assert.Equal(("a", 2, 3, true, null), (health.Name, health.InFlight, health.MaxConcurrentRequests, health.IsAvailable, health.UnavailableReason));
    }

    [Fact]
    public void GetDeployment_SampledCalls_CountsCallsAndFailuresOfTheWindowOnly()
    {
        RouterModel model = Builder().AddUnit("a").Model();
        CircuitBreaker breaker = model.Deployment("a").State.Breaker!;
        RouterHealth health = Health(model);
        breaker.OnSuccess(Now, probe: false);
        breaker.OnSuccess(Now, probe: false);
        breaker.OnFailure(Now, probe: false);

        DeploymentHealth sampled = health.GetDeployment("a");
        _clock.Advance(TimeSpan.FromSeconds(31));
        DeploymentHealth later = health.GetDeployment("a");

        Assert.Equal((3, 1, CircuitState.Closed, true), (sampled.SampledCalls, sampled.SampledFailures, sampled.Circuit, sampled.IsAvailable));
        Assert.Equal((0, 0), (later.SampledCalls, later.SampledFailures));
    }

    [Fact]
    public void GetDeployment_CircuitOpen_ReportsWhenItOpenedAndUntilWhenInUtc()
    {
        RouterModel model = Builder().AddUnit("a").Model();
        CircuitBreaker breaker = model.Deployment("a").State.Breaker!;
        RouterHealth health = Health(model);
        _clock.Advance(TimeSpan.FromSeconds(3));
        for (int i = 0; i < 4; i++)
        {
            breaker.OnFailure(Now, probe: false);
        }

        _clock.Advance(TimeSpan.FromSeconds(5));
        DeploymentHealth open = health.GetDeployment("a");

        Assert.Equal(
            new DeploymentHealth
            {
                Name = "a",
                Provider = "scripted",
                Model = "a-model",
                Circuit = CircuitState.Open,
                CircuitOpenedAt = Start.AddSeconds(3),
                CircuitOpenUntil = Start.AddSeconds(18),
                SampledCalls = 4,
                SampledFailures = 4,
                IsAvailable = false,
                UnavailableReason = "circuit open",
            },
            open);
        Assert.Equal(TimeSpan.Zero, open.CircuitOpenedAt!.Value.Offset);
    }

    [Fact]
    public void GetDeployment_BreakOverBeforeAnyProbe_AvailableWithTheCircuitStillOpen()
    {
        RouterModel model = Builder().AddUnit("a").Model();
        CircuitBreaker breaker = model.Deployment("a").State.Breaker!;
        for (int i = 0; i < 4; i++)
        {
            breaker.OnFailure(Now, probe: false);
        }

        _clock.Advance(TimeSpan.FromSeconds(15));
        DeploymentHealth health = Health(model).GetDeployment("a");

        Assert.Equal((CircuitState.Open, true, null), (health.Circuit, health.IsAvailable, health.UnavailableReason));
    }

    [Fact]
    public void GetDeployment_ProbeInFlight_HalfOpenWithNoOpenUntilButWhenItOpened()
    {
        RouterModel model = Builder().AddUnit("a").Model();
        CircuitBreaker breaker = model.Deployment("a").State.Breaker!;
        for (int i = 0; i < 4; i++)
        {
            breaker.OnFailure(Now, probe: false);
        }

        _clock.Advance(TimeSpan.FromSeconds(20));
        Assert.True(breaker.TryAcquire(Now, out bool probe) && probe);
        DeploymentHealth health = Health(model).GetDeployment("a");

        Assert.Equal(
            (CircuitState.HalfOpen, Start, null, false, "circuit half-open, a probe call is in flight"),
            (health.Circuit, health.CircuitOpenedAt, health.CircuitOpenUntil, health.IsAvailable, health.UnavailableReason));
    }

    [Fact]
    public void GetDeployment_CoolingDown_ReportsUntilWhenInUtc()
    {
        RouterModel model = Builder().AddUnit("a").Model();
        model.Deployment("a").State.ExtendCooldown(Now + _clock.Ticks(TimeSpan.FromSeconds(30)));
        RouterHealth health = Health(model);

        DeploymentHealth cooling = health.GetDeployment("a");
        _clock.Advance(TimeSpan.FromSeconds(30));
        DeploymentHealth cooled = health.GetDeployment("a");

        Assert.Equal((Start.AddSeconds(30), false, "cooling down after a rate limit"), (cooling.CooldownUntil, cooling.IsAvailable, cooling.UnavailableReason));
        Assert.Equal((null, true, null), (cooled.CooldownUntil, cooled.IsAvailable, cooled.UnavailableReason));
    }

    [Fact]
    public void GetDeployment_SeveralReasons_ReportsThemInPriorityOrder()
    {
        RouterModel model = Builder().AddUnit("a", d => d.MaxConcurrentRequests = 1).Model();
        Deployment a = model.Deployment("a");
        CircuitBreaker breaker = a.State.Breaker!;
        RouterHealth health = Health(model);
        Assert.True(a.State.Gate.TryEnter());
        for (int i = 0; i < 4; i++)
        {
            breaker.OnFailure(Now, probe: false);
        }

        a.State.ExtendCooldown(Now + _clock.Ticks(TimeSpan.FromSeconds(10)));
        var reasons = new List<string?> { health.GetDeployment("a").UnavailableReason };
        _clock.Advance(TimeSpan.FromSeconds(10));
        reasons.Add(health.GetDeployment("a").UnavailableReason);
        _clock.Advance(TimeSpan.FromSeconds(5));
        Assert.True(breaker.TryAcquire(Now, out bool probe) && probe);
        reasons.Add(health.GetDeployment("a").UnavailableReason);
        Assert.True(breaker.OnSuccess(Now, probe));
        reasons.Add(health.GetDeployment("a").UnavailableReason);
        a.State.Gate.Exit();
        reasons.Add(health.GetDeployment("a").UnavailableReason);

        Assert.Equal(
            ["cooling down after a rate limit", "circuit open", "circuit half-open, a probe call is in flight", "all concurrent slots busy", null],
            reasons);
    }

    [Fact]
    public void GetDeployment_UnknownName_ThrowsListingTheNames()
    {
        RouterModel model = Builder().AddUnits("a", "b", "c").Model();

        ArgumentException exception = Assert.Throws<ArgumentException>(() => Health(model).GetDeployment("z"));

        Assert.Equal("name", exception.ParamName);
        Assert.StartsWith("No deployment is named 'z'. Deployments: a, b, c.", exception.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentNullException>(() => Health(model).GetDeployment(null!));
    }

    [Fact]
    public void GetDeployments_AfterASwap_ReadsTheCurrentModel()
    {
        RouterModel first = Builder().AddUnits("a", "old").Model();
        var host = new RouterModelHost(first, reloadable: true, NullLogger.Instance);
        var health = new RouterHealth(host, _clock);
        first.Deployment("a").State.ExtendCooldown(Now + _clock.Ticks(TimeSpan.FromSeconds(30)));

        RouterModel second = Builder().AddUnits("new", "a").BuildModel(first);
        host.Swap(second);

        Assert.Equal(["new", "a"], health.GetDeployments().Select(d => d.Name));
        Assert.Equal("cooling down after a rate limit", health.GetDeployment("a").UnavailableReason);
        ArgumentException exception = Assert.Throws<ArgumentException>(() => health.GetDeployment("old"));
        Assert.StartsWith("No deployment is named 'old'. Deployments: new, a.", exception.Message, StringComparison.Ordinal);
    }
}
