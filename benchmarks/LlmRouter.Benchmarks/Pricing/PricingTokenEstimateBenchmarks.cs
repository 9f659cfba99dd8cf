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
    private readonly ChatMessage[] _messages =
    [
        new(ChatRole.User, "I'm planning a three-day trip to Lisbon in March. What should I pack, and which neighbourhoods are worth a walk?"),
        new(ChatRole.Assistant, "Pack layers: March in Lisbon runs from about 10 °C at night to 18 °C by day, with some rain. Comfortable shoes matter more than anything, because the hills and cobbles are steep. Alfama, Baixa and Bairro Alto are close together and easy to explore on foot."),
        new(ChatRole.User, "Great. Can you check the forecast for the first day and suggest a route that avoids the steepest streets?"),
    ];

    private readonly ChatOptions _options = new()
    {
        Instructions = "You are a concise travel assistant. Answer in plain English and keep each answer under 150 words.",
        MaxOutputTokens = 400,
        Tools = [AIFunctionFactory.Create((string city, int days) => "sunny", "get_forecast", "Gets the weather forecast for a city for the next few days.")],
    };

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
