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
    [InlineData("The quick brown fox jumps over the lazy dog.", 1015)]        // 9 words, 8 spaces × 10, a period 35
    [InlineData("ArgumentNullException", 333)]                                // camelCase: Argument, Null, Exception (9 letters: +33)
    [InlineData("HTTPClient", 166)]                                           // one 10-letter word: 100 + 2 × 33
    [InlineData("Donaudampfschifffahrt", 529)]                                // one 21-letter word: 100 + 13 × 33
    [InlineData("2026", 180)]                                                 // 4 digits × 45
    [InlineData("a    b", 300)]                                               // a space (10), then a run of 3 more at 30 each
    [InlineData("a\n\n\nb", 360)]                                             // a newline (100), then a run
    [InlineData("{\"k\":1}", 320)]                                            // punctuation 35, a word, a digit 45
    [InlineData("café", 130)]                                                 // a word with one accented letter (+30)
    [InlineData("Привет мир", 280)]                                           // 9 Cyrillic × 30 and a space
    [InlineData("你好世界", 288)]                                              // 4 CJK ideographs × 72
    [InlineData("こんにちは", 475)]                                            // 5 kana × 95
    [InlineData("안녕하세요", 375)]                                             // 5 Hangul syllables × 75
    [InlineData("مرحبا", 155)]                                                // 5 Arabic × 31
    [InlineData("שלום", 148)]                                                 // 4 Hebrew × 37
    [InlineData("नमस्ते", 198)]                                                // 6 Devanagari code units × 33
    [InlineData("Γειά", 152)]                                                 // 4 Greek × 38
    [InlineData("👍", 100)]                                                   // one supplementary character
    [InlineData("\u0007", 50)]                                                // a control character
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
        // The vector paths count 64 ASCII characters at a time and carry words, camel-case humps and whitespace runs across
        // blocks and non-ASCII characters; random text, mostly ASCII so that blocks form, checks them against the simple loop.
        const string ascii = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 \t\n\r.,;{}[]\"'_-/\u0000\u0007\u007F";
        const string other = "éüÑçßПриві你好こん안→…\u00A0";
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
                    text.Append(other[random.Next(other.Length)]);
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

        // A word, then a run of spaces: the first space 10, the rest 30 each.
        Assert.Equal(100 + 10 + ((length - 1) * 30), CharacterTokenEstimator.CountText("a" + new string(' ', length)));

        // camelCase humps at every block boundary and in between.
        string humps = string.Concat(Enumerable.Repeat("aB", length));
        Assert.Equal(length * 100 + 100, CharacterTokenEstimator.CountText(humps + "c"));
    }

    [Fact]
    public void CountUtf8_InvalidBytes_CountEachAsOneUnknownCharacter()
    {
        Assert.Equal(100 + 100 + 100, CharacterTokenEstimator.CountUtf8([(byte)'a', 0xFF, (byte)'b']));
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
        // 3 + 4 + ceil(10.15)
        Assert.Equal(18, Estimator.EstimateInputTokens([new(ChatRole.User, "The quick brown fox jumps over the lazy dog.")], null));
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
        Assert.True(bound < 100 + (2 * text.Length));
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
