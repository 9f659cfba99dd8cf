using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;

namespace LlmRouter.Benchmarks;

/// <summary>
/// A non-streaming call through a route of 20 priced deployments ordered by <see cref="SelectionStrategies.Cheapest"/> (the
/// estimated cost of this request on each deployment, then a stable sort) vs the same route with the default
/// <see cref="SelectionStrategies.Ordered"/> (baseline). Every deployment reports usage, so both routers also cost the call.
/// Two requests: a one-line prompt, and a typical three-message chat with system instructions and one tool, whose token
/// estimate is the larger part of what Cheapest adds.
/// </summary>
[MemoryDiagnoser]
public class CheapestRoutingBenchmarks
{
    private const int Deployments = 20;

    private static readonly UsageDetails Usage = new() { InputTokenCount = 120, OutputTokenCount = 40 };

    private readonly ChatOptions _options = new() { ModelId = "default" };
    private IChatClient _ordered = null!;
    private IChatClient _cheapest = null!;
    private ChatMessage[] _messages = null!;
    private ChatOptions _requestOptions = null!;

    [Params("one-line", "typical")]
    public string Request { get; set; } = "one-line";

    [GlobalSetup]
    public void Setup()
    {
        _ordered = Router(SelectionStrategies.Ordered);
        _cheapest = Router(SelectionStrategies.Cheapest);
        if (Request == "typical")
        {
            _messages =
            [
                new(ChatRole.User, "I'm planning a three-day trip to Lisbon in March. What should I pack, and which neighbourhoods are worth a walk?"),
                new(ChatRole.Assistant, "Pack layers: March in Lisbon runs from about 10 °C at night to 18 °C by day, with some rain. Comfortable shoes matter more than anything, because the hills and cobbles are steep. Alfama, Baixa and Bairro Alto are close together and easy to explore on foot."),
                new(ChatRole.User, "Great. Can you check the forecast for the first day and suggest a route that avoids the steepest streets?"),
            ];
            _requestOptions = new ChatOptions
            {
                ModelId = "default",
                Instructions = "You are a concise travel assistant. Answer in plain English and keep each answer under 150 words.",
                MaxOutputTokens = 400,
                Tools = [AIFunctionFactory.Create((string city, int days) => "sunny", "get_forecast", "Gets the weather forecast for a city for the next few days.")],
            };
        }
        else
        {
            _messages = [new(ChatRole.User, "Say hello.")];
            _requestOptions = _options;
        }
    }

    [Benchmark(Baseline = true)]
    public Task<ChatResponse> Ordered() => _ordered.GetResponseAsync(_messages, _requestOptions);

    [Benchmark]
    public Task<ChatResponse> Cheapest() => _cheapest.GetResponseAsync(_messages, _requestOptions);

    /// <summary>20 deployments priced from $3.00/$15.00 down, with the cheapest in the middle of the list.</summary>
    private static IChatClient Router(string strategy)
    {
        var builder = new LlmRouterBuilder();
        string[] names = new string[Deployments];
        for (int i = 0; i < Deployments; i++)
        {
            names[i] = "d" + i;
            decimal scale = 1 + Math.Abs(i - (Deployments / 2));
            builder.AddDeployment(names[i], new BenchmarkChatClient("Hello!", chunks: 1, usage: Usage), d =>
            {
                d.Model = "fake-model";
                d.Price = new ModelPrice(0.15m * scale, 0.60m * scale);
            });
        }

        return builder.AddRoute("default", r => { r.Deployments = names; r.Strategy = strategy; }).Build();
    }
}
