using System.Text.Json;
using Microsoft.Extensions.AI;

namespace LlmRouter.Tests.Routing.Tiers;

public class HeuristicComplexityScorerTests
{
    private static readonly IComplexityScorer Scorer = ComplexityScorers.Default;

    public static TheoryData<string, int, ComplexityTier> Prompts => new()
    {
        // Nothing but a few words.
        { "What is the capital of France?", 0, ComplexityTier.Simple },

        // 1 for length, 2 coding words (python, function) at 10.
        { "Write a Python function that parses a CSV file and returns the average of each numeric column.", 21, ComplexityTier.Medium },

        // One reasoning word: 20, and at least Complex.
        { "Prove that there are infinitely many primes.", 20, ComplexityTier.Complex },

        // derive, step by step, prove (40 at most) + math notation 10 + 1 for length; two reasoning signals make it Reasoning.
        { "Derive the closed form step by step and prove it is correct: $$\\sum_{k=1}^{n} k^2$$", 51, ComplexityTier.Reasoning },

        // 3 for length, 20 for the fence, coding words code, refactor, bug (20 at most), 3 list items (8).
        {
            "Please review this code and refactor it:\n```csharp\npublic int Add(int a, int b) {\n    return a + b;\n}\n```\n1. Find the bug.\n2. Explain the fix.\n3. Suggest tests.",
            51,
            ComplexityTier.Complex
        },

        // Four code lines without a fence: 10; class and sql at 10 each; "then" and "finally" at 3 each; 1 for length.
        { "Then finally fix this class:\nint x = 1;\nvar y = Query(\"select * from t\");\nfoo {\n}\nIt fails in SQL.", 37, ComplexityTier.Medium },

        // Analysis words: compare, trade-off, architecture at 6 each; analyse and optimise stems too, capped at 18.
        { "Compare the trade-offs of both architecture options, analyse the costs and optimise for latency.", 19, ComplexityTier.Simple },
    };

    [Theory]
    [MemberData(nameof(Prompts))]
    public void Score_Prompt_GivesTheDocumentedScoreAndTier(string prompt, int score, ComplexityTier tier)
    {
        ComplexityScore result = Scorer.Score([new ChatMessage(ChatRole.User, prompt)], options: null);

        Assert.Equal(new ComplexityScore(score, tier), result);
    }

    [Fact]
    public void Score_ToolsSchemaAndConversationDepth_AddUp()
    {
        ChatMessage[] conversation =
        [
            new(ChatRole.System, "You are helpful."),
            new(ChatRole.User, "Weather in Paris?"),
            new(ChatRole.Assistant, "Sunny."),
            new(ChatRole.User, "And in Rome?"),
            new(ChatRole.Assistant, "Rainy."),
            new(ChatRole.User, "And tomorrow?"),
        ];
        var options = new ChatOptions
        {
            Tools = [AIFunctionFactory.Create(() => "", "a"), AIFunctionFactory.Create(() => "", "b"), AIFunctionFactory.Create(() => "", "c")],
            ResponseFormat = ChatResponseFormat.ForJsonSchema(JsonDocument.Parse("""{"type":"object"}""").RootElement),
        };

        ComplexityScore result = Scorer.Score(conversation, options);

        // Four messages before the last user message (the system one does not count): 8; three tools: 7; a schema: 5.
        Assert.Equal(new ComplexityScore(20, ComplexityTier.Medium), result);
    }

    [Fact]
    public void Score_LongText_LengthCappedAndTotalCappedAt100()
    {
        string text = string.Join(' ', Enumerable.Repeat("prove derive rigorous proof code function class python equation integral matrix theorem analyze compare design", 50));

        ComplexityScore result = Scorer.Score([new ChatMessage(ChatRole.User, text)], options: null);

        Assert.Equal(new ComplexityScore(100, ComplexityTier.Reasoning), result);
    }

    [Fact]
    public void Score_SameRequest_SameScoreEveryTime()
    {
        ChatMessage[] request = [new(ChatRole.User, "Explain step by step how to implement a B-tree in Rust, then analyse its complexity.")];

        Assert.All(Enumerable.Range(0, 10), _ => Assert.Equal(Scorer.Score(request, null), Scorer.Score(request, null)));
    }

    [Fact]
    public void Score_Allocates_Nothing()
    {
        ChatMessage[] request = [new(ChatRole.User, "Derive the closed form step by step and prove it: $$\\sum k$$ in Python code.")];
        Scorer.Score(request, null);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            Scorer.Score(request, null);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
