namespace LlmRouter;

/// <summary>The built-in <see cref="IComplexityScorer"/>.</summary>
public static class ComplexityScorers
{
    /// <summary>The <see cref="IComplexityScorer.Name"/> of <see cref="Default"/>, the default of <see cref="RouteOptions.ComplexityScorer"/>.</summary>
    public const string Heuristic = "Heuristic";

    /// <summary>
    /// Gets the built-in scorer: a deterministic heuristic over the text of the request, with no model call. Thread-safe and
    /// allocation-free; about 1 ns a character of the last user message.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The last user message (the text of its <c>TextContent</c>s) earns points, capped per feature, summed and capped at 100:
    /// </para>
    /// <list type="bullet">
    /// <item><description>length: 1 point per 50 characters, at most 25;</description></item>
    /// <item><description>code: 20 for a fenced block (<c>```</c>), else 10 for two or more lines that end in <c>;</c>, <c>{</c> or
    /// <c>}</c>; 10 per coding word (code, function, class, implement, refactor, debug, bug, algorithm, compile, regex, sql, api,
    /// script, python, javascript, typescript, java, rust), at most 20;</description></item>
    /// <item><description>math: 10 for math notation (a lower-case LaTeX command of three or more letters such as <c>\frac</c>,
    /// <c>$$</c>, or one of ∑ ∫ √ ∞ ≤ ≥ ≠ ∂); 8 per math word (equation, integral, derivative, matrix, probability, theorem,
    /// lemma, solve, statistics, and words starting with calculat), at most 16;</description></item>
    /// <item><description>reasoning: 20 per reasoning word or phrase (prove, proof, derive, derivation, rigorous, step by step,
    /// reason through, think through), at most 40;</description></item>
    /// <item><description>analysis: 6 per analysis word (words starting with analy or optimi, compare, evaluate, trade-off or
    /// tradeoff(s), design, architecture, critique, justify), at most 18;</description></item>
    /// <item><description>multi-step instructions: 4 per list item (a line starting with <c>1.</c>, <c>2)</c>, <c>-</c> or <c>*</c>
    /// and a space) beyond the first, at most 16; 3 per sequencing word (first, then, next, finally, afterwards), at most 9;</description></item>
    /// <item><description>tools: 5 when the request offers tools, plus 1 per tool beyond the first, at most 10; 5 for a JSON schema
    /// response format;</description></item>
    /// <item><description>conversation depth: 2 per message before the last user message (system messages excepted), at most 10.</description></item>
    /// </list>
    /// <para>
    /// Words match whole words, case-insensitively (hyphens separate words), each word counted once. Tiers:
    /// <see cref="ComplexityTier.Simple"/> below 20, <see cref="ComplexityTier.Medium"/> below 45, <see cref="ComplexityTier.Complex"/>
    /// below 75, <see cref="ComplexityTier.Reasoning"/> from 75. One reasoning word or phrase makes a request at least
    /// <see cref="ComplexityTier.Complex"/>, two make it <see cref="ComplexityTier.Reasoning"/>.
    /// </para>
    /// </remarks>
    public static IComplexityScorer Default => HeuristicComplexityScorer.Instance;
}
