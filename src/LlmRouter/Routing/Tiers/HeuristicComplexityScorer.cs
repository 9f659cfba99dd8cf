using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// The built-in <see cref="IComplexityScorer"/>: one pass over the last user message's text, counting length, code, math,
/// reasoning and analysis words, list items and sequencing words; the rules are documented on <see cref="ComplexityScorers.Default"/>.
/// </summary>
/// <remarks>Stateless, thread-safe and allocation-free: words are lower-cased into a stack buffer and matched by a switch.</remarks>
internal sealed class HeuristicComplexityScorer : IComplexityScorer
{
    internal const int SimpleBelow = 20;
    internal const int MediumBelow = 45;
    internal const int ComplexBelow = 75;

    private const int MaxWordLength = 24;

    private HeuristicComplexityScorer()
    {
    }

    public static HeuristicComplexityScorer Instance { get; } = new();

    public string Name => ComplexityScorers.Heuristic;

    public ComplexityScore Score(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        ArgumentNullException.ThrowIfNull(messages);

        ChatMessage? last = null;
        int earlier = 0;
        int counted = 0;
        if (messages is IList<ChatMessage> list)
        {
            for (int i = 0; i < list.Count; i++)
            {
                Note(list[i], ref last, ref earlier, ref counted);
            }
        }
        else
        {
            foreach (ChatMessage message in messages)
            {
                Note(message, ref last, ref earlier, ref counted);
            }
        }

        var features = default(Features);
        if (last is not null)
        {
            IList<AIContent> contents = last.Contents;
            for (int i = 0; i < contents.Count; i++)
            {
                if (contents[i] is TextContent { Text: { Length: > 0 } text })
                {
                    Scan(text, ref features);
                    features.EndLine();
                }
            }
        }

        int score = features.Points();
        if (options?.Tools is { Count: > 0 } tools)
        {
            score += Math.Min(10, 5 + tools.Count - 1);
        }

        if (options?.ResponseFormat is ChatResponseFormatJson { Schema: not null })
        {
            score += 5;
        }

        score += Math.Min(10, 2 * earlier);
        score = Math.Min(100, score);

        ComplexityTier tier = score < SimpleBelow ? ComplexityTier.Simple
            : score < MediumBelow ? ComplexityTier.Medium
            : score < ComplexBelow ? ComplexityTier.Complex
            : ComplexityTier.Reasoning;
        int reasoning = features.ReasoningCount;
        if (reasoning >= 2)
        {
            tier = ComplexityTier.Reasoning;
        }
        else if (reasoning == 1 && tier < ComplexityTier.Complex)
        {
            tier = ComplexityTier.Complex;
        }

        return new ComplexityScore(score, tier);
    }

    /// <summary>Keeps the last user message and counts the non-system messages before it.</summary>
    private static void Note(ChatMessage message, ref ChatMessage? last, ref int earlier, ref int counted)
    {
        if (message.Role == ChatRole.System)
        {
            return;
        }

        if (message.Role == ChatRole.User)
        {
            last = message;
            earlier = counted;
        }

        counted++;
    }

    private static void Scan(string text, ref Features features)
    {
        Span<char> word = stackalloc char[MaxWordLength];
        int length = 0;
        bool overlong = false;
        features.Characters += text.Length;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsAsciiLetter(c))
            {
                if (length < MaxWordLength)
                {
                    word[length++] = (char)(c | 0x20);
                }
                else
                {
                    overlong = true;
                }

                features.LineHasText = true;
                features.LastSignificant = c;
                continue;
            }

            if (length > 0)
            {
                if (!overlong)
                {
                    features.Word(word[..length]);
                }

                length = 0;
                overlong = false;
            }

            switch (c)
            {
                case '\n':
                    features.EndLine();
                    continue;
                case '\r' or ' ' or '\t':
                    features.AtLineStart(c, text, i);
                    continue;
                case '`' when i + 2 < text.Length && text[i + 1] == '`' && text[i + 2] == '`':
                    features.Fence = true;
                    break;
                case '$' when i + 1 < text.Length && text[i + 1] == '$':
                    features.MathNotation = true;
                    break;
                case '\\' when i + 3 < text.Length && char.IsAsciiLetterLower(text[i + 1]) && char.IsAsciiLetterLower(text[i + 2]) && char.IsAsciiLetterLower(text[i + 3]):
                    features.MathNotation = true;
                    break;
                case '∑' or '∫' or '√' or '∞' or '≤' or '≥' or '≠' or '∂':
                    features.MathNotation = true;
                    break;
            }

            features.AtLineStart(c, text, i);
            if (!char.IsWhiteSpace(c))
            {
                features.LastSignificant = c;
                features.LineHasText = true;
            }
        }

        if (length > 0 && !overlong)
        {
            features.Word(word[..length]);
        }
    }

    /// <summary>What the scan found; each word sets one bit of its group, so it counts once.</summary>
    private struct Features
    {
        public int Characters;
        public bool Fence;
        public bool MathNotation;
        public int CodeLines;
        public int ListItems;
        public bool LineHasText;
        public char LastSignificant;

        private bool _lineStarted;
        private uint _coding;
        private uint _math;
        private uint _reasoning;
        private uint _analysis;
        private uint _sequencing;
        private Previous _previous;
        private Previous _beforePrevious;

        private enum Previous : byte
        {
            None,
            Step,
            By,
            Reason,
            Think,
            Trade,
        }

        public readonly int ReasoningCount => System.Numerics.BitOperations.PopCount(_reasoning);

        public readonly int Points()
        {
            int points = Math.Min(25, Characters / 50);
            points += Fence ? 20 : CodeLines >= 2 ? 10 : 0;
            points += Math.Min(20, 10 * System.Numerics.BitOperations.PopCount(_coding));
            points += MathNotation ? 10 : 0;
            points += Math.Min(16, 8 * System.Numerics.BitOperations.PopCount(_math));
            points += Math.Min(40, 20 * ReasoningCount);
            points += Math.Min(18, 6 * System.Numerics.BitOperations.PopCount(_analysis));
            points += Math.Min(16, 4 * Math.Max(0, ListItems - 1));
            points += Math.Min(9, 3 * System.Numerics.BitOperations.PopCount(_sequencing));
            return points;
        }

        public void EndLine()
        {
            if (LineHasText && LastSignificant is ';' or '{' or '}')
            {
                CodeLines++;
            }

            LineHasText = false;
            LastSignificant = '\0';
            _lineStarted = false;
        }

        /// <summary>At the first non-blank character of a line, notes a list marker: <c>1.</c>, <c>2)</c>, <c>-</c> or <c>*</c> followed by a space.</summary>
        public void AtLineStart(char c, string text, int index)
        {
            if (_lineStarted || c is ' ' or '\t' or '\r')
            {
                return;
            }

            _lineStarted = true;
            if (c is '-' or '*')
            {
                if (index + 1 < text.Length && text[index + 1] == ' ')
                {
                    ListItems++;
                }

                return;
            }

            int i = index;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            if (i > index && i + 1 < text.Length && text[i] is '.' or ')' && text[i + 1] == ' ')
            {
                ListItems++;
            }
        }

        public void Word(ReadOnlySpan<char> word)
        {
            if (!_lineStarted)
            {
                _lineStarted = true;
            }

            Previous current = Previous.None;
            switch (word)
            {
                case "code": _coding |= 1u << 0; break;
                case "function": _coding |= 1u << 1; break;
                case "class": _coding |= 1u << 2; break;
                case "implement": _coding |= 1u << 3; break;
                case "refactor": _coding |= 1u << 4; break;
                case "debug": _coding |= 1u << 5; break;
                case "bug": _coding |= 1u << 6; break;
                case "algorithm": _coding |= 1u << 7; break;
                case "compile": _coding |= 1u << 8; break;
                case "regex": _coding |= 1u << 9; break;
                case "sql": _coding |= 1u << 10; break;
                case "api": _coding |= 1u << 11; break;
                case "script": _coding |= 1u << 12; break;
                case "python": _coding |= 1u << 13; break;
                case "javascript": _coding |= 1u << 14; break;
                case "typescript": _coding |= 1u << 15; break;
                case "java": _coding |= 1u << 16; break;
                case "rust": _coding |= 1u << 17; break;

                case "equation": _math |= 1u << 0; break;
                case "integral": _math |= 1u << 1; break;
                case "derivative": _math |= 1u << 2; break;
                case "matrix": _math |= 1u << 3; break;
                case "probability": _math |= 1u << 4; break;
                case "theorem": _math |= 1u << 5; break;
                case "lemma": _math |= 1u << 6; break;
                case "solve": _math |= 1u << 7; break;
                case "statistics": _math |= 1u << 8; break;

                case "prove": _reasoning |= 1u << 0; break;
                case "proof": _reasoning |= 1u << 1; break;
                case "derive": _reasoning |= 1u << 2; break;
                case "derivation": _reasoning |= 1u << 3; break;
                case "rigorous": _reasoning |= 1u << 4; break;
                case "step":
                    if (_previous == Previous.By && _beforePrevious == Previous.Step)
                    {
                        _reasoning |= 1u << 5;
                    }

                    current = Previous.Step;
                    break;
                case "by": current = Previous.By; break;
                case "reason": current = Previous.Reason; break;
                case "think": current = Previous.Think; break;
                case "through":
                    if (_previous == Previous.Reason)
                    {
                        _reasoning |= 1u << 6;
                    }
                    else if (_previous == Previous.Think)
                    {
                        _reasoning |= 1u << 7;
                    }

                    break;

                case "compare": _analysis |= 1u << 2; break;
                case "evaluate": _analysis |= 1u << 3; break;
                case "trade": current = Previous.Trade; break;
                case "off" or "offs":
                    if (_previous == Previous.Trade)
                    {
                        _analysis |= 1u << 4;
                    }

                    break;
                case "tradeoff" or "tradeoffs": _analysis |= 1u << 4; break;
                case "design": _analysis |= 1u << 5; break;
                case "architecture": _analysis |= 1u << 6; break;
                case "critique": _analysis |= 1u << 7; break;
                case "justify": _analysis |= 1u << 8; break;

                case "first": _sequencing |= 1u << 0; break;
                case "then": _sequencing |= 1u << 1; break;
                case "next": _sequencing |= 1u << 2; break;
                case "finally": _sequencing |= 1u << 3; break;
                case "afterwards": _sequencing |= 1u << 4; break;

                default:
                    if (word.StartsWith("analy"))
                    {
                        _analysis |= 1u << 0;
                    }
                    else if (word.StartsWith("optimi"))
                    {
                        _analysis |= 1u << 1;
                    }
                    else if (word.StartsWith("calculat"))
                    {
                        _math |= 1u << 9;
                    }

                    break;
            }

            _beforePrevious = _previous;
            _previous = current;
        }
    }
}
