using System.Buffers;
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

    /// <summary>Estimates the tokens of a piece of text, in hundredths of a token.</summary>
    internal static long CountText(ReadOnlySpan<char> text)
    {
        var counter = new TextCounter();
        foreach (char c in text)
        {
            if (c < 128)
            {
                counter.AddAscii(c);
            }
            else
            {
                counter.AddNonAscii(c);
            }
        }

        return counter.Finish();
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
    /// Counts text in hundredths of a token. A word (a run of Latin letters, split where a lower-case letter is followed by an
    /// upper-case one, as in camelCase) costs one token plus a third of a token for each letter beyond eight, because current
    /// tokenizers hold common words whole; every other character costs its script's weight.
    /// </summary>
    private struct TextCounter
    {
        private const int WordWeight = 100;
        private const int WordFreeLetters = 8;
        private const int LongWordLetterWeight = 33;
        private const int AccentedLetterWeight = 30;
        private const int WhitespaceRunWeight = 30;

        private long _sum;
        private int _wordLetters;
        private int _wordExtra;
        private bool _previousLower;
        private bool _previousWhitespace;

        /// <summary>Weights of the ASCII characters in hundredths of a token (letters are counted as words instead).</summary>
        private static ReadOnlySpan<byte> AsciiWeights =>
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

        public void AddAscii(char c)
        {
            if (char.IsAsciiLetter(c))
            {
                bool upper = char.IsAsciiLetterUpper(c);
                if (upper && _previousLower)
                {
                    EndWord();
                }

                _wordLetters++;
                _previousLower = !upper;
                _previousWhitespace = false;
                return;
            }

            EndWord();
            bool whitespace = c is ' ' or '\t' or '\n' or '\r';
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
            _sum += Weight(c);
            _previousWhitespace = false;
        }

        public long Finish()
        {
            EndWord();
            return _sum;
        }

        private void EndWord()
        {
            if (_wordLetters > 0)
            {
                _sum += WordWeight + (Math.Max(_wordLetters - WordFreeLetters, 0) * LongWordLetterWeight) + _wordExtra;
                _wordLetters = 0;
                _wordExtra = 0;
            }

            _previousLower = false;
        }

        /// <summary>Accented Latin letters, which tokenizers keep inside the word they belong to.</summary>
        private static bool IsLatinLetter(char c) =>
            (c is >= '\u00C0' and <= '\u024F' && c != '\u00D7' && c != '\u00F7') || c is >= '\u1E00' and <= '\u1EFF';

        /// <summary>The weight of a non-ASCII UTF-16 code unit by script, in hundredths of a token.</summary>
        private static int Weight(char c) => c switch
        {
            < '\u0250' => 50,                   // Latin-1 symbols and the no-break space
            < '\u0370' => 60,                   // IPA, spacing modifiers, combining diacritics
            < '\u0400' => 38,                   // Greek
            < '\u0530' => 30,                   // Cyrillic
            < '\u0590' => 50,                   // Armenian
            < '\u0600' => 37,                   // Hebrew
            < '\u0900' => 31,                   // Arabic, Syriac, Thaana and Arabic supplements
            < '\u0E00' => 33,                   // Indic scripts, Devanagari to Sinhala
            < '\u1100' => 50,                   // Thai, Lao, Tibetan, Myanmar, Georgian
            < '\u1200' => 75,                   // Hangul Jamo
            < '\u1F00' => 100,                  // Ethiopic and other less common scripts (Vietnamese letters are words)
            < '\u2000' => 38,                   // Greek Extended
            < '\u2E80' => 70,                   // punctuation (dashes, curly quotes, ellipsis), symbols, arrows, math
            < '\u3040' => 72,                   // CJK radicals and punctuation
            < '\u3100' => 95,                   // Hiragana, Katakana
            < '\uA000' => 72,                   // CJK ideographs
            < '\uAC00' => 100,                  // Yi and other less common scripts
            < '\uD800' => 75,                   // Hangul syllables
            < '\uDC00' => 100,                  // a high surrogate stands for a whole supplementary character (an emoji)
            < '\uE000' => 0,                    // its low surrogate was counted with the high one
            < '\uF900' => 100,                  // private use
            < '\uFB00' => 72,                   // CJK compatibility ideographs
            < '\uFE00' => 60,                   // presentation forms
            < '\uFE10' => 10,                   // variation selectors (emoji presentation)
            < '\uFF00' => 60,
            < '\uFFF0' => 70,                   // full-width forms
            _ => 60,
        };
    }

    /// <summary>Running totals: whole tokens from fixed overheads and hundredths of a token from text.</summary>
    private struct Tally
    {
        public long Tokens;
        public long Hundredths;
    }
}
