using System.Globalization;
using System.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.AI.Evaluation;

namespace LlmRouter;

/// <summary>
/// An <see cref="IEvaluator"/> that asks a judge model to rate how well a response answers the conversation, from 1 (poor)
/// to 5 (excellent), as the metric <see cref="MetricName"/>. The router's default evaluator for <see cref="RouteOptions.Evaluation"/>;
/// any other <see cref="IEvaluator"/> (Microsoft.Extensions.AI.Evaluation's, your own) plugs in with
/// <see cref="LlmRouterBuilder.UseEvaluator(IEvaluator)"/>.
/// </summary>
/// <remarks>The judge sees the conversation and the response: send it only to a deployment you would send them to. Thread-safe.</remarks>
public sealed class JudgeEvaluator : IEvaluator
{
    /// <summary>The name of the metric this evaluator reports.</summary>
    public const string MetricName = "Quality";

    private const string Instructions =
        "You judge the quality of an AI assistant's response. Rate how well the response answers the user's latest request in the " +
        "conversation: correct, complete, relevant and clear. Reply with a single digit from 1 (poor) to 5 (excellent) and nothing else.";

    /// <inheritdoc />
    public IReadOnlyCollection<string> EvaluationMetricNames { get; } = [MetricName];

    /// <inheritdoc />
    /// <exception cref="ArgumentNullException"><paramref name="messages"/> or <paramref name="modelResponse"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="chatConfiguration"/> is <see langword="null"/>: the judge needs a chat client.</exception>
    public async ValueTask<EvaluationResult> EvaluateAsync(
        IEnumerable<ChatMessage> messages,
        ChatResponse modelResponse,
        ChatConfiguration? chatConfiguration = null,
        IEnumerable<EvaluationContext>? additionalContext = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(modelResponse);
        if (chatConfiguration is null)
        {
            throw new ArgumentException("The judge needs a ChatConfiguration with the chat client of the judge model.", nameof(chatConfiguration));
        }

        var transcript = new StringBuilder("Conversation:\n");
        foreach (ChatMessage message in messages)
        {
            transcript.Append(message.Role.Value).Append(": ").Append(message.Text).Append('\n');
        }

        transcript.Append("\nResponse to judge:\n").Append(modelResponse.Text);
        ChatResponse verdict = await chatConfiguration.ChatClient.GetResponseAsync(
            [new ChatMessage(ChatRole.System, Instructions), new ChatMessage(ChatRole.User, transcript.ToString())],
            new ChatOptions { Temperature = 0, MaxOutputTokens = 5 },
            cancellationToken).ConfigureAwait(false);

        var metric = new NumericMetric(MetricName);
        string text = verdict.Text;
        int digit = text.AsSpan().IndexOfAny("12345");
        if (digit >= 0)
        {
            metric.Value = text[digit] - '0';
        }
        else
        {
            metric.AddDiagnostics(EvaluationDiagnostic.Error(
                string.Create(CultureInfo.InvariantCulture, $"The judge's answer has no rating from 1 to 5 ({text.Length} characters).")));
        }

        return new EvaluationResult(metric);
    }
}
