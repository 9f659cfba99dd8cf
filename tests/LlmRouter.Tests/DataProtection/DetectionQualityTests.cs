using System.Globalization;
using Xunit.Abstractions;

namespace LlmRouter.Tests.DataProtection;

/// <summary>
/// Precision and recall of the built-in detectors on a generated labelled corpus (<see cref="SensitiveDataCorpus"/>): printed per
/// kind, and held to recall ≥ 0.99 and precision ≥ 0.95 for cards, IBANs, e-mail addresses and secrets.
/// </summary>
public class DetectionQualityTests(ITestOutputHelper output)
{
    private static readonly string[] Asserted = [SensitiveDataKinds.Card, SensitiveDataKinds.Iban, SensitiveDataKinds.Email, SensitiveDataKinds.Secret];

    [Fact]
    public void Scan_LabelledCorpus_MeetsPrecisionAndRecall()
    {
        List<LabelledSentence> corpus = SensitiveDataCorpus.Generate(perKind: 400);
        var scanner = new SensitiveDataScanner(new DataProtectionOptions(), []);
        var counts = SensitiveDataKinds.BuiltIn.ToDictionary(k => k, _ => (TruePositives: 0, FalsePositives: 0, FalseNegatives: 0));
        var found = new List<SensitiveMatch>();
        var misses = new List<string>();
        foreach (LabelledSentence sentence in corpus)
        {
            scanner.Scan(sentence.Text, found);
            var expected = sentence.Labels.ToList();
            foreach (SensitiveMatch match in found)
            {
                string value = sentence.Text.Substring(match.Start, match.Length);
                int index = expected.FindIndex(l => l.Kind == match.Kind && l.Value == value);
                (int tp, int fp, int fn) = counts[match.Kind];
                if (index >= 0)
                {
                    counts[match.Kind] = (tp + 1, fp, fn);
                    expected.RemoveAt(index);
                }
                else
                {
                    counts[match.Kind] = (tp, fp + 1, fn);
                    misses.Add($"false {match.Kind}: '{value}' in \"{sentence.Text}\"");
                }
            }

            foreach ((string kind, string value) in expected)
            {
                (int tp, int fp, int fn) = counts[kind];
                counts[kind] = (tp, fp, fn + 1);
                misses.Add($"missed {kind}: '{value}' in \"{sentence.Text}\"");
            }
        }

        output.WriteLine($"{corpus.Count} sentences");
        output.WriteLine("| kind | labelled | found | precision | recall |");
        output.WriteLine("| --- | ---: | ---: | ---: | ---: |");
        foreach ((string kind, (int tp, int fp, int fn)) in counts)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {kind} | {tp + fn} | {tp + fp} | {Precision(tp, fp):0.000} | {Recall(tp, fn):0.000} |"));
        }

        foreach (string miss in misses.Take(40))
        {
            output.WriteLine(miss);
        }

        foreach (string kind in Asserted)
        {
            (int tp, int fp, int fn) = counts[kind];
            Assert.True(Recall(tp, fn) >= 0.99, $"{kind} recall {Recall(tp, fn):0.000}");
            Assert.True(Precision(tp, fp) >= 0.95, $"{kind} precision {Precision(tp, fp):0.000}");
        }
    }

    private static double Precision(int truePositives, int falsePositives) =>
        truePositives + falsePositives == 0 ? 1 : (double)truePositives / (truePositives + falsePositives);

    private static double Recall(int truePositives, int falseNegatives) =>
        truePositives + falseNegatives == 0 ? 1 : (double)truePositives / (truePositives + falseNegatives);
}
