using System.Globalization;
using BenchmarkDotNet.Reports;

namespace LlmRouter.Benchmarks;

/// <summary>
/// Prints each benchmark against its class's baseline (the direct call) as a ratio plus added time and bytes,
/// the router's per-chunk cost (the slope between two stream lengths, so per-stream costs cancel out), and the router's added
/// time as a multiple of the peer's (<c>OrderedFailover</c>) in the same run.
/// </summary>
internal static class RatioTable
{
    /// <summary>The method name of the benchmarks that measure Microsoft.Extensions.AI's OrderedFailoverChatClient.</summary>
    private const string PeerMethod = "OrderedFailover";

    public static void Print(IEnumerable<Summary> summaries, TextWriter output)
    {
        var rows = new List<Row>();
        foreach (Summary summary in summaries)
        {
            foreach (BenchmarkReport report in summary.Reports)
            {
                if (report.ResultStatistics is null)
                {
                    continue;
                }

                rows.Add(new Row(
                    report.BenchmarkCase.Descriptor.Type.Name,
                    report.BenchmarkCase.Descriptor.WorkloadMethod.Name,
                    report.BenchmarkCase.Parameters.DisplayInfo,
                    report.BenchmarkCase.Descriptor.Baseline,
                    report.ResultStatistics.Mean,
                    report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) ?? 0));
            }
        }

        if (rows.Count == 0)
        {
            return;
        }

        output.WriteLine();
        output.WriteLine("| benchmark | params | method | mean | ratio | added | allocated | added bytes |");
        output.WriteLine("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (Row row in rows)
        {
            Row? baseline = rows.FirstOrDefault(r => r.Type == row.Type && r.Parameters == row.Parameters && r.IsBaseline);
            string ratio = baseline is null ? "-" : (row.MeanNs / baseline.MeanNs).ToString("0.00", CultureInfo.InvariantCulture);
            string addedNs = baseline is null || row.IsBaseline ? "-" : Time(row.MeanNs - baseline.MeanNs);
            string addedBytes = baseline is null || row.IsBaseline ? "-" : (row.Bytes - baseline.Bytes).ToString(CultureInfo.InvariantCulture) + " B";
            output.WriteLine($"| {row.Type} | {row.Parameters} | {row.Method} | {Time(row.MeanNs)} | {ratio} | {addedNs} | {row.Bytes} B | {addedBytes} |");
        }

        PrintPerChunkSlopes(rows, output);
        PrintAgainstThePeer(rows, output);
    }

    /// <summary>For each class that measures the peer, the router's added time and bytes as a multiple of the peer's.</summary>
    private static void PrintAgainstThePeer(List<Row> rows, TextWriter output)
    {
        foreach (Row peer in rows.Where(r => r.Method == PeerMethod))
        {
            Row? baseline = rows.FirstOrDefault(r => r.Type == peer.Type && r.Parameters == peer.Parameters && r.IsBaseline);
            if (baseline is null)
            {
                continue;
            }

            double peerNs = peer.MeanNs - baseline.MeanNs;
            long peerBytes = peer.Bytes - baseline.Bytes;
            foreach (Row router in rows.Where(r => r.Type == peer.Type && r.Parameters == peer.Parameters && !r.IsBaseline && r.Method != PeerMethod))
            {
                double routerNs = router.MeanNs - baseline.MeanNs;
                long routerBytes = router.Bytes - baseline.Bytes;
                output.WriteLine(
                    $"{peer.Type}{(peer.Parameters.Length > 0 ? " " + peer.Parameters : string.Empty)}.{router.Method}: adds {Time(routerNs)} and {routerBytes} B, " +
                    $"the peer {Time(peerNs)} and {peerBytes} B: {(routerNs / peerNs).ToString("0.00", CultureInfo.InvariantCulture)}× the peer's added time.");
            }
        }
    }

    private static void PrintPerChunkSlopes(List<Row> rows, TextWriter output)
    {
        foreach (IGrouping<string, Row> type in rows.Where(r => r.Parameters.Contains("Chunks=", StringComparison.Ordinal)).GroupBy(r => r.Type))
        {
            var lengths = type.Select(r => ChunkCount(r.Parameters)).Distinct().Order().ToList();
            if (lengths.Count < 2)
            {
                continue;
            }

            int shortLength = lengths[0];
            int longLength = lengths[^1];
            foreach (Row longRow in type.Where(r => !r.IsBaseline && ChunkCount(r.Parameters) == longLength))
            {
                Row? shortRow = type.FirstOrDefault(r => r.Method == longRow.Method && ChunkCount(r.Parameters) == shortLength);
                Row? longBase = type.FirstOrDefault(r => r.IsBaseline && ChunkCount(r.Parameters) == longLength);
                Row? shortBase = type.FirstOrDefault(r => r.IsBaseline && ChunkCount(r.Parameters) == shortLength);
                if (shortRow is null || longBase is null || shortBase is null)
                {
                    continue;
                }

                double chunks = longLength - shortLength;
                double bytesPerChunk = ((longRow.Bytes - longBase.Bytes) - (shortRow.Bytes - shortBase.Bytes)) / chunks;
                double nsPerChunk = ((longRow.MeanNs - longBase.MeanNs) - (shortRow.MeanNs - shortBase.MeanNs)) / chunks;
                output.WriteLine(
                    $"{type.Key}.{longRow.Method}: adds {bytesPerChunk.ToString("0.##", CultureInfo.InvariantCulture)} B and " +
                    $"{nsPerChunk.ToString("0.#", CultureInfo.InvariantCulture)} ns per chunk over the baseline (slope {shortLength} → {longLength} chunks).");
            }
        }
    }

    private static int ChunkCount(string parameters)
    {
        int start = parameters.IndexOf("Chunks=", StringComparison.Ordinal) + "Chunks=".Length;
        int end = start;
        while (end < parameters.Length && char.IsAsciiDigit(parameters[end]))
        {
            end++;
        }

        return int.Parse(parameters.AsSpan(start, end - start), CultureInfo.InvariantCulture);
    }

    private static string Time(double nanoseconds) =>
        Math.Abs(nanoseconds) >= 10_000
            ? (nanoseconds / 1000).ToString("0.0", CultureInfo.InvariantCulture) + " µs"
            : nanoseconds.ToString("0", CultureInfo.InvariantCulture) + " ns";

    private sealed record Row(string Type, string Method, string Parameters, bool IsBaseline, double MeanNs, long Bytes);
}
