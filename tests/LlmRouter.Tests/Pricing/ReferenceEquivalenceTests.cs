using System.Text;
using Microsoft.Extensions.AI;

namespace LlmRouter.Tests.Pricing;

/// <summary>
/// A change to the estimator's counting loop made for speed must not change an estimate. The counts of the estimator as it
/// was measured for accuracy are kept as fingerprints (FNV-1a over the counts in order): on the corpus and its prefixes, on
/// random text of every script the rules tell apart, on invalid UTF-8, and on whole requests. Every encoding, vector width
/// and the character-by-character loop must give the same counts as the default path.
/// </summary>
/// <remarks>
/// A fingerprint that no longer matches means some count changed: a change meant to keep every estimate is wrong; a change
/// meant to move estimates (new rules) is measured by <see cref="TokenEstimateAccuracyTests"/> and then records new prints.
/// </remarks>
public sealed class ReferenceEquivalenceTests
{
    private const ulong FnvOffset = 14695981039346656037;
    private const ulong FnvPrime = 1099511628211;

    /// <summary>
    /// Characters of every kind the rules weigh differently: ASCII of each class, Latin-1 letters and symbols, Latin
    /// Extended-A (Central European and the Vietnamese exceptions), Latin Extended Additional, and one or more characters from
    /// every range of the script table (Greek to full-width forms), the no-break space, and ÿ, the first a UTF-16 block cannot count.
    /// </summary>
    private const string Ascii = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 \t\n\r\v\f.,;:!?{}[]()<>\"'`_-+=*/\\|@#$%^&~\u0000\u0007\u001B\u007F";

    private static readonly int[] ScriptStarts =
    [
        0x00A0, 0x00C0, 0x0100, 0x0180, 0x0250, 0x0370, 0x0400, 0x0530, 0x0590, 0x0600, 0x0900, 0x0E00, 0x1100, 0x1200, 0x1E00,
        0x1F00, 0x2000, 0x2600, 0x27C0, 0x2E80, 0x3040, 0x3100, 0x4E00, 0xA000, 0xAC00, 0xE000, 0xF900, 0xFB00, 0xFE00, 0xFE10,
        0xFF00, 0xFFF0,
    ];

    [Fact]
    public void CountText_Corpus_GivesTheRecordedCounts()
    {
        ulong print = FnvOffset;
        foreach ((string name, string text, _) in TokenEstimateAccuracyTests.Samples())
        {
            print = MixSameCounts(print, text, name);

            // Every prefix length across the first blocks, so each way a text can end (padded copy, overlapping last block) is met.
            for (int length = 0; length < Math.Min(text.Length, 200); length += 7)
            {
                print = MixSameCounts(print, text[..length], $"{name}[..{length}]");
            }
        }

        Assert.Equal(14851397262400656241UL, print);
    }

    [Theory]
    [InlineData(11, 12131001200129346685UL)]
    [InlineData(12, 14010343537776859373UL)]
    [InlineData(13, 17608705230543530955UL)]
    [InlineData(14, 16851549537094235823UL)]
    public void CountText_RandomTextOfEveryScript_GivesTheRecordedCounts(int seed, ulong expected)
    {
        ulong print = FnvOffset;
        int sample = 0;
        foreach (string text in RandomTexts(seed))
        {
            print = MixSameCounts(print, text, $"seed {seed}, sample {sample++}");
        }

        Assert.Equal(expected, print);
    }

    [Fact]
    public void CountUtf8_InvalidAndTruncatedBytes_GiveTheRecordedCounts()
    {
        ulong print = FnvOffset;
        var random = new Random(5);
        var bytes = new byte[300];
        for (int sample = 0; sample < 2_000; sample++)
        {
            int length = random.Next(bytes.Length);
            for (int i = 0; i < length; i++)
            {
                bytes[i] = random.Next(4) == 0 ? (byte)random.Next(0x80, 0x100) : (byte)Ascii[random.Next(Ascii.Length)];
            }

            ReadOnlySpan<byte> utf8 = bytes.AsSpan(0, length);
            long count = CharacterTokenEstimator.CountUtf8(utf8);
            Assert.True(CharacterTokenEstimator.CountUtf8<AsciiBlock128>(utf8) == count, $"128-bit UTF-8 differs on sample {sample} ({Convert.ToHexString(utf8)})");
            print = Mix(print, count);
        }

        Assert.Equal(11949737020628900889UL, print);
    }

    [Fact]
    public void EstimateInputTokens_TypicalRequest_GivesTheRecordedEstimate() =>
        Assert.Equal(193, TokenEstimators.Default.EstimateInputTokens(TypicalRequest.Messages, TypicalRequest.Options));

    /// <summary>Random texts, each leaning toward one script so that runs of it form (words of Cyrillic, Chinese, Vietnamese) as well as mixtures.</summary>
    private static IEnumerable<string> RandomTexts(int seed)
    {
        var random = new Random(seed);
        var text = new StringBuilder();
        for (int sample = 0; sample < 2_000; sample++)
        {
            text.Clear();
            int length = random.Next(0, sample % 8 == 0 ? 700 : 180);
            int script = ScriptStarts[random.Next(ScriptStarts.Length)];
            int asciiShare = random.Next(101);
            while (text.Length < length)
            {
                int pick = random.Next(100);
                int repeat = random.Next(4) == 0 ? random.Next(1, 20) : 1;
                if (pick < 2)
                {
                    text.Append(char.ConvertFromUtf32(0x1F300 + random.Next(0x300)));
                }
                else if (pick < 3)
                {
                    // A lone surrogate: invalid UTF-16, which the counter must still weigh as before.
                    text.Append((char)(0xD800 + random.Next(0x800)));
                }
                else if (pick < asciiShare)
                {
                    text.Append(Ascii[random.Next(Ascii.Length)], repeat);
                }
                else if (pick < asciiShare + ((100 - asciiShare) / 2))
                {
                    text.Append((char)(script + random.Next(0x40)), repeat);
                }
                else
                {
                    int start = ScriptStarts[random.Next(ScriptStarts.Length)];
                    text.Append((char)(start + random.Next(0x40)), repeat);
                }
            }

            yield return text.ToString();
        }
    }

    /// <summary>Checks that every path counts <paramref name="text"/> alike and mixes its UTF-16 and UTF-8 counts into the print.</summary>
    private static ulong MixSameCounts(ulong print, string text, string what)
    {
        long expected = CharacterTokenEstimator.CountText(text);
        byte[] utf8 = Encoding.UTF8.GetBytes(text);
        long expectedUtf8 = CharacterTokenEstimator.CountUtf8(utf8);
        Assert.True(CharacterTokenEstimator.CountTextByCharacter(text) == expected, $"the character loop differs on {what}");
        Assert.True(CharacterTokenEstimator.CountText<AsciiBlock128>(text) == expected, $"128-bit UTF-16 differs on {what}");
        Assert.True(CharacterTokenEstimator.CountText<AsciiBlock256>(text) == expected, $"256-bit UTF-16 differs on {what}");
        Assert.True(CharacterTokenEstimator.CountText<AsciiBlock512>(text) == expected, $"512-bit UTF-16 differs on {what}");
        Assert.True(CharacterTokenEstimator.CountUtf8<AsciiBlock128>(utf8) == expectedUtf8, $"128-bit UTF-8 differs on {what}");
        Assert.True(CharacterTokenEstimator.CountUtf8<AsciiBlock512>(utf8) == expectedUtf8, $"512-bit UTF-8 differs on {what}");
        return Mix(Mix(print, expected), expectedUtf8);
    }

    private static ulong Mix(ulong print, long count) => (print ^ (ulong)count) * FnvPrime;
}
