namespace LlmRouter;

/// <summary>How demanding a request is, from a quick question to a proof: the tiers a tiered route (<see cref="RouteOptions.Tiers"/>) maps to routes.</summary>
public enum ComplexityTier
{
    /// <summary>A short, direct question or instruction: a small, fast model does.</summary>
    Simple = 0,

    /// <summary>Some length, a little code or a few steps.</summary>
    Medium = 1,

    /// <summary>Long inputs, real code, several instructions, tools or a long conversation.</summary>
    Complex = 2,

    /// <summary>Proofs, derivations, step-by-step analysis: worth a reasoning model.</summary>
    Reasoning = 3,
}
