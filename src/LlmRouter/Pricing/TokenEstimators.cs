using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>The built-in <see cref="ITokenEstimator"/> and the expected-output helper that goes with it.</summary>
public static class TokenEstimators
{
    /// <summary>The <see cref="ITokenEstimator.Name"/> of <see cref="Default"/>.</summary>
    public const string CharacterBased = "CharacterBased";

    /// <summary>
    /// The output tokens <see cref="ExpectedOutputTokens(ChatOptions?, int?)"/> assumes when neither a limit nor an observed
    /// average is known: 256, a typical chat answer.
    /// </summary>
    public const int DefaultExpectedOutputTokens = 256;

    /// <summary>
    /// Gets the default estimator: a fast character-based estimate per Unicode script, with no tokenizer. Thread-safe; does not
    /// allocate for lists of messages.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Each character is weighted by its script, in hundredths of a token: ASCII letters 0.25 (about 4 characters a token),
    /// digits 0.34, punctuation 0.40, a space 0.15 and further whitespace in a run 0.06; Cyrillic 0.35, Arabic 0.40,
    /// Greek and Hebrew 0.45, accented Latin, Armenian, Georgian and Thai 0.50, Indic scripts 0.55, kana, Hangul and CJK
    /// punctuation 0.70, CJK ideographs 0.80 (about 1.25 characters a token), other symbols 0.60 to 0.70 and characters outside
    /// the Basic Multilingual Plane (emoji) 1.5 each.
    /// </para>
    /// <para>
    /// A request adds 3 tokens, each message 4 plus its author name, system instructions 4, each tool 8 plus its name,
    /// description and JSON schema text, a response JSON schema 8 plus its text, each function call its name, call id and
    /// arguments (a JSON argument by its raw text, a string by its text, any other value 1 or 8 tokens), each function result
    /// its text or raw JSON, and each image or other media item a fixed 1,000 tokens (providers charge from about 260 to
    /// 1,600 tokens for an image depending on size and model).
    /// </para>
    /// <para>
    /// Expected error: within about ±15 % of OpenAI's o200k tokenizer for English prose and code, and within about ±30 % for
    /// other scripts; providers' tokenizers differ from each other by as much (a newer Claude tokenizer counts about 30 % more
    /// tokens for the same text than the previous one), so treat the figure as an estimate for ranking and limits, not billing.
    /// </para>
    /// </remarks>
    public static ITokenEstimator Default => CharacterTokenEstimator.Instance;

    /// <summary>
    /// Gives the output tokens to expect from a request, for cost estimates: the observed average when there is one (capped at
    /// <see cref="ChatOptions.MaxOutputTokens"/>), else <see cref="ChatOptions.MaxOutputTokens"/> (an upper bound), else
    /// <see cref="DefaultExpectedOutputTokens"/>.
    /// </summary>
    /// <param name="options">The request's options, or <see langword="null"/>.</param>
    /// <param name="observedAverage">The average output tokens observed for this deployment or route, or <see langword="null"/>.</param>
    /// <returns>The expected output tokens, never negative.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="observedAverage"/> is negative.</exception>
    public static int ExpectedOutputTokens(ChatOptions? options, int? observedAverage = null)
    {
        if (observedAverage is { } observed)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(observed, nameof(observedAverage));
        }

        int? limit = options?.MaxOutputTokens is > 0 ? options.MaxOutputTokens : null;
        return (observedAverage, limit) switch
        {
            ({ } average, { } max) => Math.Min(average, max),
            ({ } average, null) => average,
            (null, { } max) => max,
            _ => DefaultExpectedOutputTokens,
        };
    }
}
