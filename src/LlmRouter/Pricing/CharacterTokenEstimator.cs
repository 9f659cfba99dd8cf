using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// The default <see cref="ITokenEstimator"/>: weights every character by its Unicode script and adds fixed overheads for message
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
    private const int WhitespaceRunWeight = 6;
    private const int SupplementaryWeight = 150;

    private CharacterTokenEstimator()
    {
    }

    public static CharacterTokenEstimator Instance { get; } = new();

    public string Name => TokenEstimators.CharacterBased;

    /// <summary>Weights of the ASCII characters in hundredths of a token: letters 25, digits 34, punctuation 40, space 15, newline 40.</summary>
    private static ReadOnlySpan<byte> AsciiWeights =>
    [
        50, 50, 50, 50, 50, 50, 50, 50, 50, 15, 40, 50, 50, 40, 50, 50,
        50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50,
        15, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40,
        34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 40, 40, 40, 40, 40, 40,
        40, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25,
        25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 40, 40, 40, 40, 40,
        40, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25,
        25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 40, 40, 40, 40, 50,
    ];

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
        long sum = 0;
        bool previousWhitespace = false;
        ReadOnlySpan<byte> ascii = AsciiWeights;
        foreach (char c in text)
        {
            if (c < 128)
            {
                bool whitespace = c is ' ' or '\t' or '\n' or '\r';
                sum += whitespace && previousWhitespace ? WhitespaceRunWeight : ascii[c];
                previousWhitespace = whitespace;
            }
            else
            {
                sum += Weight(c);
                previousWhitespace = false;
            }
        }

        return sum;
    }

    /// <summary>Estimates the tokens of UTF-8 text (raw JSON), in hundredths of a token.</summary>
    internal static long CountUtf8(ReadOnlySpan<byte> utf8)
    {
        long sum = 0;
        bool previousWhitespace = false;
        ReadOnlySpan<byte> ascii = AsciiWeights;
        int i = 0;
        while (i < utf8.Length)
        {
            byte b = utf8[i];
            if (b < 128)
            {
                bool whitespace = b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r';
                sum += whitespace && previousWhitespace ? WhitespaceRunWeight : ascii[b];
                previousWhitespace = whitespace;
                i++;
                continue;
            }

            previousWhitespace = false;
            if (Rune.DecodeFromUtf8(utf8[i..], out Rune rune, out int consumed) == OperationStatus.Done)
            {
                sum += rune.IsBmp ? Weight((char)rune.Value) : SupplementaryWeight;
            }
            else
            {
                sum += SupplementaryWeight;
            }

            i += Math.Max(consumed, 1);
        }

        return sum;
    }

    /// <summary>The weight of a non-ASCII UTF-16 code unit by script, in hundredths of a token.</summary>
    private static int Weight(char c) => c switch
    {
        < '\u0250' => 50,                   // Latin-1 supplement, Latin Extended-A/B: accented letters, symbols
        < '\u0370' => 60,                   // IPA, spacing modifiers, combining diacritics
        < '\u0400' => 45,                   // Greek
        < '\u0530' => 35,                   // Cyrillic
        < '\u0590' => 50,                   // Armenian
        < '\u0600' => 45,                   // Hebrew
        < '\u0900' => 40,                   // Arabic, Syriac, Thaana, Arabic supplements
        < '\u0E00' => 55,                   // Indic scripts: Devanagari to Sinhala
        < '\u1100' => 50,                   // Thai, Lao, Tibetan, Myanmar, Georgian
        < '\u1200' => 70,                   // Hangul Jamo
        < '\u1E00' => 60,                   // other scripts
        < '\u1F00' => 50,                   // Latin Extended Additional (Vietnamese)
        < '\u2000' => 45,                   // Greek Extended
        < '\u2070' => 40,                   // general punctuation: dashes, quotes, ellipsis
        < '\u2E80' => 70,                   // symbols, arrows, math, box drawing
        < '\u3000' => 80,                   // CJK radicals
        < '\u3040' => 70,                   // CJK punctuation
        < '\u3100' => 70,                   // Hiragana, Katakana
        < '\u3400' => 80,                   // other CJK
        < '\uA000' => 80,                   // CJK ideographs
        < '\uAC00' => 70,                   // Yi, other scripts
        < '\uD800' => 70,                   // Hangul syllables
        < '\uDC00' => SupplementaryWeight,  // a high surrogate carries a whole supplementary character (emoji)
        < '\uE000' => 0,                    // its low surrogate was counted with the high one
        < '\uF900' => 100,                  // private use
        < '\uFB00' => 80,                   // CJK compatibility ideographs
        < '\uFE00' => 60,
        < '\uFE10' => 30,                   // variation selectors (emoji presentation)
        < '\uFF00' => 60,
        < '\uFFF0' => 70,                   // full-width forms
        _ => 60,
    };

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

    /// <summary>Running totals: whole tokens from fixed overheads and hundredths of a token from text.</summary>
    private struct Tally
    {
        public long Tokens;
        public long Hundredths;
    }
}
