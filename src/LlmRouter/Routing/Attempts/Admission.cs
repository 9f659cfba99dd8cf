namespace LlmRouter;

/// <summary>
/// The outcome of the admission sequence (<see cref="AttemptEngine.AdmitAsync"/>): a candidate that holds its lease, with the
/// budget reservations its attempt holds; <see langword="default"/> when no candidate is left to start.
/// </summary>
/// <param name="Candidate">The admitted candidate.</param>
/// <param name="Charges">The budget reservations to settle when the attempt ends, or <see langword="null"/>.</param>
/// <param name="RateLimit">What the attempt took from its deployment's rate limit, to settle when it ends.</param>
internal readonly record struct Admission(Candidate Candidate, AttemptCharges? Charges, RateLimitHold RateLimit = default)
{
    /// <summary>Gets whether a candidate was admitted.</summary>
    public bool Admitted => Candidate.Deployment is not null;
}
