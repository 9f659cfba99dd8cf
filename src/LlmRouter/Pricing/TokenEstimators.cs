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
    /// allocate for lists of messages, except once per tool instance: a tool's definition is counted the first time the tool is
    /// seen and the count kept for as long as the tool lives and says the same name, description and schema.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Text is counted the way OpenAI's o200k tokenizer splits it before it merges, with no tokenizer; in tokens: a word of Latin
    /// letters (split at camelCase humps) 1, because current tokenizers hold common words whole (about 5 characters a token
    /// for English prose), plus 0.33 for each letter beyond eight, or 0.5 in all when it follows punctuation directly (".com",
    /// "(string"); a space before a word nothing; a number 1 for each group of three digits, plus 0.9 for a space before it; a
    /// run of punctuation 1, plus 0.1 for each further character; a line break 1, or 0.1 after punctuation or whitespace; a run
    /// of spaces or tabs (an indentation, spaces within a line) 1, plus 0.02 for each further character. In a random-looking
    /// run of letters and digits (base64, keys, hashes: once a letter touches a digit, or a second capital follows a camelCase
    /// hump) each further letter of a word adds 0.45. An accented letter adds 0.3, and a letter of Latin Extended-A inside a
    /// word (Polish, Czech, Turkish, which o200k splits far more) 2.3, in place of the charge for length. A word of Cyrillic,
    /// Greek, Armenian, Hebrew, Arabic, Indic or Hangul letters costs 1 plus 0.12 to 0.45 for each further letter; CJK
    /// ideographs and kana 0.75 each, Thai and Georgian 0.5, Hangul jamo 0.75, typographic punctuation and symbols 0.7,
    /// symbols drawn as emoji 1.3, an emoji 2.2, and rarer scripts 1.
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
    /// languages) the estimate is 1.009 of OpenAI's o200k count overall with a mean absolute error of 5.0 %, every text
    /// between 0.88 (LaTeX, Polish) and 1.18 (Chinese) of its real count (the README's "Cost" section has the table per kind);
    /// on texts kept out of the corpus (compiler messages in 13 languages, random base64, hex, keys and numbers, this
    /// library's code and documentation) 0.97 overall with a mean absolute error of 5.4 %, from 0.83 (Traditional Chinese) to
    /// 1.14 (Turkish). For exact counts of OpenAI models use the LlmRouter.Tokenizers package. Providers' tokenizers differ
    /// from each other by as much or more (OpenAI's older cl100k counts 20 % to 280 % more for non-English text; a newer Claude
    /// tokenizer counts about 30 % more than the previous one), so treat the figure as an estimate for ranking and context
    /// limits, and keep headroom when a request is close to a window.
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
