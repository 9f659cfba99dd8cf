using Microsoft.Extensions.AI;

namespace LlmRouter.Tests;

/// <summary>
/// A typical three-message chat request with system instructions and one function tool (about 480 characters of messages and
/// instructions, plus the tool's JSON schema), for estimates and allocation guards; the benchmarks compile this same file.
/// </summary>
internal static class TypicalRequest
{
    public static ChatMessage[] Messages { get; } =
    [
        new(ChatRole.User, "I'm planning a three-day trip to Lisbon in March. What should I pack, and which neighbourhoods are worth a walk?"),
        new(ChatRole.Assistant, "Pack layers: March in Lisbon runs from about 10 °C at night to 18 °C by day, with some rain. Comfortable shoes matter more than anything, because the hills and cobbles are steep. Alfama, Baixa and Bairro Alto are close together and easy to explore on foot."),
        new(ChatRole.User, "Great. Can you check the forecast for the first day and suggest a route that avoids the steepest streets?"),
    ];

    public static ChatOptions Options { get; } = new()
    {
        Instructions = "You are a concise travel assistant. Answer in plain English and keep each answer under 150 words.",
        MaxOutputTokens = 400,
        Tools = [AIFunctionFactory.Create((string city, int days) => "sunny", "get_forecast", "Gets the weather forecast for a city for the next few days.")],
    };
}
