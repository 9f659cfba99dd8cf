using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using LlmRouter;
using Microsoft.Extensions.AI;

namespace Quickstart;

/// <summary>How a simulated call fails: the HTTP status and, optionally, the Retry-After the provider sends.</summary>
internal sealed record SimulatedFailure(HttpStatusCode Status, TimeSpan? RetryAfter = null);

/// <summary>
/// A stand-in provider for running the sample without API keys: answers deterministically and fails on a fixed
/// schedule (call numbers listed in <paramref name="failures"/>), the way a real provider fails under load.
/// </summary>
internal sealed class SimulatedChatClient(string provider, string model, IReadOnlyDictionary<int, SimulatedFailure>? failures = null) : IChatClient
{
    private readonly ChatClientMetadata _metadata = new(provider, new Uri("https://simulated.invalid/"), model);
    private int _calls;

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        string answer = Answer(messages, options, Interlocked.Increment(ref _calls));
        await Task.Delay(TimeSpan.FromMilliseconds(15), cancellationToken);
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, answer))
        {
            ModelId = options?.ModelId ?? model,
            FinishReason = ChatFinishReason.Stop,
            Usage = Usage(messages, answer),
        };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string answer = Answer(messages, options, Interlocked.Increment(ref _calls));
        string[] words = answer.Split(' ');
        for (int i = 0; i < words.Length; i++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(10), cancellationToken);
            yield return new ChatResponseUpdate(ChatRole.Assistant, i == 0 ? words[i] : " " + words[i])
            {
                ModelId = options?.ModelId ?? model,
                FinishReason = i == words.Length - 1 ? ChatFinishReason.Stop : null,
            };
        }

        yield return new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(Usage(messages, answer))]);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(ChatClientMetadata) ? _metadata : null;

    public void Dispose()
    {
    }

    private string Answer(IEnumerable<ChatMessage> messages, ChatOptions? options, int call)
    {
        if (failures is not null && failures.TryGetValue(call, out SimulatedFailure? failure))
        {
            throw new ProviderException(failure.Status, $"Simulated {provider} failure on call {call.ToString(CultureInfo.InvariantCulture)}.")
            {
                ProviderName = provider,
                RetryAfter = failure.RetryAfter,
            };
        }

        string question = messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text ?? string.Empty;
        return $"({options?.ModelId ?? model}) You asked: \"{question}\". Here is a deterministic simulated answer.";
    }

    private static UsageDetails Usage(IEnumerable<ChatMessage> messages, string answer)
    {
        long input = messages.Sum(m => (long)m.Text.Length) / 4 + 1;
        long output = answer.Length / 4 + 1;
        return new UsageDetails { InputTokenCount = input, OutputTokenCount = output, TotalTokenCount = input + output };
    }
}
