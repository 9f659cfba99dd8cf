namespace LlmRouter;

/// <summary>What an <see cref="IComplexityScorer"/> made of a request: a score and the tier it falls in.</summary>
/// <param name="Score">The score, 0 (trivial) to 100 (hardest).</param>
/// <param name="Tier">The tier the request goes to.</param>
public readonly record struct ComplexityScore(int Score, ComplexityTier Tier);
