using System.Diagnostics;
using System.Globalization;

namespace LlmRouter.Benchmarks;

/// <summary>
/// Requests per second and latency at 64 concurrent connections on loopback, non-streaming: the router in-process with 64
/// concurrent callers, the gateway endpoint, and the plain reverse proxy, each after a warm-up, in turn, twice (the better
/// round counts, as the shared VM's speed drifts).
/// </summary>
internal static class GatewayLoad
{
    private const int Connections = 64;

    public static void Run(TextWriter output, TimeSpan duration)
    {
        GatewayStack stack = GatewayStack.Start(Connections);
        try
        {
            var targets = new (string Name, Func<Task<int>> Call)[]
            {
                ("router in-process", () => stack.DirectAsync(stream: false)),
                ("gateway endpoint", () => stack.GatewayAsync(stream: false)),
                ("reverse proxy", () => stack.ProxyAsync(stream: false)),
            };
            var best = new Dictionary<string, Result>();
            for (int round = 0; round < 2; round++)
            {
                foreach ((string name, Func<Task<int>> call) in targets)
                {
                    Measure(call, TimeSpan.FromSeconds(1));
                    Result result = Measure(call, duration);
                    if (!best.TryGetValue(name, out Result? seen) || result.PerSecond > seen.PerSecond)
                    {
                        best[name] = result;
                    }
                }
            }

            Result direct = best["router in-process"];
            output.WriteLine($"{Connections} concurrent connections, {duration.TotalSeconds:0} s per run, best of 2 rounds, non-streaming:");
            output.WriteLine("| path | requests/s | p50 | p99 | ÷ router requests/s | added p50 |");
            output.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
            foreach ((string name, _) in targets)
            {
                Result r = best[name];
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {r.PerSecond:N0} | {r.P50 * 1000:0} µs | {r.P99 * 1000:0} µs | {r.PerSecond / direct.PerSecond:0.00} | {(r.P50 - direct.P50) * 1000:0} µs |"));
            }
        }
        finally
        {
            stack.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static Result Measure(Func<Task<int>> call, TimeSpan duration)
    {
        var latencies = new List<double>[Connections];
        using var stop = new CancellationTokenSource(duration);
        var stopwatch = Stopwatch.StartNew();
        Task[] workers = new Task[Connections];
        for (int i = 0; i < Connections; i++)
        {
            var own = latencies[i] = new List<double>(100_000);
            workers[i] = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    long start = Stopwatch.GetTimestamp();
                    await call().ConfigureAwait(false);
                    own.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
            });
        }

        Task.WaitAll(workers);
        double seconds = stopwatch.Elapsed.TotalSeconds;
        double[] all = [.. latencies.SelectMany(l => l)];
        Array.Sort(all);
        return new Result(all.Length / seconds, all[all.Length / 2], all[(int)(all.Length * 0.99)]);
    }

    /// <summary>Requests per second and latency percentiles in milliseconds.</summary>
    private sealed record Result(double PerSecond, double P50, double P99);
}
