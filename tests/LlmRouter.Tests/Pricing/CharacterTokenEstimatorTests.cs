using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace LlmRouter.Tests.Pricing;

public sealed class CharacterTokenEstimatorTests
{
    private static readonly CharacterTokenEstimator Estimator = CharacterTokenEstimator.Instance;

    [Theory]
    [InlineData("", 0)]
    [InlineData("word", 100)]                                                // one word
    [InlineData("The quick brown fox jumps over the lazy dog.", 1000)]        // 9 words (a space joins the word after it), a period
    [InlineData("ArgumentNullException", 333)]                                // camelCase: Argument, Null, Exception (9 letters: +33)
    [InlineData("HTTPClient", 166)]                                           // one 10-letter word: 100 + 2 × 33
    [InlineData("Donaudampfschifffahrt", 529)]                                // one 21-letter word: 100 + 13 × 33
    [InlineData("2026", 200)]                                                 // digits in groups of three: 202, 6
    [InlineData("12345678", 300)]                                             // 123, 456, 78
    [InlineData("1,234,567", 500)]                                            // three groups and two commas
    [InlineData("in 2026", 390)]                                              // a word, a space before a number (90), two groups
    [InlineData("a    b", 304)]                                               // a run of spaces is one token (the last joins "b"), 2 for each further space
    [InlineData("a\n\n\nb", 320)]                                             // a line break after a word, then 10 for each further one
    [InlineData("\n    return", 306)]                                         // a line break, an indentation (100, then 2 a space), a word
    [InlineData("{\"k\":1}", 470)]                                            // punctuation runs 100 then 10 each, a word after punctuation 50, a digit group
    [InlineData("foo.bar", 250)]                                              // a word right after punctuation merges with it half the time: 50
    [InlineData("xQZk", 290)]                                                 // x, the hump Q, then a capital after a hump: Z and k 45 each
    [InlineData("a1b2", 400)]                                                 // a letter next to a digit starts a word, a digit next to a letter a group
    [InlineData("café", 130)]                                                 // a word with one accented letter (+30)
    [InlineData("zażółć", 820)]                                               // ż, ł, ć inside a word 230 each, ó 30; no charge for length
    [InlineData("ąb", 130)]                                                   // a Central European letter that starts a word costs as an accented one
    [InlineData("Привет мир", 284)]                                           // two Cyrillic words: 100 for the first letter, 12 for each further
    [InlineData("你好世界", 300)]                                              // 4 CJK ideographs × 75
    [InlineData("こんにちは", 375)]                                            // 5 kana × 75
    [InlineData("안녕하세요", 280)]                                             // one Hangul word: 100 + 4 × 45
    [InlineData("مرحبا", 152)]                                                // one Arabic word: 100 + 4 × 13
    [InlineData("שלום", 172)]                                                 // one Hebrew word: 100 + 3 × 24
    [InlineData("नमस्ते", 165)]                                                // one Devanagari word of 6 code units: 100 + 5 × 13
    [InlineData("Γειά", 178)]                                                 // one Greek word: 100 + 3 × 26
    [InlineData("👍", 220)]                                                   // one supplementary character
    [InlineData("☕", 130)]                                                   // a symbol drawn as an emoji
    [InlineData("\u0007", 100)]                                               // a control character counts as punctuation
    public void CountText_WordsScriptsAndRuns_WeighEachByItsKind(string text, long expectedHundredths)
    {
        Assert.Equal(expectedHundredths, CharacterTokenEstimator.CountText(text));
    }

    [Theory]
    [InlineData("The quick brown fox jumps over the lazy dog.")]
    [InlineData("{\n  \"name\": \"Zoë\",\n  \"city\": \"東京\",\n  \"mood\": \"😀\"\n}")]
    [InlineData("Привет, 世界! مرحبا नमस्ते")]
    [InlineData("ArgumentNullException café HTTPClient Donaudampfschifffahrt 2026\t\t\n  ok")]
    public void CountUtf8_SameTextAsUtf16_GivesTheSameCount(string text)
    {
        Assert.Equal(CharacterTokenEstimator.CountText(text), CharacterTokenEstimator.CountUtf8(Encoding.UTF8.GetBytes(text)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void CountTextAndUtf8_RandomMixedText_GiveTheCountOfTheCharacterByCharacterCounter(int seed)
    {
        // The vector paths count 64 characters at a time (ASCII, and Latin-1 in UTF-16) and carry words, camel-case humps,
        // numbers and random-looking runs across blocks and other characters; random text, mostly ASCII so that blocks form,
        // checks them against the simple loop.
        const string ascii = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 \t\n\r.,;{}[]\"'_-/\u0000\u0007\u007F";
        // Outside ASCII: Latin-1 letters and symbols (which UTF-16 blocks count, and ÿ, the first they do not), Central European
        // letters, other scripts, symbols and the no-break space.
        const string other = "éüÑçßÀÿ°×÷łżĀПриві你好こん안→…\u00A0";
        var random = new Random(seed);
        var text = new StringBuilder();
        for (int sample = 0; sample < 3_000; sample++)
        {
            text.Clear();
            int length = random.Next(0, sample % 10 == 0 ? 600 : 160);
            while (text.Length < length)
            {
                int pick = random.Next(100);
                if (pick < 2)
                {
                    text.Append("👍");
                }
                else if (pick < 8)
                {
                    text.Append(other[random.Next(other.Length)], random.Next(4) == 0 ? random.Next(1, 12) : 1);
                }
                else
                {
                    // Runs of one character make long words, camel-case humps and whitespace runs far more often than single picks.
                    text.Append(ascii[random.Next(ascii.Length)], random.Next(4) == 0 ? random.Next(1, 20) : 1);
                }
            }

            string value = text.ToString();
            byte[] utf8 = Encoding.UTF8.GetBytes(value);
            long expected = CharacterTokenEstimator.CountTextByCharacter(value);
            Assert.True(CharacterTokenEstimator.CountText(value) == expected, $"CountText disagrees on \"{value}\".");
            Assert.True(CharacterTokenEstimator.CountUtf8(utf8) == expected, $"CountUtf8 disagrees on \"{value}\".");

            // Every vector width, whichever this processor accelerates (the others run in software, slowly but exactly).
            Assert.True(CharacterTokenEstimator.CountText<AsciiBlock128>(value) == expected, $"128-bit UTF-16 disagrees on \"{value}\".");
            Assert.True(CharacterTokenEstimator.CountText<AsciiBlock256>(value) == expected, $"256-bit UTF-16 disagrees on \"{value}\".");
            Assert.True(CharacterTokenEstimator.CountText<AsciiBlock512>(value) == expected, $"512-bit UTF-16 disagrees on \"{value}\".");
            Assert.True(CharacterTokenEstimator.CountUtf8<AsciiBlock128>(utf8) == expected, $"128-bit UTF-8 disagrees on \"{value}\".");
            Assert.True(CharacterTokenEstimator.CountUtf8<AsciiBlock256>(utf8) == expected, $"256-bit UTF-8 disagrees on \"{value}\".");
            Assert.True(CharacterTokenEstimator.CountUtf8<AsciiBlock512>(utf8) == expected, $"512-bit UTF-8 disagrees on \"{value}\".");
        }
    }

    [Theory]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(200)]
    public void CountText_WordsAndRunsAcrossBlocks_CountAsOne(int length)
    {
        // One word of `length` letters: a token and a third for each letter past the eighth, however the blocks cut it.
        Assert.Equal(100 + ((length - 8) * 33), CharacterTokenEstimator.CountText(new string('a', length)));
        Assert.Equal(100 + ((length - 8) * 33), CharacterTokenEstimator.CountUtf8(Encoding.UTF8.GetBytes(new string('a', length))));

        // A word, then a run of spaces: the first space nothing, the second 100, the rest 2 each.
        Assert.Equal(100 + 100 + ((length - 2) * 2), CharacterTokenEstimator.CountText("a" + new string(' ', length)));

        // A number: a group of three digits at a time, wherever the blocks cut it.
        Assert.Equal((length + 2) / 3 * 100, CharacterTokenEstimator.CountText(new string('7', length)));
        Assert.Equal((length + 2) / 3 * 100, CharacterTokenEstimator.CountUtf8(Encoding.UTF8.GetBytes(new string('7', length))));

        // A random-looking run: after the first digit, every letter that continues a word costs 45 more.
        string mixed = "1" + new string('x', length);
        Assert.Equal(100 + 100 + ((length - 1) * 45) + (Math.Max(length - 8, 0) * 33), CharacterTokenEstimator.CountText(mixed));

        // camelCase humps at every block boundary and in between.
        string humps = string.Concat(Enumerable.Repeat("aB", length));
        Assert.Equal(length * 100 + 100, CharacterTokenEstimator.CountText(humps + "c"));
    }

    [Fact]
    public void CountUtf8_InvalidBytes_CountEachAsOneUnknownCharacter()
    {
        Assert.Equal(100 + 220 + 100, CharacterTokenEstimator.CountUtf8([(byte)'a', 0xFF, (byte)'b']));
    }

    [Fact]
    public void Name_IsTheBuiltInName()
    {
        Assert.Equal(TokenEstimators.CharacterBased, Estimator.Name);
    }

    [Fact]
    public void EstimateInputTokens_NoMessages_IsTheRequestOverhead()
    {
        Assert.Equal(CharacterTokenEstimator.RequestOverhead, Estimator.EstimateInputTokens([], null));
    }

    [Fact]
    public void EstimateInputTokens_OneTextMessage_AddsMessageOverheadAndRoundsUp()
    {
        // 3 + 4 + ceil(6.3): five words, one with an accented letter, and a period
        Assert.Equal(14, Estimator.EstimateInputTokens([new(ChatRole.User, "The café opens at nine.")], null));
    }

    [Fact]
    public void EstimateInputTokens_AuthorName_IsCounted()
    {
        var message = new ChatMessage(ChatRole.User, "word") { AuthorName = "ann" };

        // 3 + 4 + ceil((100 + 100 + 100) / 100): the text, the name and the name's separator
        Assert.Equal(10, Estimator.EstimateInputTokens([message], null));
    }

    [Fact]
    public void EstimateInputTokens_InstructionsToolsAndResponseSchema_AreCounted()
    {
        AIFunction tool = AIFunctionFactory.Create((string city) => "sunny", "get_weather", "Gets the weather");
        long schema = CharacterTokenEstimator.CountUtf8(Encoding.UTF8.GetBytes(tool.JsonSchema.GetRawText()));
        JsonElement responseSchema = JsonDocument.Parse("""{"type":"object"}""").RootElement;
        var options = new ChatOptions
        {
            Instructions = "Be brief.",
            Tools = [tool],
            ResponseFormat = ChatResponseFormat.ForJsonSchema(responseSchema, "answer"),
        };

        int estimate = Estimator.EstimateInputTokens([], options);

        long hundredths = CharacterTokenEstimator.CountText("Be brief.")
            + CharacterTokenEstimator.CountText("get_weather") + CharacterTokenEstimator.CountText("Gets the weather") + schema
            + CharacterTokenEstimator.CountText("""{"type":"object"}""");
        int expected = CharacterTokenEstimator.RequestOverhead + CharacterTokenEstimator.InstructionsOverhead + CharacterTokenEstimator.ToolOverhead
            + CharacterTokenEstimator.ResponseSchemaOverhead + (int)Math.Ceiling(hundredths / 100.0);
        Assert.Equal(expected, estimate);
    }

    [Fact]
    public void EstimateInputTokens_FunctionCallAndResult_CountNameIdArgumentsAndResult()
    {
        var call = new FunctionCallContent("call_1", "get_weather", new Dictionary<string, object?>
        {
            ["city"] = "Paris",
            ["days"] = 3,
            ["units"] = JsonDocument.Parse("\"metric\"").RootElement,
            ["when"] = null,
            ["extra"] = new Uri("https://example.com"),
        });
        var result = new FunctionResultContent("call_1", JsonDocument.Parse("""{"temp":21}""").RootElement);
        ChatMessage[] messages = [new(ChatRole.Assistant, [call]), new(ChatRole.Tool, [result])];

        int estimate = Estimator.EstimateInputTokens(messages, null);

        long hundredths = CharacterTokenEstimator.CountText("get_weather") + CharacterTokenEstimator.CountText("call_1")
            + CharacterTokenEstimator.CountText("city") + CharacterTokenEstimator.CountText("Paris")
            + CharacterTokenEstimator.CountText("days") + CharacterTokenEstimator.CountText("units") + CharacterTokenEstimator.CountText("\"metric\"")
            + CharacterTokenEstimator.CountText("when") + CharacterTokenEstimator.CountText("extra")
            + CharacterTokenEstimator.CountText("call_1") + CharacterTokenEstimator.CountText("""{"temp":21}""");
        int fixedTokens = CharacterTokenEstimator.RequestOverhead + (2 * CharacterTokenEstimator.MessageOverhead)
            + CharacterTokenEstimator.FunctionCallOverhead + CharacterTokenEstimator.FunctionResultOverhead
            + (2 * CharacterTokenEstimator.ScalarValueTokens) + CharacterTokenEstimator.OpaqueValueTokens;
        Assert.Equal(fixedTokens + (int)Math.Ceiling(hundredths / 100.0), estimate);
    }

    [Fact]
    public void EstimateInputTokens_ArgumentsInAnotherDictionaryType_CountTheSame()
    {
        var arguments = new Dictionary<string, object?> { ["city"] = "Paris" };
        var sorted = new SortedDictionary<string, object?>(arguments);

        int fromDictionary = Estimator.EstimateInputTokens([new(ChatRole.Assistant, [new FunctionCallContent("c", "f", arguments)])], null);
        int fromSorted = Estimator.EstimateInputTokens([new(ChatRole.Assistant, [new FunctionCallContent("c", "f", sorted)])], null);

        Assert.Equal(fromDictionary, fromSorted);
    }

    [Fact]
    public void EstimateInputTokens_ImagesAndOtherMedia_AddAFixedEstimateEach()
    {
        var message = new ChatMessage(ChatRole.User,
        [
            new DataContent(new byte[2_000_000], "image/png"),
            new UriContent("https://example.com/cat.jpg", "image/jpeg"),
            new DataContent(new byte[10], "application/pdf"),
        ]);

        Assert.Equal(CharacterTokenEstimator.RequestOverhead + CharacterTokenEstimator.MessageOverhead + (3 * CharacterTokenEstimator.MediaTokens), Estimator.EstimateInputTokens([message], null));
    }

    [Fact]
    public void EstimateInputTokens_ReasoningText_IsCountedAndUsageIsNot()
    {
        var message = new ChatMessage(ChatRole.Assistant, [new TextReasoningContent("word"), new UsageContent(new UsageDetails { InputTokenCount = 99 })]);

        Assert.Equal(8, Estimator.EstimateInputTokens([message], null));
    }

    [Fact]
    public void EstimateInputTokens_LazyEnumerable_GivesTheSameEstimateAsAList()
    {
        List<ChatMessage> messages = TypicalRequest.Messages.ToList();

        Assert.Equal(Estimator.EstimateInputTokens(messages, TypicalRequest.Options), Estimator.EstimateInputTokens(messages.Select(m => m), TypicalRequest.Options));
    }

    [Fact]
    public void EstimateInputTokens_SameRequestTwice_GivesTheSameEstimate()
    {
        int first = Estimator.EstimateInputTokens(TypicalRequest.Messages, TypicalRequest.Options);

        Assert.Equal(first, Estimator.EstimateInputTokens(TypicalRequest.Messages, TypicalRequest.Options));
        Assert.InRange(first, 100, 400);
    }

    [Fact]
    public void EstimateInputTokens_NullMessages_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => Estimator.EstimateInputTokens(null!, null));
    }

    [Fact]
    public void EstimateInputTokens_TypicalThreeMessageRequest_DoesNotAllocate()
    {
        Estimator.EstimateInputTokens(TypicalRequest.Messages, TypicalRequest.Options);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            Estimator.EstimateInputTokens(TypicalRequest.Messages, TypicalRequest.Options);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void EstimateInputTokens_ToolCallRoundTrip_DoesNotAllocate()
    {
        ChatMessage[] messages =
        [
            new(ChatRole.User, "What is the weather in Paris?"),
            new(ChatRole.Assistant, [new FunctionCallContent("call_1", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris", ["days"] = 3 })]),
            new(ChatRole.Tool, [new FunctionResultContent("call_1", JsonDocument.Parse("""{"temp":21}""").RootElement)]),
        ];
        Estimator.EstimateInputTokens(messages, TypicalRequest.Options);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            Estimator.EstimateInputTokens(messages, TypicalRequest.Options);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData("The quick brown fox jumps over the lazy dog.")]
    [InlineData("é\né\né\né")]
    [InlineData("a b c d e f g")]
    [InlineData("aBcDeFgHiJ")]
    [InlineData("\n\n\n\n")]
    [InlineData("👍👍👍☺☺☺")]
    [InlineData("你好世界こんにちは안녕하세요")]
    [InlineData("{\"k\":[1,2,3],\"v\":\"x\"}")]
    public void UpperBound_TextOnlyRequests_NeverBelowTheEstimate(string text)
    {
        ChatMessage[] messages = [new(ChatRole.System, "Be brief.") { AuthorName = "sys" }, new(ChatRole.User, text)];
        var options = new ChatOptions { Instructions = "Answer in French." };

        long bound = CharacterTokenEstimator.UpperBound(messages, options);

        Assert.InRange(Estimator.EstimateInputTokens(messages, options), 0, bound);
        Assert.True(bound <= 100 + (CharacterTokenEstimator.MostHundredthsPerCharacter * text.Length / 100), $"bound {bound}");
    }

    [Fact]
    public void MostHundredthsPerCharacter_EveryCodeUnitAfterManyContexts_IsTheMostItAdds()
    {
        // Every character is charged where it stands, so what one adds to a text is its own charge. Every UTF-16 code unit,
        // after contexts that reach every rule: words long and short, camel-case humps, random-looking runs, digits in every
        // position of a group, whitespace runs, punctuation runs and quotes, accented and Central European letters, words of
        // other scripts, and surrogates.
        string[] contexts =
        [
            "", "a", "A", "aB", "aBC", "Ab", "abcdefghijkl", "1", "12", "123", "x1", "1x", " ", "  ", "\n", "x\n", "\n ", ".", "..",
            "\"", "\\", "é", "ą", "zą", "zażół", "Привет", "안", "你", "👍", "\uD83D", "word ", "a 1", "(", "{\"k\":", "AB1c",
        ];
        int most = 0;
        foreach (string context in contexts)
        {
            long before = CharacterTokenEstimator.CountText(context);
            for (int c = 0; c <= char.MaxValue; c++)
            {
                long added = CharacterTokenEstimator.CountText(context + (char)c) - before;
                Assert.True(added <= CharacterTokenEstimator.MostHundredthsPerCharacter, $"U+{c:X4} after \"{context}\" adds {added}");
                most = (int)Math.Max(most, added);
            }
        }

        Assert.Equal(CharacterTokenEstimator.MostHundredthsPerCharacter, most);
    }

    [Fact]
    public void UpperBound_CorpusAndRandomText_NeverBelowTheEstimate()
    {
        // Random text of every kind of character the rules tell apart, weighted toward the costliest (Central European letters
        // inside words, numbers after spaces, lone surrogates, emoji), and every text of the accuracy corpus.
        const string pieces = "abcXYZ0123456789 \t\n.,\"\\_-/ąłżśé你안Пи\uD83D\uDC4D☕\uFE0F";
        var random = new Random(7);
        var texts = new List<string>();
        foreach ((_, string text, _) in TokenEstimateAccuracyTests.Samples())
        {
            texts.Add(text);
        }

        var builder = new StringBuilder();
        for (int sample = 0; sample < 2_000; sample++)
        {
            builder.Clear();
            int length = random.Next(0, sample % 10 == 0 ? 700 : 120);
            while (builder.Length < length)
            {
                builder.Append(pieces[random.Next(pieces.Length)], random.Next(4) == 0 ? random.Next(1, 12) : 1);
            }

            texts.Add(builder.ToString());
        }

        foreach (string text in texts)
        {
            ChatMessage[] messages = [new(ChatRole.User, text) { AuthorName = "ann" }, new(ChatRole.Assistant, text)];
            var options = new ChatOptions { Instructions = text };

            Assert.True(CharacterTokenEstimator.CountText(text) <= (long)CharacterTokenEstimator.MostHundredthsPerCharacter * text.Length, text);
            Assert.True(Estimator.EstimateInputTokens(messages, options) <= CharacterTokenEstimator.UpperBound(messages, options), text);
        }
    }

    [Fact]
    public void UpperBound_ToolsOrFunctionCalls_Unbounded()
    {
        ChatMessage[] call = [new(ChatRole.Assistant, [new FunctionCallContent("c", "f")])];

        Assert.Equal(long.MaxValue, CharacterTokenEstimator.UpperBound(TypicalRequest.Messages, TypicalRequest.Options));
        Assert.Equal(long.MaxValue, CharacterTokenEstimator.UpperBound(call, null));
    }

    [Fact]
    public void UpperBound_Image_CountsTheMediaFigure()
    {
        ChatMessage[] image = [new(ChatRole.User, [new DataContent(new byte[] { 1 }, "image/png")])];

        // One token of slack for rounding on the request and on each message.
        Assert.Equal(Estimator.EstimateInputTokens(image, null) + 2, CharacterTokenEstimator.UpperBound(image, null));
    }
}
