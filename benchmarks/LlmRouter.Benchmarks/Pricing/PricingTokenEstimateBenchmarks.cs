using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;

namespace LlmRouter.Benchmarks;

/// <summary>
/// The default token estimator on a typical three-message request with system instructions and one tool, against counting
/// characters and dividing by four (the baseline).
/// </summary>
[MemoryDiagnoser]
public class PricingTokenEstimateBenchmarks
{
    private readonly ChatMessage[] _messages = TypicalRequest.Messages;

    private readonly ChatOptions _options = TypicalRequest.Options;

    private readonly ITokenEstimator _estimator = TokenEstimators.Default;

    [Benchmark(Baseline = true)]
    public int CharactersOverFour()
    {
        int characters = _options.Instructions!.Length;
        foreach (ChatMessage message in _messages)
        {
            characters += ((TextContent)message.Contents[0]).Text.Length;
        }

        return characters / 4;
    }

    [Benchmark]
    public int EstimateInputTokens() => _estimator.EstimateInputTokens(_messages, _options);

    [Benchmark]
    public int ExpectedOutputTokens() => TokenEstimators.ExpectedOutputTokens(_options, observedAverage: 180);
}
