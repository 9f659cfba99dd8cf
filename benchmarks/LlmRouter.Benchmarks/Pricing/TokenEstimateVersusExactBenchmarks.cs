using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;

namespace LlmRouter.Benchmarks;

/// <summary>
/// The default token estimate against the exact o200k count of LlmRouter.Tokenizers (<see cref="ExactTokenEstimators.Create"/>
/// for <c>gpt-4o</c>) on the same requests, in one run: the typical three-message request with instructions and a tool, and
/// one message of about 1,000 characters of English prose. The estimate is each input's baseline, so the ratio column says how
/// many times as long the exact count takes.
/// </summary>
[MemoryDiagnoser]
public class TokenEstimateVersusExactBenchmarks
{
    private readonly ITokenEstimator _estimate = TokenEstimators.Default;
    private readonly ITokenEstimator _exact = ExactTokenEstimators.Create("gpt-4o");
    private ChatMessage[] _messages = [];
    private ChatOptions? _options;

    /// <summary>The request both estimators count.</summary>
    public enum Request
    {
        /// <summary>Three messages, system instructions and one function tool (<see cref="TypicalRequest"/>).</summary>
        Typical,

        /// <summary>One user message of about 1,000 characters of English prose.</summary>
        Prose1000,
    }

    [Params(Request.Typical, Request.Prose1000)]
    public Request Input { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (_messages, _options) = Input switch
        {
            Request.Typical => (TypicalRequest.Messages, TypicalRequest.Options),
            _ => ([new ChatMessage(ChatRole.User, TextCountBenchmarks.Paragraph)], (ChatOptions?)null),
        };

        // The exact estimator loads its encoding on first use; that happens here, not in the first measured call.
        _exact.EstimateInputTokens(_messages, _options);
    }

    [Benchmark(Baseline = true)]
    public int Estimate() => _estimate.EstimateInputTokens(_messages, _options);

    [Benchmark]
    public int Exact() => _exact.EstimateInputTokens(_messages, _options);
}
