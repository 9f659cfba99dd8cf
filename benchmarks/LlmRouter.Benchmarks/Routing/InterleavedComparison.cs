using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.AI;

namespace LlmRouter.Benchmarks;

/// <summary>
/// The router against the direct call and the peer (<see cref="OrderedFailoverChatClient"/>) in alternating rounds, keeping
/// each one's best round. On a shared VM whose speed drifts by tens of percent between BenchmarkDotNet runs, alternating
/// makes the three see the same machine, so the ratio of added times is steadier than across separate runs. The same
/// stand-ins as <see cref="RouterOverheadBenchmarks"/> and <see cref="StreamingOverheadBenchmarks"/>.
/// </summary>
internal static class InterleavedComparison
{
    private const int Rounds = 30;

    private static readonly ChatMessage[] Messages = [new(ChatRole.User, "Say hello.")];
    private static readonly ChatOptions DirectOptions = new() { ModelId = "fake-model" };
    private static readonly ChatOptions RouterOptions = new() { ModelId = "default" };

    /// <summary>Runs the comparison; <paramref name="callsOnly"/> leaves the streams out (<c>--interleaved --calls-only</c>, for quick turns).</summary>
    public static void Run(TextWriter output, bool callsOnly = false)
    {
        IChatClient direct = new BenchmarkChatClient("Hello!", chunks: 1);
        IChatClient peer = BenchmarkRouters.CreatePeer(chunks: 1);
        IChatClient router = BenchmarkRouters.Create(chunks: 1, resilience: true);
        IChatClient plainRouter = BenchmarkRouters.Create(chunks: 1, resilience: false);

        // Named as the deployments' model, the route needs no copy of the caller's options: what the copy costs.
        IChatClient modelRoute = BenchmarkRouters.Create(chunks: 1, resilience: true, route: "fake-model");
        Report(
            output,
            "non-streaming call",
            [
                ("direct", () => direct.GetResponseAsync(Messages, DirectOptions)),
                ("OrderedFailover", () => peer.GetResponseAsync(Messages, DirectOptions)),
                ("router, defaults", () => router.GetResponseAsync(Messages, RouterOptions)),
                ("router, no resilience", () => plainRouter.GetResponseAsync(Messages, RouterOptions)),
                ("router, route named as the model", () => modelRoute.GetResponseAsync(Messages, DirectOptions)),
            ],
            iterations: 400_000);

        if (callsOnly)
        {
            return;
        }

        foreach (int chunks in new[] { 10, 100 })
        {
            IChatClient directStream = new BenchmarkChatClient("unused", chunks);
            IChatClient peerStream = BenchmarkRouters.CreatePeer(chunks);
            IChatClient routerStream = BenchmarkRouters.Create(chunks, resilience: true);
            Report(
                output,
                $"stream of {chunks} chunks",
                [
                    ("direct", () => Drain(directStream, DirectOptions)),
                    ("OrderedFailover", () => Drain(peerStream, DirectOptions)),
                    ("router, defaults", () => Drain(routerStream, RouterOptions)),
                ],
                iterations: 20_000);
        }
    }

    /// <summary>Prints the best round of each subject as time added over the first; with <paramref name="againstPeer"/>, also each from the third on as a multiple of the second's.</summary>
    internal static void Report(TextWriter output, string what, (string Name, Action Call)[] subjects, int iterations, bool againstPeer = true)
    {
        var best = new double[subjects.Length];
        Array.Fill(best, double.MaxValue);
        foreach ((string _, Action call) in subjects)
        {
            for (int i = 0; i < iterations / 2; i++)
            {
                call();
            }
        }

        for (int round = 0; round < Rounds; round++)
        {
            for (int k = 0; k < subjects.Length; k++)
            {
                Action call = subjects[k].Call;
                long start = Stopwatch.GetTimestamp();
                for (int i = 0; i < iterations / 10; i++)
                {
                    call();
                }

                best[k] = Math.Min(best[k], Stopwatch.GetElapsedTime(start).TotalNanoseconds / (iterations / 10));
            }
        }

        double direct = best[0];
        double peer = best[1] - direct;
        output.WriteLine($"{what}: direct {Ns(direct)}; added over it: {string.Join(", ", subjects.Skip(1).Select((s, i) => $"{s.Name} {Ns(best[i + 1] - direct)}"))}");
        for (int k = 2; againstPeer && k < subjects.Length; k++)
        {
            output.WriteLine($"  {subjects[k].Name}: {((best[k] - direct) / peer).ToString("0.00", CultureInfo.InvariantCulture)}× the peer's added time");
        }
    }

    private static void Drain(IChatClient client, ChatOptions options)
    {
        IAsyncEnumerator<ChatResponseUpdate> updates = client.GetStreamingResponseAsync(Messages, options).GetAsyncEnumerator();
        try
        {
            while (updates.MoveNextAsync().AsTask().GetAwaiter().GetResult())
            {
            }
        }
        finally
        {
            updates.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static string Ns(double nanoseconds) => nanoseconds.ToString("0", CultureInfo.InvariantCulture) + " ns";
}
