using System.Globalization;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace LlmRouter.Tests.Pricing;

/// <summary>
/// The default estimate against OpenAI's o200k tokenizer on the corpus in TokenCorpus/: one text of each kind (prose, code,
/// data formats, logs, encodings, numbers, emoji, 20 languages), with the real counts computed once with Microsoft.ML.Tokenizers
/// (o200k_base) and stored in o200k-counts.json (LlmRouter.Tokenizers.Tests checks them against the tokenizer).
/// </summary>
public sealed class TokenEstimateAccuracyTests(ITestOutputHelper output)
{
    private const double Lowest = 0.85;
    private const double Highest = 1.25;
    private const double MaximumMeanError = 0.08;

    [Fact]
    public void Corpus_HasAtLeast32SamplesOf200To5000Characters()
    {
        List<(string Name, string Text, int Tokens)> samples = Samples();

        Assert.True(samples.Count >= 32, $"{samples.Count} samples");
        Assert.All(samples, s => Assert.InRange(s.Text.Length, 200, 5_000));
    }

    [Fact]
    public void Estimate_EverySample_IsWithinItsBoundsOfTheRealCountAndTheMeanErrorIsSmall()
    {
        var problems = new List<string>();
        double totalError = 0;
        long estimated = 0;
        long real = 0;
        var table = new StringBuilder();
        foreach ((string name, string text, int tokens) in Samples())
        {
            long estimate = (CharacterTokenEstimator.CountText(text) + 99) / 100;
            double ratio = (double)estimate / tokens;
            totalError += Math.Abs(ratio - 1);
            estimated += estimate;
            real += tokens;
            table.AppendLine(CultureInfo.InvariantCulture, $"{name,-14} {tokens,6} {estimate,6} {ratio,6:F3}");
            if (ratio is < Lowest or > Highest)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"{name}: estimated {estimate} for {tokens} real tokens ({ratio:F3})"));
            }
        }

        int count = Samples().Count;
        double meanError = totalError / count;
        table.AppendLine(CultureInfo.InvariantCulture, $"overall {(double)estimated / real:F3}, mean absolute error {meanError:P1}");
        output.WriteLine(table.ToString());

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        Assert.True(meanError <= MaximumMeanError, string.Create(CultureInfo.InvariantCulture, $"mean absolute error {meanError:P1}"));
    }

    [Fact]
    public void Estimate_EverySample_VectorAndCharacterPathsAgree()
    {
        foreach ((string name, string text, _) in Samples())
        {
            Assert.True(CharacterTokenEstimator.CountText(text) == CharacterTokenEstimator.CountTextByCharacter(text), name);
            Assert.True(CharacterTokenEstimator.CountUtf8(Encoding.UTF8.GetBytes(text)) == CharacterTokenEstimator.CountTextByCharacter(text), name);
        }
    }

    internal static List<(string Name, string Text, int Tokens)> Samples()
    {
        string directory = Path.Combine(AppContext.BaseDirectory, "Pricing", "TokenCorpus");
        Dictionary<string, int> counts = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(Path.Combine(directory, "o200k-counts.json")))!;
        var samples = new List<(string, string, int)>();
        foreach ((string name, int tokens) in counts.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            samples.Add((name, File.ReadAllText(Path.Combine(directory, name + ".txt")), tokens));
        }

        return samples;
    }
}
