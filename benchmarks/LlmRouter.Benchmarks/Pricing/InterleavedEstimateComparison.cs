using System.Diagnostics;
using System.Globalization;
using System.Text;
using LlmRouter.Tests.Pricing.Reference;

namespace LlmRouter.Benchmarks;

/// <summary>
/// The token estimate against the reference copy of its counting code (the one the unit tests check it against, count for
/// count), in alternating rounds in one process, keeping each one's best round: on a shared VM whose speed drifts by tens of
/// percent between runs, alternating lets both see the same machine, so the ratio is steadier than across separate
/// BenchmarkDotNet runs. Prints the best time per call of each, the ratio (current ÷ reference) and the bytes the current
/// code allocates per call.
/// </summary>
internal static class InterleavedEstimateComparison
{
    private const int Rounds = 60;

    public static void Run(TextWriter output)
    {
        byte[] paragraphUtf8 = Encoding.UTF8.GetBytes(TextCountBenchmarks.Paragraph);
        string name = "get_forecast";
        Report(
            output,
            "estimate, typical request",
            () => ReferenceCharacterTokenEstimator.Instance.EstimateInputTokens(TypicalRequest.Messages, TypicalRequest.Options),
            () => TokenEstimators.Default.EstimateInputTokens(TypicalRequest.Messages, TypicalRequest.Options),
            iterations: 200_000);
        Report(
            output,
            "text count, UTF-16, 1,000 characters of prose",
            () => ReferenceCharacterTokenEstimator.CountText(TextCountBenchmarks.Paragraph),
            () => CharacterTokenEstimator.CountText(TextCountBenchmarks.Paragraph),
            iterations: 200_000);
        Report(
            output,
            "text count, UTF-8, 1,000 characters of prose",
            () => ReferenceCharacterTokenEstimator.CountUtf8(paragraphUtf8),
            () => CharacterTokenEstimator.CountUtf8(paragraphUtf8),
            iterations: 200_000);
        Report(
            output,
            "text count, a 12-character name",
            () => ReferenceCharacterTokenEstimator.CountText(name),
            () => CharacterTokenEstimator.CountText(name),
            iterations: 2_000_000);
        Report(
            output,
            "text count, Vietnamese",
            () => ReferenceCharacterTokenEstimator.CountText(TextCountBenchmarks.Vietnamese),
            () => CharacterTokenEstimator.CountText(TextCountBenchmarks.Vietnamese),
            iterations: 200_000);
    }

    private static void Report(TextWriter output, string what, Func<long> reference, Func<long> current, int iterations)
    {
        if (reference() != current())
        {
            throw new InvalidOperationException($"{what}: the current code counts {current()}, the reference {reference()}.");
        }

        for (int i = 0; i < iterations; i++)
        {
            reference();
            current();
        }

        double bestReference = double.MaxValue;
        double bestCurrent = double.MaxValue;
        int perRound = iterations / 10;
        for (int round = 0; round < Rounds; round++)
        {
            bestReference = Math.Min(bestReference, Time(reference, perRound));
            bestCurrent = Math.Min(bestCurrent, Time(current, perRound));
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < perRound; i++)
        {
            current();
        }

        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{what}: reference {bestReference:0.0} ns, current {bestCurrent:0.0} ns, ratio {bestCurrent / bestReference:0.00}, current allocates {allocated / perRound} B per call"));
    }

    private static double Time(Func<long> call, int iterations)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < iterations; i++)
        {
            call();
        }

        return Stopwatch.GetElapsedTime(start).TotalNanoseconds / iterations;
    }
}
