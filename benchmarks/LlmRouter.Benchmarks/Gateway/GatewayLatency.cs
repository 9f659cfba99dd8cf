using System.Diagnostics;
using System.Globalization;

namespace LlmRouter.Benchmarks;

/// <summary>
/// One non-streaming request at a time, in alternating rounds: the router in-process, the gateway endpoint and the plain
/// reverse proxy take turns, so a load that comes and goes on the shared machine falls on all three alike. Per path: the p50
/// of every request, and the bytes the whole process allocated per request (exact, from the runtime's own count).
/// </summary>
internal static class GatewayLatency
{
    public static async Task RunAsync(TextWriter output, int rounds = 20, int perRound = 400)
    {
        GatewayStack stack = GatewayStack.Start(connections: 1);
        try
        {
            var targets = new (string Name, Func<Task<int>> Call)[]
            {
                ("router in-process", () => stack.DirectAsync(stream: false)),
                ("gateway endpoint", () => stack.GatewayAsync(stream: false)),
                ("reverse proxy", () => stack.ProxyAsync(stream: false)),
            };
            var latencies = new List<double>[targets.Length];
            long[] bytes = new long[targets.Length];
            for (int t = 0; t < targets.Length; t++)
            {
                latencies[t] = new List<double>(rounds * perRound);
                for (int i = 0; i < 500; i++)
                {
                    await targets[t].Call().ConfigureAwait(false);
                }
            }

            for (int round = 0; round < rounds; round++)
            {
                for (int t = 0; t < targets.Length; t++)
                {
                    long before = GC.GetTotalAllocatedBytes(precise: true);
                    for (int i = 0; i < perRound; i++)
                    {
                        long start = Stopwatch.GetTimestamp();
                        await targets[t].Call().ConfigureAwait(false);
                        latencies[t].Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
                    }

                    bytes[t] += GC.GetTotalAllocatedBytes(precise: true) - before;
                }
            }

            double directP50 = Median(latencies[0]);
            double directBytes = bytes[0] / (double)(rounds * perRound);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{rounds} alternating rounds of {perRound} sequential non-streaming requests per path; load average {File.ReadAllText("/proc/loadavg").Trim()}"));
            output.WriteLine("| path | p50 | added p50 | bytes per request | added bytes |");
            output.WriteLine("| --- | ---: | ---: | ---: | ---: |");
            for (int t = 0; t < targets.Length; t++)
            {
                double p50 = Median(latencies[t]);
                double perRequest = bytes[t] / (double)(rounds * perRound);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {targets[t].Name} | {p50:0} µs | {(t == 0 ? "–" : $"{p50 - directP50:+0;-0} µs")} | {perRequest:N0} B | {(t == 0 ? "–" : $"{perRequest - directBytes:+#,0;-#,0} B")} |"));
            }
        }
        finally
        {
            await stack.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static double Median(List<double> values)
    {
        double[] sorted = [.. values];
        Array.Sort(sorted);
        return sorted[sorted.Length / 2];
    }
}
