using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.AI;

namespace LlmRouter.Benchmarks;

/// <summary>
/// <see cref="TokenEstimators.Default"/> on a few requests in alternating rounds, keeping each one's best round (as
/// <see cref="InterleavedComparison"/>), through the public API only, so that two builds (before and after a change) can be run
/// one after the other in alternating processes and compared. The requests: the typical one (<see cref="TypicalRequest"/>); the
/// same with its messages and instructions copied into new strings for every call (128 copies cycled), so that no caching of a
/// text by its instance can flatter the figure; its tool alone (an empty user message), the part reused across requests; and
/// 1,000 characters of prose.
/// </summary>
internal static class InterleavedEstimateComparison
{
    private const int Rounds = 40;
    private const int Iterations = 200_000;
    private const int Copies = 128;

    private static int s_sink;

    public static void Run(TextWriter output)
    {
        ITokenEstimator estimator = TokenEstimators.Default;
        ChatMessage[] messages = TypicalRequest.Messages;
        ChatOptions options = TypicalRequest.Options;
        (ChatMessage[] Messages, ChatOptions Options)[] copies = FreshCopies(messages, options);
        ChatMessage[] empty = [new(ChatRole.User, string.Empty)];
        var toolOnly = new ChatOptions { Tools = options.Tools };
        ChatMessage[] prose = [new(ChatRole.User, TextCountBenchmarks.Paragraph)];
        int next = 0;

        (string Name, Action Call)[] subjects =
        [
            ("typical request", () => s_sink += estimator.EstimateInputTokens(messages, options)),
            ("typical request, new strings every call", () =>
            {
                (ChatMessage[] m, ChatOptions o) = copies[next];
                next = (next + 1) % Copies;
                s_sink += estimator.EstimateInputTokens(m, o);
            }),
            ("its tool alone", () => s_sink += estimator.EstimateInputTokens(empty, toolOnly)),
            ("1,000 characters of prose", () => s_sink += estimator.EstimateInputTokens(prose, null)),
        ];

        var best = new double[subjects.Length];
        Array.Fill(best, double.MaxValue);
        foreach ((string _, Action call) in subjects)
        {
            for (int i = 0; i < Iterations; i++)
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
                for (int i = 0; i < Iterations / 10; i++)
                {
                    call();
                }

                best[k] = Math.Min(best[k], Stopwatch.GetElapsedTime(start).TotalNanoseconds / (Iterations / 10));
            }
        }

        string load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "unknown";
        output.WriteLine($"Token estimate, best of {Rounds} alternating rounds (load average {load}):");
        for (int k = 0; k < subjects.Length; k++)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {subjects[k].Name,-42} {best[k],8:F1} ns"));
        }

        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"  typical request estimate: {estimator.EstimateInputTokens(messages, options)} tokens (checksum {s_sink & 0xFFFF})"));
    }

    /// <summary>Copies of the request whose message texts and instructions are new string instances, sharing the tool.</summary>
    private static (ChatMessage[], ChatOptions)[] FreshCopies(ChatMessage[] messages, ChatOptions options)
    {
        var copies = new (ChatMessage[], ChatOptions)[Copies];
        for (int c = 0; c < Copies; c++)
        {
            var copied = new ChatMessage[messages.Length];
            for (int i = 0; i < messages.Length; i++)
            {
                copied[i] = new ChatMessage(messages[i].Role, new string(messages[i].Text.AsSpan()));
            }

            ChatOptions copiedOptions = options.Clone();
            copiedOptions.Instructions = new string(options.Instructions.AsSpan());
            copies[c] = (copied, copiedOptions);
        }

        return copies;
    }
}
