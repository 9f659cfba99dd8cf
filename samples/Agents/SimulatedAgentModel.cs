using System.Net;
using System.Runtime.CompilerServices;
using LlmRouter;
using Microsoft.Extensions.AI;

namespace Agents;

/// <summary>
/// A stand-in model for running the sample without API keys: asks for the forecast tool once when it has one, answers each
/// stage by its instructions, reports usage, and (optionally) is overloaded on its first call, as a real provider is at times.
/// </summary>
internal sealed class SimulatedAgentModel(string name, bool failFirstCall = false) : IChatClient
{
    private int _calls;

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Increment(ref _calls) == 1 && failFirstCall)
        {
            throw new ProviderException($"{name} is overloaded (simulated).", ProviderErrorKind.Overloaded, HttpStatusCode.ServiceUnavailable);
        }

        List<ChatMessage> history = [.. messages];
        ChatMessage answer = Answer(history, options);
        int input = history.Sum(m => m.Text.Length) / 4 + 20;
        return Task.FromResult(new ChatResponse(answer)
        {
            ModelId = options?.ModelId,
            FinishReason = answer.Contents.OfType<FunctionCallContent>().Any() ? ChatFinishReason.ToolCalls : ChatFinishReason.Stop,
            Usage = new UsageDetails { InputTokenCount = input, OutputTokenCount = (answer.Text.Length / 4) + 5 },
        });
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ChatResponse response = await GetResponseAsync(messages, options, cancellationToken);
        foreach (ChatResponseUpdate update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }

    private ChatMessage Answer(List<ChatMessage> history, ChatOptions? options)
    {
        string instructions = (options?.Instructions ?? string.Empty) + string.Join(' ', history.Where(m => m.Role == ChatRole.System).Select(m => m.Text));
        if (options?.Tools is { Count: > 0 } && !history.Any(m => m.Contents.OfType<FunctionResultContent>().Any()))
        {
            return new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("call-forecast", "get_forecast", new Dictionary<string, object?> { ["city"] = "Sintra" })]);
        }

        string text = instructions.Contains("Plan the steps", StringComparison.Ordinal)
            ? "1. Get tomorrow's forecast for Sintra. 2. Decide whether it suits a ride."
            : instructions.Contains("Carry out", StringComparison.Ordinal)
                ? $"Forecast: {history.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Last().Result}. Dry and mild: good for the ride."
                : "Yes: tomorrow is dry and mild in Sintra, so cycling from Lisbon is a good plan (take water for the climb).";
        return new ChatMessage(ChatRole.Assistant, $"[{name}] {text}");
    }
}
