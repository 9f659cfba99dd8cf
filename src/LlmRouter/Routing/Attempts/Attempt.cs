using System.Diagnostics;

namespace LlmRouter;

/// <summary>One call of one deployment in flight: what was admitted, when it started, and the timer that may cancel it.</summary>
/// <remarks>A mutable value passed by reference: the engine clears what it gives back (lease, timer, charges) as it does.</remarks>
internal struct Attempt
{
    /// <summary>The deployment's lease, released when the attempt ends.</summary>
    public DeploymentLease Lease;

    /// <summary>
    /// Starts the attempt in place (the value is large: built where it lives rather than copied there) with a candidate that
    /// holds its lease and what its admission took from budgets and rate limits.
    /// </summary>
    public void Begin(in Candidate candidate, AttemptCharges? charges, in RateLimitHold rateLimit, long startedAt, AttemptTimer? timer, CancellationToken token, RouterRequest request, bool streaming)
    {
        Deployment = candidate.Deployment;
        Route = candidate.Route;
        Lease = candidate.Lease;
        Try = candidate.Try;
        StartedAt = startedAt;
        Timer = timer;
        Token = token;
        Asked = request.Asked;
        Requested = request.Requested;
        Streaming = streaming;
        Activity = null;
        Charges = charges;
        RateLimit = rateLimit;
        Charged = false;
    }

    public Deployment Deployment { get; private set; }

    public Route Route { get; private set; }

    /// <summary>Gets whether the call decides the fate of a circuit that was open.</summary>
    public readonly bool Probe => Lease.Probe;

    /// <summary>Gets the attempt's number on this deployment within the request, starting at 1.</summary>
    public int Try { get; private set; }

    public long StartedAt { get; private set; }

    /// <summary>Gets the route the request asked for, whose spend the attempt counts toward.</summary>
    public Route Asked { get; private set; }

    /// <summary>Gets the route that served the request after tiers, variants and downgrades, whose spend the attempt also counts toward.</summary>
    public Route Requested { get; private set; }

    public bool Streaming { get; private set; }

    /// <summary>Gets the timer that cancels the call, or <see langword="null"/> when no timeout applies; cleared when the attempt ends.</summary>
    public AttemptTimer? Timer { get; set; }

    /// <summary>Gets the token the call observes.</summary>
    public CancellationToken Token { get; private set; }

    /// <summary>Gets the attempt's client span, or <see langword="null"/> when nothing traces; cleared when telemetry ends it.</summary>
    public Activity? Activity { get; set; }

    /// <summary>Gets the budget reservations the attempt holds, or <see langword="null"/>; cleared when the attempt is charged.</summary>
    public AttemptCharges? Charges { get; set; }

    /// <summary>Gets what the attempt took from its deployment's rate limit; cleared when the attempt is charged.</summary>
    public RateLimitHold RateLimit { get; set; }

    /// <summary>Gets whether the attempt's cost was recorded; set once, when it ends.</summary>
    public bool Charged { get; set; }
}
