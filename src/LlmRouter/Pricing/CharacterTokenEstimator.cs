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
/// The default <see cref="ITokenEstimator"/>: counts text the way OpenAI's o200k tokenizer splits it (words, groups of digits,
/// runs of punctuation and of whitespace), weighs other characters by Unicode script, and adds fixed overheads for message
/// framing, tools and media. The method and its expected error are documented on <see cref="TokenEstimators.Default"/>.
/// </summary>
/// <remarks>
/// Counts in hundredths of a token so that the weights stay integers; rounds the total up. Reads JSON (tool schemas, function
/// arguments and results held as <see cref="JsonElement"/>) from its raw UTF-8 without materializing strings, and never touches
/// <see cref="DataContent.Data"/>, which may decode base64 on first access. Thread-safe; its only state is the counts of tool
/// definitions kept per tool instance (<see cref="ToolTokenCounts"/>), which give exactly the counts counting again would.
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

    /// <summary>The most one UTF-16 code unit of text adds to the estimate, in hundredths of a token; <see cref="UpperBound"/> relies on it.</summary>
    internal const int MostHundredthsPerCharacter = TextCounter.MostPerCharacter;

    private const int Hundredths = 100;

    /// <summary>Tool definitions, which requests reuse, counted once per tool instance: the same count as counting them each time.</summary>
    private static readonly ToolTokenCounts ToolCounts = new(static (name, description, schema) => CountText(name) + CountText(description) + CountUtf8(schema));

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
    /// come near a context window: 2.3 tokens per character of text (no character costs more; see
    /// <see cref="MostHundredthsPerCharacter"/>), plus the fixed overheads and media figures. <see cref="long.MaxValue"/> when
    /// the request holds what only the full estimate can bound: tools, a response schema, function calls or results, or any
    /// other content.
    /// </summary>
    internal static long UpperBound(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        // One token for rounding the text up, and one per message for its author's name separator.
        long tokens = RequestOverhead + 1;
        long characters = 0;
        if (options is not null)
        {
            if (options.Tools is { Count: > 0 } || options.ResponseFormat is ChatResponseFormatJson { Schema: not null })
            {
                return long.MaxValue;
            }

            tokens += InstructionsOverhead;
            characters += options.Instructions?.Length ?? 0;
        }

        if (messages is not IList<ChatMessage> list)
        {
            return long.MaxValue;
        }

        for (int i = 0; i < list.Count; i++)
        {
            ChatMessage message = list[i];
            tokens += MessageOverhead + 1;
            characters += message.AuthorName?.Length ?? 0;
            IList<AIContent> contents = message.Contents;
            for (int j = 0; j < contents.Count; j++)
            {
                switch (contents[j])
                {
                    case TextContent text:
                        characters += text.Text?.Length ?? 0;
                        break;
                    case TextReasoningContent reasoning:
                        characters += reasoning.Text?.Length ?? 0;
                        break;
                    case DataContent or UriContent:
                        tokens += MediaTokens;
                        break;
                    default:
                        return long.MaxValue;
                }
            }
        }

        return tokens + (characters * MostHundredthsPerCharacter / Hundredths);
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
    /// Counts text in either encoding: blocks of 64 code units while a block can count them (ASCII, and Latin-1 in UTF-16), one
    /// character at a time from the first it cannot until enough it can follow, and a text's last partial block either
    /// overlapping the block before (the characters already counted are skipped) or, in a text shorter than a block, copied into
    /// a padded buffer (a text shorter than <see cref="TextCounter.MinimumBlock"/> is counted one character at a time).
    /// </summary>
    /// <remarks>
    /// Every block but a text's first is loaded from two code units before the first it counts, so that the classes of the
    /// characters before each counted one come from the block itself rather than from state carried between blocks.
    /// </remarks>
    private static long Count<TUnit, TUnits, TBlock>(ReadOnlySpan<TUnit> text)
        where TUnit : unmanaged
        where TUnits : struct, ITextUnits<TUnit>
        where TBlock : struct, IAsciiBlock<TBlock>
    {
        var counter = new TextCounter();
        Span<TUnit> padded = stackalloc TUnit[AsciiBlock.Length];
        int i = 0;

        // A text of a block or more ends in a block overlapping the one before, however few characters are left; a shorter one
        // takes a padded copy, worth making only for a few characters or more.
        int minimumBlock = text.Length >= AsciiBlock.Length ? 1 : TextCounter.MinimumBlock;
        while (text.Length - i >= minimumBlock)
        {
            int remaining = text.Length - i;
            int first = Math.Min(i, TextCounter.Context);
            scoped ReadOnlySpan<TUnit> block;
            if (remaining + first >= AsciiBlock.Length)
            {
                block = text.Slice(i - first, AsciiBlock.Length);
            }
            else if (text.Length >= AsciiBlock.Length)
            {
                first = AsciiBlock.Length - remaining;
                block = text[^AsciiBlock.Length..];
            }
            else
            {
                // Code units past the end of the text are left out of the count; the copy only keeps the loads in bounds.
                text[(i - first)..].CopyTo(padded);
                block = padded;
            }

            // The next block's position depends only on where the characters this one can count end, not on their classes.
            ulong uncountable = TUnits.Load(block, out TBlock loaded);
            int countable = Math.Min(Math.Min(remaining, AsciiBlock.Length - first), BitOperations.TrailingZeroCount(uncountable >> first));
            if (countable > 0)
            {
                counter.AddBlock(in loaded, first, countable);
                i += countable;
                continue;
            }

            // From a character a block cannot count, one character at a time until a run long enough for a block starts: text
            // with such characters every few (Vietnamese, Polish) would otherwise load a block for every few.
            ResumeByCharacter<TUnit, TUnits>(ref counter, text, i);
            i = TUnits.AddRun(ref counter, text, i);
        }

        if (i == text.Length)
        {
            return counter.Sum;
        }

        ResumeByCharacter<TUnit, TUnits>(ref counter, text, i);
        TUnits.AddRest(ref counter, text[i..]);
        return counter.Sum;
    }

    /// <summary>Gives the counter, before it goes on one character at a time, the two characters before <paramref name="index"/>, which a block does not record.</summary>
    private static void ResumeByCharacter<TUnit, TUnits>(ref TextCounter counter, ReadOnlySpan<TUnit> text, int index)
        where TUnit : unmanaged
        where TUnits : struct, ITextUnits<TUnit> =>
        counter.ResumeAfter(index >= 1 ? TUnits.At(text, index - 1) : TextCounter.AsciiLimit, index >= 2 ? TUnits.At(text, index - 2) : TextCounter.AsciiLimit);

    /// <summary>What <see cref="Count{TUnit, TUnits, TBlock}"/> needs to know of an encoding's code units.</summary>
    private interface ITextUnits<TUnit>
        where TUnit : unmanaged
    {
        static abstract ulong Load<TBlock>(ReadOnlySpan<TUnit> units, out TBlock block)
            where TBlock : struct, IAsciiBlock<TBlock>;

        /// <summary>The code unit at <paramref name="index"/>, as a number.</summary>
        static abstract int At(ReadOnlySpan<TUnit> text, int index);

        /// <summary>
        /// Counts from <paramref name="start"/>, a character a block cannot count, one character at a time: only that character
        /// when <see cref="TextCounter.RunForBlock"/> code units a block can count follow it, else until that many have gone by
        /// or the text ends; returns where it stopped.
        /// </summary>
        static abstract int AddRun(ref TextCounter counter, ReadOnlySpan<TUnit> text, int start);

        /// <summary>Counts the whole of <paramref name="text"/> one character at a time.</summary>
        static abstract void AddRest(ref TextCounter counter, ReadOnlySpan<TUnit> text);
    }

    private readonly struct Utf16Units : ITextUnits<char>
    {
        public static ulong Load<TBlock>(ReadOnlySpan<char> units, out TBlock block)
            where TBlock : struct, IAsciiBlock<TBlock> => TBlock.Load(units, out block);

        public static int At(ReadOnlySpan<char> text, int index) => text[index];

        [MethodImpl(MethodImplOptions.NoInlining)]
        public static int AddRun(ref TextCounter counter, ReadOnlySpan<char> text, int start)
        {
            // A character a block cannot count among ones it can (a Polish letter in a sentence, a dash) goes back to blocks at
            // once when such characters follow; in a script outside Latin-1 (Vietnamese, Chinese) the loop stays here until a
            // run of them as long has gone by, counted in a register rather than looked ahead for at every character. A local
            // copy of the counter keeps its fields in registers.
            TextCounter local = counter;
            int i = start;
            local.AddNonAscii(text[i++]);
            if (BlockFollows(text, i))
            {
                counter = local;
                return i;
            }

            int countable = 0;
            while (i < text.Length && countable < TextCounter.RunForBlock)
            {
                // A surrogate pair is counted as its two halves: the high one carries the weight, the low one none.
                char c = text[i++];
                if (c < TextCounter.AsciiLimit)
                {
                    local.AddAscii(c);
                    countable++;
                }
                else
                {
                    local.AddNonAscii(c);
                    countable = c < TextCounter.BlockLimit ? countable + 1 : 0;
                }
            }

            counter = local;
            return i;
        }

        /// <summary>Whether the <see cref="TextCounter.RunForBlock"/> code units from <paramref name="index"/> are all ones a block counts.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static bool BlockFollows(ReadOnlySpan<char> text, int index)
        {
            if (text.Length - index < TextCounter.RunForBlock)
            {
                return false;
            }

            ref ushort units = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(text));
            Vector128<ushort> limit = Vector128.Create((ushort)TextCounter.BlockLimit);
            return Vector128.LessThanAll(Vector128.LoadUnsafe(ref units, (nuint)index), limit)
                && Vector128.LessThanAll(Vector128.LoadUnsafe(ref units, (nuint)index + 8), limit);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        public static void AddRest(ref TextCounter counter, ReadOnlySpan<char> text)
        {
            TextCounter local = counter;
            for (int i = 0; i < text.Length; i++)
            {
                local.Add(text[i]);
            }

            counter = local;
        }
    }

    private readonly struct Utf8Units : ITextUnits<byte>
    {
        public static ulong Load<TBlock>(ReadOnlySpan<byte> units, out TBlock block)
            where TBlock : struct, IAsciiBlock<TBlock> => TBlock.Load(units, out block);

        public static int At(ReadOnlySpan<byte> text, int index) => text[index];

        [MethodImpl(MethodImplOptions.NoInlining)]
        public static int AddRun(ref TextCounter counter, ReadOnlySpan<byte> text, int start)
        {
            // As for UTF-16, but blocks count only ASCII here, and a character outside it is counted whole.
            int i = start + AddCharacter(ref counter, text[start..]);
            if (AsciiFollows(text, i))
            {
                return i;
            }

            int ascii = 0;
            while (i < text.Length && ascii < TextCounter.RunForBlock)
            {
                if (text[i] < TextCounter.AsciiLimit)
                {
                    counter.AddAscii((char)text[i++]);
                    ascii++;
                }
                else
                {
                    i += AddCharacter(ref counter, text[i..]);
                    ascii = 0;
                }
            }

            return i;
        }

        /// <summary>Whether the <see cref="TextCounter.RunForBlock"/> bytes from <paramref name="index"/> are all ASCII.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static bool AsciiFollows(ReadOnlySpan<byte> text, int index) =>
            text.Length - index >= TextCounter.RunForBlock
            && (Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(text), (nuint)index) & Vector128.Create((byte)0x80)) == Vector128<byte>.Zero;

        [MethodImpl(MethodImplOptions.NoInlining)]
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
                tally.Tokens += ToolOverhead;
                tally.Hundredths += ToolCounts.Count(tools[i]);
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
    /// Counts text in hundredths of a token, following how OpenAI's o200k tokenizer splits text before it merges: runs of letters,
    /// digits in groups of three, runs of punctuation and runs of whitespace each become tokens of their own. A word (a run of
    /// Latin letters, split where a lower-case letter is followed by an upper-case one, as in camelCase) costs one token,
    /// charged at its first letter; the rules below price what a tokenizer does with the rest.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Charging everything where it starts, not where it ends, lets a block of 64 characters (ASCII, and Latin-1 in UTF-16) be
    /// counted from bit masks (<see cref="AddBlock"/>) that see the two characters before it, with little state carried between blocks and single
    /// characters: the letters so far of the current word, the position in a run of digits, and whether the current run of
    /// letters and digits looks random. One character at a time, the counter also keeps the classes of the two characters
    /// before, which a block does not need.
    /// </para>
    /// <para>
    /// Every weight was measured against o200k: on the test corpus, and on texts kept out of it (compiler messages in 13
    /// languages, random base64, hex, keys and numbers, this repository's code and documentation), so that the rules are the
    /// tokenizer's, not the corpus's.
    /// </para>
    /// </remarks>
    private struct TextCounter
    {
        internal const int MinimumBlock = 16;

        /// <summary>How many code units before the first it counts a block is loaded from, to see the classes of the characters before.</summary>
        internal const int Context = 2;

        /// <summary>How many code units in a row that a block counts, after one it does not, make loading a block worthwhile again.</summary>
        internal const int RunForBlock = 16;
        internal const char AsciiLimit = (char)128;

        /// <summary>The first UTF-16 code unit a block cannot count: blocks count ASCII and, in UTF-16, Latin-1.</summary>
        internal const char BlockLimit = '\u00FF';

        /// <summary>
        /// The most a single UTF-16 code unit can add, in hundredths: a Central European letter inside a word (230), then a high
        /// surrogate (220) and a number after a space (190); a letter adds at most 100 (a word) or 78 (a long, random-looking
        /// word), and punctuation and whitespace at most 100.
        /// </summary>
        internal const int MostPerCharacter = CentralEuropeanLetterWeight > SupplementaryWeight ? CentralEuropeanLetterWeight : SupplementaryWeight;

        /// <summary>A character outside the Basic Multilingual Plane (an emoji): two or three tokens, charged at its high surrogate.</summary>
        private const int SupplementaryWeight = 220;

        /// <summary>A whole token, in hundredths: what a word, a group of digits, a run of punctuation or of whitespace costs.</summary>
        private const int TokenWeight = 100;
        private const int WordWeight = TokenWeight;

        /// <summary>A word right after punctuation: tokenizers merge the two about half the time (".com", "(string", "_id").</summary>
        private const int WordAfterPunctuationWeight = 50;
        private const int WordFreeLetters = 8;

        /// <summary>Each letter of a word beyond the eighth: common words are held whole, long ones split.</summary>
        private const int LongWordLetterWeight = 33;

        /// <summary>
        /// Each letter after the first of a word in a random-looking run of letters and digits (base64, keys, hashes): one that has
        /// had a letter next to a digit, or a second capital right after a camel-case hump ("xQZ"). Tokenizers have no words for
        /// such runs and split them every one to three characters.
        /// </summary>
        private const int MixedLetterWeight = 45;

        /// <summary>An accented Latin letter (French, German, Spanish, Vietnamese): it stays inside its word and costs a little extra.</summary>
        private const int AccentedLetterWeight = 30;

        /// <summary>A symbol or space of Latin-1 (° © « » and the no-break space), as <see cref="BuildScriptWeights"/> has it.</summary>
        private const int LatinSymbolWeight = 50;

        /// <summary>
        /// A letter of Latin Extended-A (Polish ł ś ż, Czech ř ě, Turkish ı ş ğ) inside a word, except the few Vietnamese uses:
        /// o200k has far fewer words of these languages and splits them at such letters and elsewhere, so a word that has one
        /// is not charged for its length as well.
        /// </summary>
        private const int CentralEuropeanLetterWeight = 230;

        /// <summary>The first digit of each group of three in a run of digits: o200k splits numbers so, from the left.</summary>
        private const int DigitGroupWeight = TokenWeight;

        /// <summary>A space or tab before a number: o200k keeps it as a token of its own, where it joins the next word or punctuation.</summary>
        private const int SpaceBeforeNumberWeight = 90;

        /// <summary>Punctuation after anything but punctuation; a run of it is mostly one token, so the rest cost little.</summary>
        private const int PunctuationWeight = TokenWeight;
        private const int PunctuationRunWeight = 10;

        /// <summary>A line break after a letter, digit or other character; after punctuation or whitespace it joins their token.</summary>
        private const int NewlineWeight = TokenWeight;
        private const int JoinedNewlineWeight = 10;

        /// <summary>
        /// Spaces and tabs: one alone joins the word after it and costs nothing; a run (an indentation after a line break, or two
        /// or more in a line) is one token more, however long.
        /// </summary>
        private const int SpaceRunWeight = TokenWeight;
        private const int LongSpaceRunWeight = 2;

        // Character classes, indexes into the history of the two characters before.
        private const int LowerClass = 0;
        private const int UpperClass = 1;
        private const int DigitClass = 2;
        private const int BlankClass = 3;
        private const int NewlineClass = 4;
        private const int PunctuationClass = 5;

        /// <summary>The bits of <see cref="_history"/> that describe the character before the previous one.</summary>
        private const uint BeforePreviousBits = 0x5555;

        /// <summary>The history bits of spaces, line breaks and punctuation, which decide what one of them costs.</summary>
        private const int SeparatorHistoryBits = 6;
        private const uint SeparatorHistoryMask = (1 << SeparatorHistoryBits) - 1;

        /// <summary>What a space, a line break or punctuation costs after the characters before it; see <see cref="BuildSeparatorWeights"/>.</summary>
        private static readonly byte[] SeparatorWeights = BuildSeparatorWeights();

        /// <summary>The weights of each block of 16 UTF-16 code units outside ASCII; see <see cref="BuildScriptWeights"/>.</summary>
        private static readonly ushort[] ScriptWeights = BuildScriptWeights();

        public long Sum;

        /// <summary>The letters so far of the Latin word the last character belongs to; 0 when it was not a Latin letter.</summary>
        private int _wordLetters;

        /// <summary>
        /// The classes of the last two characters: bit 2 × class + 1 for the last, bit 2 × class for the one before. Characters
        /// outside ASCII have no class.
        /// </summary>
        private uint _history;

        /// <summary>The digits so far of the current run, modulo 3; 0 when the last character was not a digit.</summary>
        private int _digitPhase;

        /// <summary>Whether the last character belongs to a random-looking run of ASCII letters and digits.</summary>
        private bool _mixedRun;

        /// <summary>Whether the current word has a letter outside ASCII, so its length is not charged.</summary>
        private bool _foreignWord;

        /// <summary>
        /// The <see cref="ScriptWeights"/> entry of the last character outside ASCII when it was a letter of a script that forms
        /// words, else 0; it continues a word only when no ASCII character came after it (the history has no class for the last).
        /// </summary>
        private int _scriptLetter;

        /// <summary>The class of each ASCII character: 0 lower case, 1 upper case, 2 digit, 3 space or tab, 4 line break, 5 other.</summary>
        private static ReadOnlySpan<byte> AsciiClasses =>
        [
            5, 5, 5, 5, 5, 5, 5, 5, 5, 3, 4, 4, 4, 4, 5, 5,
            5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
            3, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
            2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 5, 5, 5, 5, 5, 5,
            5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
            1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 5, 5, 5, 5, 5,
            5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 5, 5, 5, 5,
        ];

        /// <summary>The <see cref="_history"/> bits of a character of each class, as the last one.</summary>
        private static ReadOnlySpan<ushort> HistoryBits =>
        [
            1 << ((2 * LowerClass) + 1),
            1 << ((2 * UpperClass) + 1),
            1 << ((2 * DigitClass) + 1),
            1 << ((2 * BlankClass) + 1),
            1 << ((2 * NewlineClass) + 1),
            1 << ((2 * PunctuationClass) + 1),
        ];

        /// <summary>Sets the classes of the last two characters, before counting goes on one character at a time after a block.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void ResumeAfter(int previous, int beforePrevious) =>
            _history = (((beforePrevious < AsciiLimit ? HistoryBits[AsciiClasses[beforePrevious]] : 0u) >> 1) & BeforePreviousBits)
                | (previous < AsciiLimit ? HistoryBits[AsciiClasses[previous]] : 0u);

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
            int kind = AsciiClasses[c];
            uint history = _history;
            _history = ((history >> 1) & BeforePreviousBits) | HistoryBits[kind];
            if (kind <= UpperClass)
            {
                AddAsciiLetter(history, kind == UpperClass);
                return;
            }

            _wordLetters = 0;
            if (kind == DigitClass)
            {
                if (_digitPhase == 0)
                {
                    Sum += DigitGroupWeight + (Was(history, BlankClass) ? SpaceBeforeNumberWeight : 0);
                }

                _digitPhase = _digitPhase == 2 ? 0 : _digitPhase + 1;
                _mixedRun |= Was(history, LowerClass) || Was(history, UpperClass);
                return;
            }

            _digitPhase = 0;
            _mixedRun = false;
            Sum += SeparatorWeights[((kind - BlankClass) << SeparatorHistoryBits) | (int)((history >> (2 * BlankClass)) & SeparatorHistoryMask)];
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void AddAsciiLetter(uint history, bool upper)
        {
            bool startsWord = (_wordLetters == 0) | (upper & Was(history, LowerClass));
            AddLetter(history, startsWord, foreign: false);

            // A letter next to a digit, or a second capital after a camel-case hump, makes the run random-looking.
            const uint HumpThenCapital = (1u << ((2 * UpperClass) + 1)) | (1u << (2 * LowerClass));
            if (_mixedRun || Was(history, DigitClass) || (upper && (history & HumpThenCapital) == HumpThenCapital))
            {
                _mixedRun = true;
                Sum += startsWord ? 0 : MixedLetterWeight;
            }

            _digitPhase = 0;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void AddNonAscii(char c)
        {
            uint history = _history;
            _history = (history >> 1) & BeforePreviousBits;
            _digitPhase = 0;
            _mixedRun = false;
            int latin = LatinLetter(c);
            if (latin != NotLatinLetter)
            {
                // An accented letter continues a word (it never starts a camel-case hump), and the word is no longer charged for length.
                bool startsWord = _wordLetters == 0;
                AddLetter(history, startsWord, foreign: true);
                Sum += !startsWord && latin == CentralEuropeanLetter ? CentralEuropeanLetterWeight : AccentedLetterWeight;
                _scriptLetter = 0;
                return;
            }

            _wordLetters = 0;
            int weights = ScriptWeights[c >> 4];
            Sum += weights == _scriptLetter && (history & ~BeforePreviousBits) == 0 ? weights >> 8 : weights & 0xFF;
            _scriptLetter = weights > 0xFF ? weights : 0;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void AddLetter(uint history, bool startsWord, bool foreign)
        {
            if (startsWord)
            {
                Sum += WordWeight - ((WordWeight - WordAfterPunctuationWeight) * (int)((history >> Bit(PunctuationClass)) & 1));
                _wordLetters = 1;
                _foreignWord = foreign;
                return;
            }

            _foreignWord |= foreign;
            if (++_wordLetters > WordFreeLetters && !_foreignWord)
            {
                Sum += LongWordLetterWeight;
            }
        }

        /// <summary>
        /// Counts <paramref name="count"/> characters of a block of 64 (ASCII, and Latin-1 in UTF-16), from position
        /// <paramref name="first"/>: each class of character becomes a 64-bit mask and each charge a population count, so little
        /// branches on the text. The characters before <paramref name="first"/> are the ones before the counted ones in the text
        /// (none at its start), read for their classes only. Gives the count <see cref="Add"/> gives one character at a time.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void AddBlock<TBlock>(in TBlock block, int first, int count)
            where TBlock : struct, IAsciiBlock<TBlock>
        {
            // Masks of the whole block; Counted(m) has bit i for counted character i, Previous(m) for the character before it
            // and BeforePrevious(m) for the one before that. Characters outside ASCII belong to none of the classes of ASCII.
            // Each class is taken from the vectors where it is needed, so that few masks are alive at once.
            ulong valid = ulong.MaxValue >> (AsciiBlock.Length - count);
            long sum = AddSeparators(in block, first, valid, out ulong previousPunctuation, out ulong previousBlank);

            // Accented letters and symbols of Latin-1, which only UTF-16 text brings to a block (in UTF-8 they take two bytes and
            // are counted one character at a time).
            ulong latinLetterAll = 0;
            ulong foreign = 0;
            if (block.InRange(0x80, 0x7F) != 0)
            {
                sum += AddLatin(in block, first, valid, out latinLetterAll, out foreign);
            }

            // Words: a letter after a non-letter, or an upper-case letter after a lower-case one, starts one; a word right after
            // punctuation costs less. A letter outside ASCII just before the block continues a word.
            ulong lowerAll = block.InRange((byte)'a', 26);
            ulong upperAll = block.InRange((byte)'A', 26);
            ulong lower = Counted(lowerAll, first, valid);
            ulong upper = Counted(upperAll, first, valid);
            ulong previousLower = Previous(lowerAll, first);
            ulong previousUpper = Previous(upperAll, first);
            ulong letter = lower | upper | foreign;
            ulong previousLetter = previousLower | previousUpper | Previous(latinLetterAll, first) | (_wordLetters > 0 ? 1UL : 0);
            ulong start = letter & ~(previousLetter & ~(upper & previousLower));
            ulong continuing = letter & ~start;

            // The letters of a word from its first accented letter on are not charged for its length: adding the accented letters
            // to the word's letters carries through the rest of the word, up to the next start.
            ulong longWord = LongWordLetters(continuing);
            if (foreign != 0)
            {
                ulong words = continuing | foreign;
                foreign |= words & ~(words + foreign);
                longWord &= ~foreign;
            }

            sum += (WordWeight * (long)ulong.PopCount(start))
                - ((WordWeight - WordAfterPunctuationWeight) * (long)ulong.PopCount(start & previousPunctuation))
                + (LongWordLetterWeight * (long)ulong.PopCount(longWord));

            // Digits, and random-looking runs of letters and digits.
            ulong digitAll = block.InRange((byte)'0', 10);
            ulong mixed = 0;
            int digitPhase = 0;
            if ((digitAll | (upperAll & (upperAll << 1)) | (_mixedRun ? 1UL : 0)) != 0)
            {
                sum += AddNumbersAndRandomRuns(digitAll, lowerAll, upperAll, first, count, previousBlank, continuing, out mixed, out digitPhase);
            }

            Sum += sum;

            // The word the block ends in started at the last start (a letter after a non-letter is always a start); none when the
            // block ends in a non-letter.
            int last = count - 1;
            int wordLetters = start == 0 ? _wordLetters + count : count - (AsciiBlock.Length - 1 - BitOperations.LeadingZeroCount(start));
            _wordLetters = wordLetters & -(int)((letter >> last) & 1);
            _foreignWord = ((foreign >> last) & 1) != 0 || (_foreignWord && continuing == valid);
            _mixedRun = ((mixed >> last) & 1) != 0;
            _digitPhase = digitPhase;
            _scriptLetter = 0;
        }

        /// <summary>
        /// Charges a block's whitespace and punctuation; gives the masks of punctuation and of spaces before each counted
        /// character, which later charges need. Each weight takes one population count, the charges of one weight falling on
        /// different characters.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static long AddSeparators<TBlock>(in TBlock block, int first, ulong valid, out ulong previousPunctuation, out ulong previousBlank)
            where TBlock : struct, IAsciiBlock<TBlock>
        {
            ulong punctuationAll = block.Other();
            ulong blankAll = block.EqualTo((byte)' ') | block.EqualTo((byte)'\t');
            ulong newlineAll = block.InRange((byte)'\n', 4);
            previousPunctuation = Previous(punctuationAll, first);
            previousBlank = Previous(blankAll, first);
            ulong punctuation = Counted(punctuationAll, first, valid);
            ulong newline = Counted(newlineAll, first, valid);
            ulong blank = Counted(blankAll, first, valid);
            ulong joined = previousPunctuation | Previous(blankAll | newlineAll, first);
            ulong blankRun = blank & previousBlank;
            ulong beforePreviousWhitespace = BeforePrevious(blankAll | newlineAll, first);
            return (TokenWeight * (long)ulong.PopCount((punctuation & ~previousPunctuation) | (newline & ~joined)
                    | (blank & Previous(newlineAll, first)) | (blankRun & ~beforePreviousWhitespace)))
                + (PunctuationRunWeight * (long)ulong.PopCount((punctuation & previousPunctuation) | (newline & joined)))
                + (LongSpaceRunWeight * (long)ulong.PopCount(blankRun & beforePreviousWhitespace));
        }

        /// <summary>Charges a block's Latin-1 letters and symbols; gives the mask of its Latin-1 letters and those counted.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static long AddLatin<TBlock>(in TBlock block, int first, ulong valid, out ulong latinLetterAll, out ulong latinLetter)
            where TBlock : struct, IAsciiBlock<TBlock>
        {
            latinLetterAll = block.InRange(0xC0, 0x3F) & ~(block.EqualTo(0xD7) | block.EqualTo(0xF7));
            latinLetter = Counted(latinLetterAll, first, valid);
            return (AccentedLetterWeight * (long)ulong.PopCount(latinLetter))
                + (LatinSymbolWeight * (long)ulong.PopCount(Counted(block.InRange(0x80, 0x7F) & ~latinLetterAll, first, valid)));
        }

        /// <summary>
        /// Charges a block's digits, a group of three at a time, and the letters of its random-looking runs of letters and
        /// digits: a letter next to a digit, or a second capital after a camel-case hump, marks one. Adding a run's first marker
        /// to the mask of letters and digits carries through the rest of its run and clears it, so the run's bits from the
        /// marker on are the ones the sum no longer has.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private readonly long AddNumbersAndRandomRuns(
            ulong digitAll, ulong lowerAll, ulong upperAll, int first, int count, ulong previousBlank, ulong continuing, out ulong mixed, out int digitPhase)
        {
            ulong valid = ulong.MaxValue >> (AsciiBlock.Length - count);
            ulong digit = Counted(digitAll, first, valid);
            ulong previousDigit = Previous(digitAll, first);
            ulong previousLower = Previous(lowerAll, first);
            ulong previousUpper = Previous(upperAll, first);
            ulong letter = Counted(lowerAll | upperAll, first, valid);
            ulong upper = Counted(upperAll, first, valid);
            ulong alphanumeric = letter | digit;
            ulong markers = (letter & previousDigit) | (digit & (previousLower | previousUpper))
                | (upper & previousUpper & BeforePrevious(lowerAll, first)) | (_mixedRun ? alphanumeric & 1 : 0);
            mixed = (alphanumeric & ~(alphanumeric + markers)) | markers;
            long sum = MixedLetterWeight * (long)ulong.PopCount(mixed & continuing);
            digitPhase = 0;
            if (digit != 0)
            {
                digitPhase = DigitPhase(digit, valid, count - 1);
                sum += (DigitGroupWeight * (long)ulong.PopCount(DigitGroups(digit, previousDigit)))
                    + (SpaceBeforeNumberWeight * (long)ulong.PopCount(digit & previousBlank));
            }

            return sum;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static ulong Counted(ulong all, int first, ulong valid) => (all >> first) & valid;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static ulong Previous(ulong all, int first) => (all << 1) >> first;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static ulong BeforePrevious(ulong all, int first) => (all << 2) >> first;

        /// <summary>
        /// The letters past the eighth of their word: those that, with the seven before them, all continue a word. Three steps
        /// double the stretch checked (2, 4, 8 letters), taking the letters carried in before the block into account; the letters
        /// of a word carried in that has a letter outside ASCII are left out.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private readonly ulong LongWordLetters(ulong continuing)
        {
            // The letters before the block that continue its first word (at most seven matter) enter each step as the bits it
            // shifts in: one for the stretch of 2, two for 4, four for 8.
            uint carried = CarriedLetters[(int)Math.Min((uint)_wordLetters, WordFreeLetters)];
            ulong two = continuing & ((continuing << 1) | (carried & 1));
            ulong four = two & ((two << 2) | ((carried >> 8) & 3));
            ulong eight = four & ((four << 4) | (carried >> 16));
            return eight & (_foreignWord ? continuing + 1 : ulong.MaxValue);
        }

        /// <summary>
        /// For a word of n letters before a block (n up to 8), the bits each step of <see cref="LongWordLetters"/> shifts in: the
        /// n - 1 letters that continue it, as stretches of 1 (bit 0), 2 (bits 8 and 9) and 4 (bits 16 to 19) ending at each of
        /// the positions just before the block.
        /// </summary>
        private static ReadOnlySpan<uint> CarriedLetters =>
        [
            0x00_00_00, 0x00_00_00, 0x00_00_01, 0x00_02_01, 0x00_03_01, 0x08_03_01, 0x0C_03_01, 0x0E_03_01, 0x0F_03_01,
        ];

        /// <summary>
        /// The first digit of every group of three, counted from the start of each run of digits (a run carried into the block
        /// continues its groups): each step adds the starts a further 3, 6, 12, 24 and 48 digits on within the same run.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private readonly ulong DigitGroups(ulong digit, ulong previousDigit)
        {
            ulong groups = digit & ~previousDigit;
            if ((previousDigit & 1) != 0)
            {
                int first = _digitPhase == 0 ? 0 : 3 - _digitPhase;
                groups |= digit & ~(digit + 1) & (1UL << first);
            }

            ulong run = digit & (digit << 1) & (digit << 2);
            groups |= (groups << 3) & run;
            run &= run << 3;
            groups |= (groups << 6) & run;
            run &= run << 6;
            groups |= (groups << 12) & run;
            run &= run << 12;
            groups |= (groups << 24) & run;
            run &= run << 24;
            return groups | ((groups << 48) & run);
        }

        /// <summary>The digits of the run the block ends in, modulo 3, counting those carried in; 0 when it ends in a non-digit.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private readonly int DigitPhase(ulong digit, ulong valid, int last)
        {
            if (((digit >> last) & 1) == 0)
            {
                return 0;
            }

            ulong others = valid & ~digit;
            int run = others == 0 ? _digitPhase + last + 1 : last - (AsciiBlock.Length - 1 - BitOperations.LeadingZeroCount(others));
            return run % 3;
        }

        private static int Bit(int characterClass) => (2 * characterClass) + 1;

        private static bool Was(uint history, int characterClass) => ((history >> Bit(characterClass)) & 1) != 0;

        private static bool WasBefore(uint history, int characterClass) => ((history >> (2 * characterClass)) & 1) != 0;

        // What LatinLetter says of a character.
        private const byte NotLatinLetter = 0;
        private const byte AccentedLetter = 1;
        private const byte CentralEuropeanLetter = 2;

        /// <summary>
        /// The kind of each character from U+00C0 to U+024F: accented Latin letters, which tokenizers keep inside the word they
        /// belong to, and among them the Central European ones: Latin Extended-A less Ă ă Đ đ Ĩ ĩ Ũ ũ, which Vietnamese writes
        /// with and o200k knows well. Not letters: × and ÷.
        /// </summary>
        private static readonly byte[] LatinLetters = BuildLatinLetters();

        /// <summary>Whether <paramref name="c"/> is an accented Latin letter, and whether a Central European one; see <see cref="LatinLetters"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static int LatinLetter(char c) =>
            (uint)(c - '\u00C0') < (uint)LatinLetters.Length ? LatinLetters[c - '\u00C0']
            : c is >= '\u1E00' and <= '\u1EFF' ? AccentedLetter // Latin Extended Additional: Vietnamese
            : NotLatinLetter;

        private static byte[] BuildLatinLetters()
        {
            var kinds = new byte['\u0250' - '\u00C0'];
            for (char c = '\u00C0'; c < '\u0250'; c++)
            {
                kinds[c - '\u00C0'] = c switch
                {
                    '\u00D7' or '\u00F7' => NotLatinLetter,
                    >= '\u0100' and <= '\u017F' and not ('\u0102' or '\u0103' or '\u0110' or '\u0111' or '\u0128' or '\u0129' or '\u0168' or '\u0169') => CentralEuropeanLetter,
                    _ => AccentedLetter,
                };
            }

            return kinds;
        }

        /// <summary>
        /// The weight of a space or tab, a line break and punctuation, for every history of the two characters before: the
        /// character-at-a-time form of the rules <see cref="AddBlock"/> applies with masks, read in one step. Indexed by the
        /// class (less <see cref="BlankClass"/>) and the history bits of the blank, line-break and punctuation classes.
        /// </summary>
        private static byte[] BuildSeparatorWeights()
        {
            var weights = new byte[3 << SeparatorHistoryBits];
            for (uint bits = 0; bits <= SeparatorHistoryMask; bits++)
            {
                uint history = bits << (2 * BlankClass);
                bool afterBlank = Was(history, BlankClass);
                bool afterNewline = Was(history, NewlineClass);
                bool afterPunctuation = Was(history, PunctuationClass);
                bool whitespaceBefore = WasBefore(history, BlankClass) || WasBefore(history, NewlineClass);
                weights[bits] = (byte)(afterNewline ? SpaceRunWeight : !afterBlank ? 0 : whitespaceBefore ? LongSpaceRunWeight : SpaceRunWeight);
                weights[(1 << SeparatorHistoryBits) | bits] = (byte)(afterPunctuation || afterBlank || afterNewline ? JoinedNewlineWeight : NewlineWeight);
                weights[(2 << SeparatorHistoryBits) | bits] = (byte)(afterPunctuation ? PunctuationRunWeight : PunctuationWeight);
            }

            return weights;
        }

        /// <summary>
        /// Script weights for every block of 16 UTF-16 code units, read in one step: all the script boundaries below fall on
        /// multiples of 16. Each triple is the first code unit of a range, the weight of a character in it, and for a script
        /// that separates words with spaces the weight of a letter that continues a word (the first letter costs a token, as a
        /// Latin word does); 0 for scripts whose characters are charged one by one. A range runs to the next triple.
        /// </summary>
        /// <remarks>Each entry holds the continuing weight in its high byte and the first weight in its low byte.</remarks>
        private static ushort[] BuildScriptWeights()
        {
            ReadOnlySpan<int> ranges =
            [
                0x0000, LatinSymbolWeight, 0,   // Latin-1 symbols and the no-break space (letters are counted as words before this table)
                0x0250, 60, 0,      // IPA, spacing modifiers, combining diacritics
                0x0370, 100, 26,    // Greek
                0x0400, 100, 12,    // Cyrillic
                0x0530, 100, 40,    // Armenian
                0x0590, 100, 24,    // Hebrew
                0x0600, 100, 13,    // Arabic, Syriac, Thaana and Arabic supplements
                0x0900, 100, 13,    // Indic scripts, Devanagari to Sinhala
                0x0E00, 50, 0,      // Thai, Lao, Tibetan, Myanmar, Georgian
                0x1100, 75, 0,      // Hangul Jamo
                0x1200, 100, 0,     // Ethiopic and other less common scripts (Vietnamese letters are counted as words)
                0x1F00, 100, 26,    // Greek Extended
                0x2000, 70, 0,      // punctuation (dashes, curly quotes, ellipsis), symbols, arrows, math
                0x2600, 130, 0,     // miscellaneous symbols and dingbats, drawn as emoji (☕ ✅ ❤)
                0x27C0, 70, 0,      // math symbols and arrows
                0x2E80, 75, 0,      // CJK radicals and punctuation
                0x3040, 75, 0,      // Hiragana, Katakana
                0x3100, 75, 0,      // CJK ideographs
                0xA000, 100, 0,     // Yi and other less common scripts
                0xAC00, 100, 45,    // Hangul syllables
                0xD800, SupplementaryWeight, 0,     // a high surrogate stands for a whole supplementary character (an emoji: two or three tokens)
                0xDC00, 0, 0,       // its low surrogate was counted with the high one
                0xE000, 100, 0,     // private use
                0xF900, 75, 0,      // CJK compatibility ideographs
                0xFB00, 60, 0,      // presentation forms
                0xFE00, 40, 0,      // variation selectors (emoji presentation)
                0xFE10, 60, 0,
                0xFF00, 70, 0,      // full-width forms
                0xFFF0, 60, 0,
            ];

            var weights = new ushort[0x10000 >> 4];
            for (int i = 0; i < ranges.Length; i += 3)
            {
                int end = i + 3 < ranges.Length ? ranges[i + 3] : 0x10000;
                weights.AsSpan((ranges[i] >> 4)..(end >> 4)).Fill((ushort)((ranges[i + 2] << 8) | ranges[i + 1]));
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
