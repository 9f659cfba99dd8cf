using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.AI;

namespace LlmRouter.Benchmarks;

/// <summary>
/// Calls per second through the direct call, the router and the peer (<see cref="OrderedFailoverChatClient"/>) with 1, 2 and
/// 64 concurrent callers, in alternating rounds keeping each subject's best. The callers are threads calling in a loop;
/// the stand-ins complete synchronously, so a call never leaves its thread and what is measured is the router's own cost
/// and the cost of cores contending for its shared state.
/// </summary>
internal static class ThroughputComparison
{
    private static readonly ChatMessage[] Messages = [new(ChatRole.User, "Say hello.")];
    private static readonly ChatOptions DirectOptions = new() { ModelId = "fake-model" };
    private static readonly ChatOptions RouterOptions = new() { ModelId = "default" };

    public static void Run(TextWriter output, int rounds = 3, TimeSpan? roundLength = null)
    {
        TimeSpan length = roundLength ?? TimeSpan.FromMilliseconds(500);
        (string Name, Func<IChatClient> Client, ChatOptions Options)[] subjects =
        [
            ("direct", Shared(new BenchmarkChatClient("Hello!", chunks: 1)), DirectOptions),
            ("OrderedFailover", Shared(BenchmarkRouters.CreatePeer(chunks: 1)), DirectOptions),
            ("router, defaults", Shared(BenchmarkRouters.Create(chunks: 1, resilience: true)), RouterOptions),

            // Each caller its own router: nothing shared between cores, so the gap to the row above is what sharing costs.
            ("router, defaults, one per caller", () => BenchmarkRouters.Create(chunks: 1, resilience: true), RouterOptions),
            ("router, priced", Shared(BenchmarkRouters.CreateShared(leastBusy: false, budget: false)), RouterOptions),
            ("router, priced, LeastBusy", Shared(BenchmarkRouters.CreateShared(leastBusy: true, budget: false)), RouterOptions),
            ("router, priced, budget", Shared(BenchmarkRouters.CreateShared(leastBusy: false, budget: true)), RouterOptions),
            ("router, priced, LeastBusy + budget", Shared(BenchmarkRouters.CreateShared(leastBusy: true, budget: true)), RouterOptions),
        ];

        int[] callerCounts = [1, 2, 64];
        var best = new double[subjects.Length, callerCounts.Length];
        foreach ((string _, Func<IChatClient> client, ChatOptions options) in subjects)
        {
            Measure(client, options, 2, TimeSpan.FromMilliseconds(200));
        }

        for (int round = 0; round < rounds; round++)
        {
            for (int c = 0; c < callerCounts.Length; c++)
            {
                for (int s = 0; s < subjects.Length; s++)
                {
                    best[s, c] = Math.Max(best[s, c], Measure(subjects[s].Client, subjects[s].Options, callerCounts[c], length));
                }
            }
        }

        output.WriteLine($"calls per second ({Environment.ProcessorCount} cores, best of {rounds} rounds of {length.TotalMilliseconds:0} ms)");
        output.WriteLine($"| subject | {string.Join(" | ", callerCounts.Select(c => c + (c == 1 ? " caller" : " callers")))} | 2 ÷ 1 callers | scaling ÷ direct's |");
        output.WriteLine($"| --- |{string.Concat(callerCounts.Select(_ => " ---: |"))} ---: | ---: |");
        double directScaling = best[0, 1] / best[0, 0];
        for (int s = 0; s < subjects.Length; s++)
        {
            double scaling = best[s, 1] / best[s, 0];
            string cells = string.Join(" | ", Enumerable.Range(0, callerCounts.Length).Select(c => Rate(best[s, c])));
            output.WriteLine($"| {subjects[s].Name} | {cells} | {Ratio(scaling)} | {Ratio(scaling / directScaling)} |");
        }

        for (int s = 2; s < subjects.Length; s++)
        {
            output.WriteLine($"{subjects[s].Name} at 2 callers: {Ratio(best[s, 1] / best[1, 1])}× the peer's calls per second");
        }
    }

    /// <summary>One client every caller shares.</summary>
    private static Func<IChatClient> Shared(IChatClient client) => () => client;

    /// <summary>Runs the router (with defaults, or priced with a budget) under <paramref name="callers"/> callers and prints calls per second.</summary>
    public static void Load(int callers, TimeSpan length, bool budget)
    {
        IChatClient router = budget ? BenchmarkRouters.CreateShared(leastBusy: false, budget: true) : BenchmarkRouters.Create(chunks: 1, resilience: true);
        Measure(Shared(router), RouterOptions, callers, TimeSpan.FromMilliseconds(200));
        Console.WriteLine($"{callers} callers: {Rate(Measure(Shared(router), RouterOptions, callers, length))}");
    }

    /// <summary>Calls per second of <paramref name="callers"/> threads, each calling the client <paramref name="clients"/> gives it.</summary>
    private static double Measure(Func<IChatClient> clients, ChatOptions options, int callers, TimeSpan length)
    {
        long total = 0;
        using var start = new Barrier(callers + 1);
        bool stop = false;
        var threads = new Thread[callers];
        for (int i = 0; i < callers; i++)
        {
            IChatClient client = clients();
            threads[i] = new Thread(() =>
            {
                long calls = 0;
                start.SignalAndWait();
                while (!Volatile.Read(ref stop))
                {
                    for (int k = 0; k < 64; k++)
                    {
                        _ = client.GetResponseAsync(Messages, options).GetAwaiter().GetResult();
                    }

                    calls += 64;
                }

                Interlocked.Add(ref total, calls);
            })
            { IsBackground = true };
            threads[i].Start();
        }

        start.SignalAndWait();
        long began = Stopwatch.GetTimestamp();
        Thread.Sleep(length);
        Volatile.Write(ref stop, true);
        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        return Interlocked.Read(ref total) / Stopwatch.GetElapsedTime(began).TotalSeconds;
    }

    private static string Rate(double perSecond) => (perSecond / 1e6).ToString("0.00", CultureInfo.InvariantCulture) + " M/s";

    private static string Ratio(double ratio) => ratio.ToString("0.00", CultureInfo.InvariantCulture);
}
