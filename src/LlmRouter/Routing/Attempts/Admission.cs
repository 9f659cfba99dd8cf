namespace LlmRouter;

/// <summary>
/// The outcome of the admission sequence (<see cref="AttemptEngine.AdmitAsync"/>): a candidate that holds its lease, with the
/// budget reservations its attempt holds; <see langword="default"/> when no candidate is left to start.
/// </summary>
/// <remarks>Fields rather than properties, so an attempt is built from them in place instead of from copies.</remarks>
internal readonly struct Admission
{
    /// <summary>The admitted candidate.</summary>
    public readonly Candidate Candidate;

    /// <summary>The budget reservations to settle when the attempt ends, or <see langword="null"/>.</summary>
    public readonly AttemptCharges? Charges;

    /// <summary>What the attempt took from its deployment's rate limit, to settle when it ends.</summary>
    public readonly RateLimitHold RateLimit;

    public Admission(in Candidate candidate, AttemptCharges? charges, RateLimitHold rateLimit = default)
    {
        Candidate = candidate;
        Charges = charges;
        RateLimit = rateLimit;
    }

    /// <summary>The same admission, holding <paramref name="rateLimit"/> from its deployment's rate limit.</summary>
    public Admission WithRateLimit(RateLimitHold rateLimit) => new(Candidate, Charges, rateLimit);

    /// <summary>Gets whether a candidate was admitted.</summary>
    public bool Admitted => Candidate.Deployment is not null;
}
