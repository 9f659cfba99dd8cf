using System.Diagnostics;
using Microsoft.Extensions.AI;
using static LlmRouter.TelemetryConstants;

namespace LlmRouter;

/// <summary>
/// What a span carries from the request's options and the answer, under the OpenTelemetry GenAI names; no state, no text of
/// the conversation (that is <see cref="MessageContent"/>'s, on opt-in).
/// </summary>
internal static class SpanTags
{
    /// <summary>Tags a request's span with the <c>gen_ai.request.*</c> options the caller set.</summary>
    public static void Options(Activity activity, ChatOptions options)
    {
        if (options.MaxOutputTokens is { } maxTokens)
        {
            activity.SetTag(GenAI.RequestMaxTokens, maxTokens);
        }

        if (options.Temperature is { } temperature)
        {
            activity.SetTag(GenAI.RequestTemperature, temperature);
        }

        if (options.TopP is { } topP)
        {
            activity.SetTag(GenAI.RequestTopP, topP);
        }

        if (options.TopK is { } topK)
        {
            activity.SetTag(GenAI.RequestTopK, topK);
        }

        if (options.Seed is { } seed)
        {
            activity.SetTag(GenAI.RequestSeed, seed);
        }

        if (options.FrequencyPenalty is { } frequencyPenalty)
        {
            activity.SetTag(GenAI.RequestFrequencyPenalty, frequencyPenalty);
        }

        if (options.PresencePenalty is { } presencePenalty)
        {
            activity.SetTag(GenAI.RequestPresencePenalty, presencePenalty);
        }

        if (options.StopSequences is { Count: > 0 } stop)
        {
            activity.SetTag(GenAI.RequestStopSequences, stop.ToArray());
        }

        if (options.ConversationId is { } conversation)
        {
            activity.SetTag(GenAI.ConversationId, conversation);
        }
    }

    /// <summary>Tags a span with what the answer said: model, id, token usage and finish reason, each when known.</summary>
    public static void Response(Activity activity, string? model, string? responseId, long? input, long? output, string? finishReason)
    {
        if (model is not null)
        {
            activity.SetTag(GenAI.ResponseModel, model);
        }

        if (responseId is not null)
        {
            activity.SetTag(GenAI.ResponseId, responseId);
        }

        if (input is not null)
        {
            activity.SetTag(GenAI.UsageInputTokens, input);
        }

        if (output is not null)
        {
            activity.SetTag(GenAI.UsageOutputTokens, output);
        }

        if (finishReason is not null)
        {
            activity.SetTag(GenAI.ResponseFinishReasons, new[] { finishReason });
        }
    }

    /// <summary>Marks a span failed with its <c>error.type</c> and the exception's message.</summary>
    public static void Fail(Activity activity, string errorType, Exception? exception)
    {
        activity.SetTag(Common.ErrorType, errorType);
        activity.SetStatus(ActivityStatusCode.Error, exception?.Message);
    }

    /// <summary>Copies a response property to a span tag when the response carries it.</summary>
    public static void IfPresent(Activity activity, AdditionalPropertiesDictionary properties, string property, string tag)
    {
        if (properties.TryGetValue(property, out object? value) && value is not null)
        {
            activity.SetTag(tag, value);
        }
    }
}
