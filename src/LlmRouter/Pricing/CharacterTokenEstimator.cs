using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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
    /// <remarks>
    /// Runs of ASCII are counted 64 characters at a time with the widest vectors the processor has; other characters, and
    /// text shorter than <see cref="TextCounter.MinimumBlock"/>, one at a time. Every path gives the count
    /// <see cref="CountTextByCharacter"/> gives.
    /// </remarks>
    internal static long CountText(ReadOnlySpan<char> text) => Count<char, Utf16Units>(text);

    /// <summary>Counts <paramref name="text"/> with vectors of one width; every width gives the same count.</summary>
    internal static long CountText<TBlock>(ReadOnlySpan<char> text)
        where TBlock : struct, IAsciiBlock<TBlock> => Count<char, Utf16Units, TBlock>(text);

    /// <summary>The count <see cref="CountText"/> gives, taken one character at a time: the reference the vector paths match.</summary>
    internal static long CountTextByCharacter(ReadOnlySpan<char> text) => CountByCharacter<char, Utf16Units>(text);

    /// <summary>Estimates the tokens of UTF-8 text (raw JSON), in hundredths of a token; gives the same count as <see cref="CountText"/>.</summary>
    internal static long CountUtf8(ReadOnlySpan<byte> utf8) => Count<byte, Utf8Units>(utf8);

    /// <summary>Counts UTF-8 text with vectors of one width; every width gives the same count.</summary>
    internal static long CountUtf8<TBlock>(ReadOnlySpan<byte> utf8)
        where TBlock : struct, IAsciiBlock<TBlock> => Count<byte, Utf8Units, TBlock>(utf8);

    /// <summary>Counts text in either encoding with the widest vectors the processor runs, or one character at a time.</summary>
    private static long Count<TUnit, TUnits>(ReadOnlySpan<TUnit> text)
        where TUnit : unmanaged
        where TUnits : struct, ITextUnits<TUnit>
    {
        if (text.Length >= TextCounter.MinimumBlock)
        {
            if (Vector512.IsHardwareAccelerated)
            {
                return Count<TUnit, TUnits, AsciiBlock512>(text);
            }

            if (Vector256.IsHardwareAccelerated)
            {
                return Count<TUnit, TUnits, AsciiBlock256>(text);
            }

            if (Vector128.IsHardwareAccelerated)
            {
                return Count<TUnit, TUnits, AsciiBlock128>(text);
            }
        }

        return CountByCharacter<TUnit, TUnits>(text);
    }

    private static long CountByCharacter<TUnit, TUnits>(ReadOnlySpan<TUnit> text)
        where TUnit : unmanaged
        where TUnits : struct, ITextUnits<TUnit>
    {
        var counter = new TextCounter();
        TUnits.AddRest(ref counter, text);
        return counter.Sum;
    }

    /// <summary>
    /// Counts text in either encoding: blocks of 64 code units while they are ASCII, one character at a time from the first
    /// that is not until a run of ASCII resumes, and a text's last partial block either overlapping the block before (the
    /// characters already counted are skipped) or, in a text shorter than a block, copied into a padded buffer.
    /// </summary>
    private static long Count<TUnit, TUnits, TBlock>(ReadOnlySpan<TUnit> text)
        where TUnit : unmanaged
        where TUnits : struct, ITextUnits<TUnit>
        where TBlock : struct, IAsciiBlock<TBlock>
    {
        var counter = new TextCounter();
        Span<TUnit> padded = stackalloc TUnit[AsciiBlock.Length];
        int i = 0;
        while (text.Length - i >= TextCounter.MinimumBlock)
        {
            int remaining = text.Length - i;
            int skip = 0;
            scoped ReadOnlySpan<TUnit> block;
            if (remaining >= AsciiBlock.Length)
            {
                block = text.Slice(i, AsciiBlock.Length);
            }
            else if (text.Length >= AsciiBlock.Length)
            {
                skip = AsciiBlock.Length - remaining;
                block = text[^AsciiBlock.Length..];
            }
            else
            {
                // Code units past the end of the text are left out of the count; the copy only keeps the loads in bounds.
                text[i..].CopyTo(padded);
                block = padded;
            }

            ulong nonAscii = TUnits.Load(block, out TBlock loaded) >> skip;
            if (nonAscii == 0 && remaining >= AsciiBlock.Length)
            {
                // A whole block of ASCII: the next block's position does not wait for this one's classification.
                counter.AddAsciiBlock(in loaded, 0, AsciiBlock.Length);
                i += AsciiBlock.Length;
                continue;
            }

            int ascii = Math.Min(remaining, BitOperations.TrailingZeroCount(nonAscii));
            if (ascii > 0)
            {
                counter.AddAsciiBlock(in loaded, skip, ascii);
                i += ascii;
                continue;
            }

            // From a character outside ASCII, one character at a time until a run of ASCII long enough for a block starts:
            // text with such letters every few characters (Vietnamese, Czech) would otherwise load a block for every few.
            i = TUnits.AddRun(ref counter, text, i);
        }

        TUnits.AddRest(ref counter, text[i..]);
        return counter.Sum;
    }

    /// <summary>What <see cref="Count{TUnit, TUnits, TBlock}"/> needs to know of an encoding's code units.</summary>
    private interface ITextUnits<TUnit>
        where TUnit : unmanaged
    {
        static abstract ulong Load<TBlock>(ReadOnlySpan<TUnit> units, out TBlock block)
            where TBlock : struct, IAsciiBlock<TBlock>;

        /// <summary>
        /// Counts from <paramref name="start"/> one character at a time until a stretch of <see cref="TextCounter.AsciiRunForBlock"/>
        /// code units was all ASCII or the text ends; returns where it stopped.
        /// </summary>
        static abstract int AddRun(ref TextCounter counter, ReadOnlySpan<TUnit> text, int start);

        /// <summary>Counts the whole of <paramref name="text"/> one character at a time.</summary>
        static abstract void AddRest(ref TextCounter counter, ReadOnlySpan<TUnit> text);
    }

    private readonly struct Utf16Units : ITextUnits<char>
    {
        public static ulong Load<TBlock>(ReadOnlySpan<char> units, out TBlock block)
            where TBlock : struct, IAsciiBlock<TBlock> => TBlock.Load(units, out block);

        public static int AddRun(ref TextCounter counter, ReadOnlySpan<char> text, int start)
        {
            // Eight characters at a time, then one test of whether all of them were ASCII: a test per character would be a
            // branch as hard to predict as the one in Add, on exactly the text that comes here.
            int i = start;
            while (i < text.Length)
            {
                int end = Math.Min(i + TextCounter.AsciiRunForBlock, text.Length);
                int seen = 0;
                for (; i < end; i++)
                {
                    // A surrogate pair is counted as its two halves: the high one carries the weight, the low one none.
                    char c = text[i];
                    counter.Add(c);
                    seen |= c;
                }

                if (seen < TextCounter.AsciiLimit)
                {
                    break;
                }
            }

            return i;
        }

        public static void AddRest(ref TextCounter counter, ReadOnlySpan<char> text)
        {
            for (int i = 0; i < text.Length; i++)
            {
                counter.Add(text[i]);
            }
        }
    }

    private readonly struct Utf8Units : ITextUnits<byte>
    {
        public static ulong Load<TBlock>(ReadOnlySpan<byte> units, out TBlock block)
            where TBlock : struct, IAsciiBlock<TBlock> => TBlock.Load(units, out block);

        public static int AddRun(ref TextCounter counter, ReadOnlySpan<byte> text, int start)
        {
            // As for UTF-16, eight bytes or more at a time (a character outside ASCII is counted whole).
            int i = start;
            while (i < text.Length)
            {
                int end = Math.Min(i + TextCounter.AsciiRunForBlock, text.Length);
                int seen = 0;
                while (i < end)
                {
                    seen |= text[i];
                    i += AddCharacter(ref counter, text[i..]);
                }

                if (seen < TextCounter.AsciiLimit)
                {
                    break;
                }
            }

            return i;
        }

        public static void AddRest(ref TextCounter counter, ReadOnlySpan<byte> text)
        {
            for (int i = 0; i < text.Length;)
            {
                i += AddCharacter(ref counter, text[i..]);
            }
        }

        private static int AddCharacter(ref TextCounter counter, ReadOnlySpan<byte> units)
        {
            if (units[0] < TextCounter.AsciiLimit)
            {
                counter.AddAscii((char)units[0]);
                return 1;
            }

            if (Rune.DecodeFromUtf8(units, out Rune rune, out int consumed) == OperationStatus.Done && rune.IsBmp)
            {
                counter.AddNonAscii((char)rune.Value);
            }
            else
            {
                // A character outside the Basic Multilingual Plane (or an invalid byte) counts as a UTF-16 surrogate pair does.
                counter.AddNonAscii('\uD800');
            }

            return Math.Max(consumed, 1);
        }
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
    /// upper-case one, as in camelCase) costs one token, charged at its first letter, plus a third of a token for each letter
    /// beyond the eighth, because current tokenizers hold common words whole; every other character costs its script's weight.
    /// </summary>
    /// <remarks>
    /// Charging a word where it starts, not where it ends, lets a block of 64 ASCII characters be counted from bit masks
    /// (<see cref="AddAsciiBlock"/>) with only the state at its edges carried between blocks and single characters.
    /// </remarks>
    private struct TextCounter
    {
        internal const int MinimumBlock = 16;

        /// <summary>How many ASCII code units in a row, after a character that is not ASCII, make loading a block worthwhile again.</summary>
        internal const int AsciiRunForBlock = 8;
        internal const char AsciiLimit = (char)128;
        private const int WordWeight = 100;
        private const int WordFreeLetters = 8;
        private const int LongWordLetterWeight = 33;
        private const int AccentedLetterWeight = 30;
        private const int WhitespaceRunWeight = 30;
        private const int PunctuationWeight = 35;
        private const int DigitWeight = 45;
        private const int ControlWeight = 50;
        private const int SpaceWeight = 10;
        private const int NewlineWeight = 100;
        private const byte Lower = 1;
        private const byte Upper = 2;
        private const byte Whitespace = 3;

        /// <summary>The weight of each block of 16 UTF-16 code units outside ASCII; see <see cref="BuildBlockWeights"/>.</summary>
        private static readonly byte[] BlockWeights = BuildBlockWeights();

        public long Sum;

        /// <summary>The letters so far of the word the last character belongs to; 0 when it was not a letter.</summary>
        private int _wordLetters;
        private bool _previousLower;
        private bool _previousWhitespace;

        /// <summary>The kind of each ASCII character: 1 a lower-case letter, 2 an upper-case letter, 3 whitespace, 0 anything else.</summary>
        private static ReadOnlySpan<byte> AsciiKinds =>
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

        /// <summary>
        /// Weights of the ASCII characters in hundredths of a token (letters are counted as words instead): control characters
        /// 50, tab and space 10, line breaks 100, digits 45, punctuation and symbols 35. <see cref="AddAsciiBlock"/> applies the
        /// same weights by class.
        /// </summary>
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

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Add(char c)
        {
            if (c < AsciiLimit)
            {
                AddAscii(c);
            }
            else
            {
                AddNonAscii(c);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void AddAscii(char c)
        {
            int kind = AsciiKinds[c];
            if (kind == Lower)
            {
                AddLetter(startsWord: _wordLetters == 0);
                _previousLower = true;
                return;
            }

            if (kind == Upper)
            {
                AddLetter(startsWord: _wordLetters == 0 || _previousLower);
                _previousLower = false;
                return;
            }

            _wordLetters = 0;
            _previousLower = false;
            bool whitespace = kind == Whitespace;
            Sum += whitespace && _previousWhitespace ? WhitespaceRunWeight : AsciiWeights[c];
            _previousWhitespace = whitespace;
        }

        public void AddNonAscii(char c)
        {
            if (IsLatinLetter(c))
            {
                // An accented letter continues a word (it never starts a camel-case hump) and costs a little extra.
                AddLetter(startsWord: _wordLetters == 0);
                Sum += AccentedLetterWeight;
                return;
            }

            _wordLetters = 0;
            _previousLower = false;
            _previousWhitespace = false;
            Sum += Weight(c);
        }

        /// <summary>
        /// Counts <paramref name="count"/> characters of a block of 64 ASCII characters, after the first <paramref name="skip"/>:
        /// each class of character becomes a 64-bit mask and each charge a population count, so nothing branches on the text.
        /// Gives the count <see cref="AddAscii"/> gives one character at a time.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void AddAsciiBlock<TBlock>(in TBlock block, int skip, int count)
            where TBlock : struct, IAsciiBlock<TBlock>
        {
            ulong valid = count == AsciiBlock.Length ? ulong.MaxValue : (1UL << count) - 1;
            ulong lower = (block.InRange((byte)'a', 26) >> skip) & valid;
            ulong upper = (block.InRange((byte)'A', 26) >> skip) & valid;
            ulong digit = (block.InRange((byte)'0', 10) >> skip) & valid;
            ulong control = ((block.InRange(0, 32) | block.EqualTo(0x7F)) >> skip) & valid;
            ulong lineBreaks = block.EqualTo((byte)'\n') | block.EqualTo((byte)'\r');
            ulong newline = lineBreaks >> skip;
            ulong whitespace = ((lineBreaks | block.EqualTo((byte)' ') | block.EqualTo((byte)'\t')) >> skip) & valid;
            ulong letter = lower | upper;

            // Bit i of "previous" masks describes character i - 1; bit 0 comes from the state before the block.
            ulong previousLetter = (letter << 1) | (_wordLetters > 0 ? 1UL : 0);
            ulong previousLower = (lower << 1) | (_previousLower ? 1UL : 0);
            ulong previousWhitespace = (whitespace << 1) | (_previousWhitespace ? 1UL : 0);
            ulong start = letter & (~previousLetter | (upper & previousLower));

            // A letter is past the eighth of its word when it and the seven before it all continue a word.
            ulong continuing = letter & ~start;
            int carried = Math.Min(Math.Max(_wordLetters - 1, 0), WordFreeLetters - 1);
            ulong continuingBefore = carried == 0 ? 0 : ulong.MaxValue << (AsciiBlock.Length - carried);
            ulong longWord = continuing;
            for (int shift = 1; shift < WordFreeLetters; shift++)
            {
                longWord &= (continuing << shift) | (continuingBefore >> (AsciiBlock.Length - shift));
            }

            ulong whitespaceRun = whitespace & previousWhitespace;
            ulong firstWhitespace = whitespace & ~whitespaceRun;
            ulong other = ~(letter | whitespace) & valid;
            Sum += (WordWeight * (long)BitOperations.PopCount(start))
                + (LongWordLetterWeight * (long)BitOperations.PopCount(longWord))
                + (WhitespaceRunWeight * (long)BitOperations.PopCount(whitespaceRun))
                + (SpaceWeight * (long)BitOperations.PopCount(firstWhitespace))
                + ((NewlineWeight - SpaceWeight) * (long)BitOperations.PopCount(firstWhitespace & newline))
                + (PunctuationWeight * (long)BitOperations.PopCount(other))
                + ((DigitWeight - PunctuationWeight) * (long)BitOperations.PopCount(digit))
                + ((ControlWeight - PunctuationWeight) * (long)BitOperations.PopCount(control & ~whitespace));

            int last = count - 1;
            _previousLower = ((lower >> last) & 1) != 0;
            _previousWhitespace = ((whitespace >> last) & 1) != 0;
            if (((letter >> last) & 1) == 0)
            {
                _wordLetters = 0;
            }
            else
            {
                // The word the block ends in started at the last start (a letter after a non-letter is always a start).
                _wordLetters = start == 0 ? _wordLetters + count : count - (AsciiBlock.Length - 1 - BitOperations.LeadingZeroCount(start));
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void AddLetter(bool startsWord)
        {
            if (startsWord)
            {
                Sum += WordWeight;
                _wordLetters = 0;
            }

            _wordLetters++;
            if (_wordLetters > WordFreeLetters)
            {
                Sum += LongWordLetterWeight;
            }

            _previousWhitespace = false;
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
