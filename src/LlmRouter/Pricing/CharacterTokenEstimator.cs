using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// The default <see cref="ITokenEstimator"/>: counts words and characters by Unicode script and adds fixed overheads for message
/// framing, tools and media. The method and its expected error are documented on <see cref="TokenEstimators.Default"/>.
/// </summary>
/// <remarks>
/// Counts in hundredths of a token so that the weights stay integers; rounds the total up. Reads JSON (tool schemas, function
/// arguments and results held as <see cref="JsonElement"/>) from its raw UTF-8 without materializing strings, and never touches
/// <see cref="DataContent.Data"/>, which may decode base64 on first access. Stateless and thread-safe.
/// </remarks>
internal sealed class CharacterTokenEstimator : ITokenEstimator
{
    internal const int RequestOverhead = 3;
    internal const int MessageOverhead = 4;
    internal const int InstructionsOverhead = 4;
    internal const int ToolOverhead = 8;
    internal const int ResponseSchemaOverhead = 8;
    internal const int FunctionCallOverhead = 4;
    internal const int FunctionResultOverhead = 4;
    internal const int MediaTokens = 1_000;
    internal const int ScalarValueTokens = 1;
    internal const int OpaqueValueTokens = 8;

    private const int Hundredths = 100;

    private CharacterTokenEstimator()
    {
    }

    public static CharacterTokenEstimator Instance { get; } = new();

    public string Name => TokenEstimators.CharacterBased;

    public int EstimateInputTokens(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        ArgumentNullException.ThrowIfNull(messages);

        var tally = new Tally { Tokens = RequestOverhead };
        if (messages is IList<ChatMessage> list)
        {
            for (int i = 0; i < list.Count; i++)
            {
                AddMessage(ref tally, list[i]);
            }
        }
        else
        {
            foreach (ChatMessage message in messages)
            {
                AddMessage(ref tally, message);
            }
        }

        if (options is not null)
        {
            AddOptions(ref tally, options);
        }

        long total = tally.Tokens + ((tally.Hundredths + Hundredths - 1) / Hundredths);
        return total >= int.MaxValue ? int.MaxValue : (int)total;
    }

    /// <summary>
    /// An upper bound of <see cref="EstimateInputTokens"/> that reads only lengths, for deciding cheaply that a request cannot
    /// come near a context window: two tokens per character of text (no character costs more than 1.3), plus the fixed
    /// overheads and media figures. <see cref="long.MaxValue"/> when the request holds what only the full estimate can bound:
    /// tools, a response schema, function calls or results, or any other content.
    /// </summary>
    internal static long UpperBound(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        const int PerCharacter = 2;
        long bound = RequestOverhead + 1;
        if (options is not null)
        {
            if (options.Tools is { Count: > 0 } || options.ResponseFormat is ChatResponseFormatJson { Schema: not null })
            {
                return long.MaxValue;
            }

            bound += InstructionsOverhead + (PerCharacter * (long)(options.Instructions?.Length ?? 0));
        }

        if (messages is not IList<ChatMessage> list)
        {
            return long.MaxValue;
        }

        for (int i = 0; i < list.Count; i++)
        {
            ChatMessage message = list[i];
            bound += MessageOverhead + 1 + (PerCharacter * (long)(message.AuthorName?.Length ?? 0));
            IList<AIContent> contents = message.Contents;
            for (int j = 0; j < contents.Count; j++)
            {
                switch (contents[j])
                {
                    case TextContent text:
                        bound += PerCharacter * (long)(text.Text?.Length ?? 0);
                        break;
                    case TextReasoningContent reasoning:
                        bound += PerCharacter * (long)(reasoning.Text?.Length ?? 0);
                        break;
                    case DataContent or UriContent:
                        bound += MediaTokens;
                        break;
                    default:
                        return long.MaxValue;
                }
            }
        }

        return bound;
    }

    /// <summary>Estimates the tokens of a piece of text, in hundredths of a token.</summary>
    internal static long CountText(ReadOnlySpan<char> text)
    {
        // The state lives in locals rather than in a TextCounter so that it stays in registers: this loop is the estimator's cost.
        ReadOnlySpan<byte> kinds = TextCounter.AsciiKinds;
        ReadOnlySpan<byte> weights = TextCounter.AsciiWeights;
        long sum = 0;
        int letters = 0;
        int extra = 0;
        bool previousLower = false;
        bool previousWhitespace = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c < 128)
            {
                int kind = kinds[c];
                if (kind == TextCounter.Lower)
                {
                    letters++;
                    previousLower = true;
                    previousWhitespace = false;
                    continue;
                }

                if (kind == TextCounter.Upper)
                {
                    if (previousLower)
                    {
                        sum += TextCounter.WordCost(letters, extra);
                        letters = 0;
                        extra = 0;
                    }

                    letters++;
                    previousLower = false;
                    previousWhitespace = false;
                    continue;
                }

                if (letters != 0)
                {
                    sum += TextCounter.WordCost(letters, extra);
                    letters = 0;
                    extra = 0;
                }

                previousLower = false;
                bool whitespace = kind == TextCounter.Whitespace;
                sum += whitespace && previousWhitespace ? TextCounter.WhitespaceRunWeight : weights[c];
                previousWhitespace = whitespace;
            }
            else if (TextCounter.IsLatinLetter(c))
            {
                letters++;
                extra += TextCounter.AccentedLetterWeight;
                previousWhitespace = false;
            }
            else
            {
                if (letters != 0)
                {
                    sum += TextCounter.WordCost(letters, extra);
                    letters = 0;
                    extra = 0;
                }

                previousLower = false;
                previousWhitespace = false;
                sum += TextCounter.Weight(c);
            }
        }

        return letters != 0 ? sum + TextCounter.WordCost(letters, extra) : sum;
    }

    /// <summary>Estimates the tokens of UTF-8 text (raw JSON), in hundredths of a token; gives the same count as <see cref="CountText"/>.</summary>
    internal static long CountUtf8(ReadOnlySpan<byte> utf8)
    {
        var counter = new TextCounter();
        int i = 0;
        while (i < utf8.Length)
        {
            byte b = utf8[i];
            if (b < 128)
            {
                counter.AddAscii((char)b);
                i++;
                continue;
            }

            if (Rune.DecodeFromUtf8(utf8[i..], out Rune rune, out int consumed) == OperationStatus.Done && rune.IsBmp)
            {
                counter.AddNonAscii((char)rune.Value);
            }
            else
            {
                // A character outside the Basic Multilingual Plane (or an invalid byte) counts as a UTF-16 surrogate pair does.
                counter.AddNonAscii('\uD800');
            }

            i += Math.Max(consumed, 1);
        }

        return counter.Finish();
    }

    private static void AddMessage(ref Tally tally, ChatMessage message)
    {
        tally.Tokens += MessageOverhead;
        if (message.AuthorName is { } author)
        {
            tally.Hundredths += CountText(author) + Hundredths;
        }

        IList<AIContent> contents = message.Contents;
        for (int i = 0; i < contents.Count; i++)
        {
            AddContent(ref tally, contents[i]);
        }
    }

    private static void AddContent(ref Tally tally, AIContent content)
    {
        switch (content)
        {
            case TextContent text:
                tally.Hundredths += CountText(text.Text);
                break;
            case TextReasoningContent reasoning:
                tally.Hundredths += CountText(reasoning.Text);
                break;
            case FunctionCallContent call:
                tally.Tokens += FunctionCallOverhead;
                tally.Hundredths += CountText(call.Name) + CountText(call.CallId);
                AddArguments(ref tally, call.Arguments);
                break;
            case FunctionResultContent result:
                tally.Tokens += FunctionResultOverhead;
                tally.Hundredths += CountText(result.CallId);
                AddValue(ref tally, result.Result);
                break;
            case DataContent or UriContent:
                // Images and other media are billed by size, page or duration, not by the bytes sent: a fixed figure.
                tally.Tokens += MediaTokens;
                break;
            default:
                // Usage, errors, hosted-tool and approval contents are not sent to the model as tokens.
                break;
        }
    }

    private static void AddArguments(ref Tally tally, IDictionary<string, object?>? arguments)
    {
        if (arguments is null)
        {
            return;
        }

        // A Dictionary's struct enumerator avoids boxing an enumerator per call; other dictionaries fall back to the interface.
        if (arguments is Dictionary<string, object?> dictionary)
        {
            foreach (KeyValuePair<string, object?> argument in dictionary)
            {
                tally.Hundredths += CountText(argument.Key);
                AddValue(ref tally, argument.Value);
            }
        }
        else
        {
            foreach (KeyValuePair<string, object?> argument in arguments)
            {
                tally.Hundredths += CountText(argument.Key);
                AddValue(ref tally, argument.Value);
            }
        }
    }

    private static void AddValue(ref Tally tally, object? value)
    {
        switch (value)
        {
            case null:
                tally.Tokens += ScalarValueTokens;
                break;
            case string text:
                tally.Hundredths += CountText(text);
                break;
            case JsonElement element:
                tally.Hundredths += CountJson(element);
                break;
            case TextContent text:
                tally.Hundredths += CountText(text.Text);
                break;
            case bool or int or long or double or decimal or float or short or byte or uint or ulong:
                tally.Tokens += ScalarValueTokens;
                break;
            default:
                // Serializing an arbitrary object would need reflection; a small fixed figure stands in for it.
                tally.Tokens += OpaqueValueTokens;
                break;
        }
    }

    private static void AddOptions(ref Tally tally, ChatOptions options)
    {
        if (options.Instructions is { } instructions)
        {
            tally.Tokens += InstructionsOverhead;
            tally.Hundredths += CountText(instructions);
        }

        if (options.Tools is { } tools)
        {
            for (int i = 0; i < tools.Count; i++)
            {
                AITool tool = tools[i];
                tally.Tokens += ToolOverhead;
                tally.Hundredths += CountText(tool.Name) + CountText(tool.Description);
                if (tool is AIFunctionDeclaration function)
                {
                    tally.Hundredths += CountJson(function.JsonSchema);
                }
            }
        }

        if (options.ResponseFormat is ChatResponseFormatJson { Schema: { } schema })
        {
            tally.Tokens += ResponseSchemaOverhead;
            tally.Hundredths += CountJson(schema);
        }
    }

    private static long CountJson(JsonElement element) =>
        element.ValueKind == JsonValueKind.Undefined ? 0 : CountUtf8(JsonMarshal.GetRawUtf8Value(element));

    /// <summary>
    /// Counts text in hundredths of a token, one character at a time (used for UTF-8 JSON; <see cref="CountText"/> inlines the
    /// same rules for UTF-16 text). A word (a run of Latin letters, split where a lower-case letter is followed by an
    /// upper-case one, as in camelCase) costs one token plus a third of a token for each letter beyond eight, because current
    /// tokenizers hold common words whole; every other character costs its script's weight.
    /// </summary>
    private struct TextCounter
    {
        internal const int WordWeight = 100;
        private const int WordFreeLetters = 8;
        private const int LongWordLetterWeight = 33;
        internal const int AccentedLetterWeight = 30;
        internal const int WhitespaceRunWeight = 30;
        internal const byte Lower = 1;
        internal const byte Upper = 2;
        internal const byte Whitespace = 3;

        /// <summary>The weight of each block of 16 UTF-16 code units outside ASCII; see <see cref="BuildBlockWeights"/>.</summary>
        private static readonly byte[] BlockWeights = BuildBlockWeights();

        private long _sum;
        private int _wordLetters;
        private int _wordExtra;
        private bool _previousLower;
        private bool _previousWhitespace;

        /// <summary>The kind of each ASCII character: 1 a lower-case letter, 2 an upper-case letter, 3 whitespace, 0 anything else.</summary>
        internal static ReadOnlySpan<byte> AsciiKinds =>
        [
            0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 3, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
            2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0,
            0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
            1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,
        ];

        /// <summary>Weights of the ASCII characters in hundredths of a token (letters are counted as words instead).</summary>
        internal static ReadOnlySpan<byte> AsciiWeights =>
        [
            50, 50, 50, 50, 50, 50, 50, 50, 50, 10, 100, 50, 50, 100, 50, 50,
            50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50,
            10, 35, 35, 35, 35, 35, 35, 35, 35, 35, 35, 35, 35, 35, 35, 35,
            45, 45, 45, 45, 45, 45, 45, 45, 45, 45, 35, 35, 35, 35, 35, 35,
            35, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 35, 35, 35, 35, 35,
            35, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 35, 35, 35, 35, 50,
        ];

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void AddAscii(char c)
        {
            int kind = AsciiKinds[c];
            if (kind == Lower)
            {
                _wordLetters++;
                _previousLower = true;
                _previousWhitespace = false;
                return;
            }

            if (kind == Upper)
            {
                if (_previousLower)
                {
                    EndWord();
                }

                _wordLetters++;
                _previousLower = false;
                _previousWhitespace = false;
                return;
            }

            if (_wordLetters != 0)
            {
                EndWord();
            }

            _previousLower = false;
            bool whitespace = kind == Whitespace;
            _sum += whitespace && _previousWhitespace ? WhitespaceRunWeight : AsciiWeights[c];
            _previousWhitespace = whitespace;
        }

        public void AddNonAscii(char c)
        {
            if (IsLatinLetter(c))
            {
                _wordLetters++;
                _wordExtra += AccentedLetterWeight;
                _previousWhitespace = false;
                return;
            }

            EndWord();
            _previousLower = false;
            _sum += Weight(c);
            _previousWhitespace = false;
        }

        public long Finish()
        {
            EndWord();
            return _sum;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static int WordCost(int letters, int extra) => WordWeight + (Math.Max(letters - WordFreeLetters, 0) * LongWordLetterWeight) + extra;

        private void EndWord()
        {
            if (_wordLetters > 0)
            {
                _sum += WordCost(_wordLetters, _wordExtra);
                _wordLetters = 0;
                _wordExtra = 0;
            }
        }

        /// <summary>Accented Latin letters, which tokenizers keep inside the word they belong to.</summary>
        internal static bool IsLatinLetter(char c) =>
            (c is >= '\u00C0' and <= '\u024F' && c != '\u00D7' && c != '\u00F7') || c is >= '\u1E00' and <= '\u1EFF';

        /// <summary>The weight of a non-ASCII UTF-16 code unit by script, in hundredths of a token.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static int Weight(char c) => BlockWeights[c >> 4];

        /// <summary>
        /// Script weights for every block of 16 UTF-16 code units, read in one step: all the script boundaries below fall on
        /// multiples of 16. Each pair is the first code unit of a range and its weight; a range runs to the next pair.
        /// </summary>
        private static byte[] BuildBlockWeights()
        {
            ReadOnlySpan<int> ranges =
            [
                0x0000, 50,     // Latin-1 symbols and the no-break space (letters are counted as words before this table)
                0x0250, 60,     // IPA, spacing modifiers, combining diacritics
                0x0370, 38,     // Greek
                0x0400, 30,     // Cyrillic
                0x0530, 50,     // Armenian
                0x0590, 37,     // Hebrew
                0x0600, 31,     // Arabic, Syriac, Thaana and Arabic supplements
                0x0900, 33,     // Indic scripts, Devanagari to Sinhala
                0x0E00, 50,     // Thai, Lao, Tibetan, Myanmar, Georgian
                0x1100, 75,     // Hangul Jamo
                0x1200, 100,    // Ethiopic and other less common scripts (Vietnamese letters are counted as words)
                0x1F00, 38,     // Greek Extended
                0x2000, 70,     // punctuation (dashes, curly quotes, ellipsis), symbols, arrows, math
                0x2E80, 72,     // CJK radicals and punctuation
                0x3040, 95,     // Hiragana, Katakana
                0x3100, 72,     // CJK ideographs
                0xA000, 100,    // Yi and other less common scripts
                0xAC00, 75,     // Hangul syllables
                0xD800, 100,    // a high surrogate stands for a whole supplementary character (an emoji)
                0xDC00, 0,      // its low surrogate was counted with the high one
                0xE000, 100,    // private use
                0xF900, 72,     // CJK compatibility ideographs
                0xFB00, 60,     // presentation forms
                0xFE00, 10,     // variation selectors (emoji presentation)
                0xFE10, 60,
                0xFF00, 70,     // full-width forms
                0xFFF0, 60,
            ];

            var weights = new byte[0x10000 >> 4];
            for (int i = 0; i < ranges.Length; i += 2)
            {
                int end = i + 2 < ranges.Length ? ranges[i + 2] : 0x10000;
                weights.AsSpan((ranges[i] >> 4)..(end >> 4)).Fill((byte)ranges[i + 1]);
            }

            return weights;
        }
    }

    /// <summary>Running totals: whole tokens from fixed overheads and hundredths of a token from text.</summary>
    private struct Tally
    {
        public long Tokens;
        public long Hundredths;
    }
}
