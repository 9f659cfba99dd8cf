using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace LlmRouter.Tests.Pricing;

/// <summary>
/// Tool definitions are counted once per tool instance; the kept count must always be the one counting again would give, also
/// when a tool's name, description or schema changes, and must not keep a tool alive.
/// </summary>
public sealed class ToolTokenCountsTests
{
    private static readonly ChatMessage[] Messages = [new(ChatRole.User, "Hi")];

    [Fact]
    public void EstimateInputTokens_SameToolAgain_GivesTheCountOfCountingItAfresh()
    {
        AIFunction tool = Forecast("Gets the weather forecast for a city for the next few days.");
        var options = new ChatOptions { Tools = [tool] };

        int first = CharacterTokenEstimator.Instance.EstimateInputTokens(Messages, options);
        int again = CharacterTokenEstimator.Instance.EstimateInputTokens(Messages, options);

        Assert.Equal(first, again);
        Assert.Equal(Counted(tool), first);
    }

    [Fact]
    public void EstimateInputTokens_ToolCountedOnceThenChanged_CountsWhatItSaysNow()
    {
        var tool = new ChangingTool("lookup", "Looks a word up.", """{"type":"object"}""");
        var options = new ChatOptions { Tools = [tool] };
        int before = CharacterTokenEstimator.Instance.EstimateInputTokens(Messages, options);
        Assert.Equal(Counted(tool), before);

        tool.ToolDescription = "Looks a word up in the dictionary of the user's language, with examples and every meaning it has.";
        int longerDescription = CharacterTokenEstimator.Instance.EstimateInputTokens(Messages, options);
        Assert.Equal(Counted(tool), longerDescription);
        Assert.True(longerDescription > before);

        tool.SetSchema("""{"type":"object","properties":{"word":{"type":"string"},"language":{"type":"string"}},"required":["word"]}""");
        int largerSchema = CharacterTokenEstimator.Instance.EstimateInputTokens(Messages, options);
        Assert.Equal(Counted(tool), largerSchema);
        Assert.True(largerSchema > longerDescription);

        tool.ToolName = "lookup_word_in_dictionary";
        Assert.Equal(Counted(tool), CharacterTokenEstimator.Instance.EstimateInputTokens(Messages, options));
    }

    [Fact]
    public void EstimateInputTokens_SchemaEqualInContentFromAnotherDocument_KeepsTheCountWithoutAllocating()
    {
        const string Schema = """{"type":"object","properties":{"city":{"type":"string"}}}""";
        var tool = new ChangingTool("forecast", "Gets a forecast.", Schema);
        var options = new ChatOptions { Tools = [tool] };
        int first = CharacterTokenEstimator.Instance.EstimateInputTokens(Messages, options);

        // The same text in another document: equal content, so the kept count stands and nothing is stored again.
        tool.SetSchema(Schema);
        CharacterTokenEstimator.Instance.EstimateInputTokens(Messages, options);
        long before = GC.GetAllocatedBytesForCurrentThread();
        int again = CharacterTokenEstimator.Instance.EstimateInputTokens(Messages, options);

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(first, again);
    }

    [Fact]
    public async Task EstimateInputTokens_ManyThreadsManyTools_EveryCountIsTheFreshCount()
    {
        AIFunction[] tools = [.. Enumerable.Range(0, 32).Select(i => Forecast($"Tool number {i} gets {new string('x', i)} forecasts."))];
        int[] expected = [.. tools.Select(Counted)];

        int[][] seen = await Task.WhenAll(Enumerable.Range(0, 8).Select(thread => Task.Run(() =>
        {
            var counts = new int[tools.Length * 50];
            for (int i = 0; i < counts.Length; i++)
            {
                int k = (i + thread) % tools.Length;
                counts[i] = CharacterTokenEstimator.Instance.EstimateInputTokens(Messages, new ChatOptions { Tools = [tools[k]] }) - expected[k];
            }

            return counts;
        })));

        Assert.All(seen, counts => Assert.All(counts, difference => Assert.Equal(0, difference)));
    }

    [Fact]
    public void EstimateInputTokens_ToolNoLongerReferenced_IsNotKeptAlive()
    {
        WeakReference tool = EstimateWithTemporaryTool();

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.False(tool.IsAlive);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference EstimateWithTemporaryTool()
    {
        AIFunction tool = Forecast("A tool used once.");
        CharacterTokenEstimator.Instance.EstimateInputTokens(Messages, new ChatOptions { Tools = [tool] });
        return new WeakReference(tool);
    }

    private static AIFunction Forecast(string description) =>
        AIFunctionFactory.Create((string city, int days) => "sunny", "get_forecast", description);

    /// <summary>The estimate of <see cref="Messages"/> with <paramref name="tool"/>, counted from its parts as the estimator did before it kept counts.</summary>
    private static int Counted(AITool tool)
    {
        long text = CharacterTokenEstimator.CountText(tool.Name) + CharacterTokenEstimator.CountText(tool.Description);
        if (tool is AIFunctionDeclaration function)
        {
            text += CharacterTokenEstimator.CountUtf8(Encoding.UTF8.GetBytes(function.JsonSchema.GetRawText()));
        }

        long messageHundredths = CharacterTokenEstimator.CountText("Hi");
        long whole = CharacterTokenEstimator.RequestOverhead + CharacterTokenEstimator.MessageOverhead + CharacterTokenEstimator.ToolOverhead;
        return (int)(whole + ((messageHundredths + text + 99) / 100));
    }

    /// <summary>A tool whose definition can change between requests.</summary>
    private sealed class ChangingTool(string name, string description, string schema) : AIFunctionDeclaration
    {
        private JsonElement _schema = JsonDocument.Parse(schema).RootElement;

        public string ToolName { get; set; } = name;

        public string ToolDescription { get; set; } = description;

        public override string Name => ToolName;

        public override string Description => ToolDescription;

        public override JsonElement JsonSchema => _schema;

        /// <summary>Replaces the schema with <paramref name="text"/> parsed into a new document.</summary>
        public void SetSchema(string text) => _schema = JsonDocument.Parse(text).RootElement;
    }
}
