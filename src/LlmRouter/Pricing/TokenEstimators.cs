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
    /// Text is counted per Unicode script, with no tokenizer. A word of Latin letters (split at camelCase humps) costs one token,
    /// plus a third of a token for each letter beyond eight and 0.3 for each accented letter, because current tokenizers hold
    /// common words whole (about 5 characters a token for English prose). Other characters cost, in tokens: a space 0.1, a
    /// newline 1, each further whitespace character in a run 0.3, a digit 0.45, ASCII punctuation 0.35; Cyrillic 0.30, Arabic
    /// 0.31, Indic scripts 0.33, Hebrew 0.37, Greek 0.38, Thai and Georgian 0.5, CJK ideographs 0.72, Hangul 0.75, kana 0.95
    /// (so 1 to 1.4 characters a token for Chinese, Japanese and Korean), typographic punctuation and symbols 0.7, an emoji 1,
    /// and rarer scripts 1.
    /// </para>
    /// <para>
    /// A request adds 3 tokens, each message 4 plus its author name, system instructions 4, each tool 8 plus its name,
    /// description and JSON schema text, a response JSON schema 8 plus its text, each function call 4 plus its name, call id
    /// and arguments (a JSON argument by its raw text, a string by its text, a number, Boolean or null 1, any other object 8),
    /// each function result 4 plus its text or raw JSON, and each image or other media item a fixed 1,000 tokens (providers
    /// charge from about 260 to 1,600 tokens for an image depending on its size and the model).
    /// </para>
    /// <para>
    /// Measured error: on the 33 texts of the test corpus (prose, code, data formats, logs, encodings, numbers, emoji and 19
    /// languages) the estimate is 0.854 of OpenAI's o200k count overall with a mean absolute error of 15.3 %; it under-counts
    /// base64 by 41 %, emoji and Polish by 38 %, numbers by 33 %, CSV by 29 % and logs by 22 %, and over-counts C# by 27 % (the
    /// README's "Cost" section has the table per kind). For exact counts of OpenAI models use the LlmRouter.Tokenizers package. Providers'
    /// tokenizers differ from each other by as much or more (OpenAI's older cl100k counts 20 % to 280 % more for non-English
    /// text; a newer Claude tokenizer counts about 30 % more than the previous one), so treat the figure as an estimate for
    /// ranking and context limits, and keep headroom when a request is close to a window.
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

    /// <summary>The output tokens to expect from <paramref name="deployment"/> for a request with <paramref name="options"/>: its observed average, capped at the request's limit.</summary>
    internal static int ExpectedOutputTokens(ChatOptions? options, Deployment deployment)
    {
        double? observed = deployment.State.Statistics.OutputTokens;
        int? average = observed is { } tokens ? (int)Math.Min(Math.Ceiling(tokens), int.MaxValue) : null;
        return ExpectedOutputTokens(options, average);
    }
}
