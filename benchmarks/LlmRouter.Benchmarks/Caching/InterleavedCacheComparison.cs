using Microsoft.Extensions.AI;

namespace LlmRouter.Benchmarks;

/// <summary>
/// A miss through the response cache against the direct call and <see cref="DistributedCachingChatClient"/> in alternating rounds
/// (see <see cref="InterleavedComparison"/>), with the setup of <see cref="ResponseCacheMissBenchmarks"/>: a store that never holds
/// anything and 64 callers in turn.
/// </summary>
internal static class InterleavedCacheComparison
{
    public static void Run(TextWriter output)
    {
        var miss = new ResponseCacheMissBenchmarks();
        miss.Setup();
        InterleavedComparison.Report(
            output,
            "response cache miss",
            [
                ("direct", () => miss.Direct().GetAwaiter().GetResult()),
                ("DistributedCachingChatClient", () => miss.DistributedCachingMiss().GetAwaiter().GetResult()),
                ("response cache", () => miss.ResponseCacheMiss().GetAwaiter().GetResult()),
            ],
            iterations: 40_000);
        InterleavedComparison.Report(
            output,
            "parts of a miss",
            [
                ("direct", () => miss.Direct().GetAwaiter().GetResult()),
                ("the key", () => miss.KeyOnly()),
                ("the entry", () => miss.EntryOnly()),
            ],
            iterations: 40_000,
            againstPeer: false);
    }
}
