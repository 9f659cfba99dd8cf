using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// An <see cref="IChatClient"/> for OpenAI chat completions (<c>POST {endpoint}/chat/completions</c>) and every server
/// that speaks it: Azure OpenAI, DeepSeek, Mistral, Groq, Together, Fireworks, OpenRouter, xAI, Qwen, Ollama, vLLM, LM Studio.
/// </summary>
/// <remarks>Thread-safe. Never retries. Created by <see cref="ProviderClientFactory"/>.</remarks>
internal sealed class OpenAIChatClient : ProviderChatClient
{
    private readonly Func<OpenAIChatCompletion, ChatResponse> _toResponse;
    private readonly OpenAIQuirks _quirks;
    private readonly Uri? _fixedUri;
    private readonly Uri? _defaultModelUri;

    public OpenAIChatClient(ProviderConnection connection, string? defaultModel)
        : base(connection, defaultModel)
    {
        _toResponse = ToResponse;
        _quirks = connection.Preset.Quirks;
        if ((_quirks & OpenAIQuirks.AzureDeployments) != 0
            && connection.BaseUrl.EndsWith("/openai/v1", StringComparison.OrdinalIgnoreCase))
        {
            // Azure's v1 API takes the model in the body, like OpenAI.
            _quirks &= ~OpenAIQuirks.AzureDeployments;
        }

        if ((_quirks & OpenAIQuirks.AzureDeployments) == 0)
        {
            _fixedUri = new Uri(connection.BaseUrl + "/chat/completions");
        }
        else if (DefaultModel is not null)
        {
            _defaultModelUri = AzureUri(DefaultModel);
        }
    }

    protected override Task<ChatResponse> GetResponseCoreAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, string model, CancellationToken cancellationToken) =>
        SendForResponseAsync(CreateRequest(messages, options, model, stream: false), OpenAIErrors.Parser, OpenAIJsonContext.Default.OpenAIChatCompletion, _toResponse, cancellationToken);

    protected override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseCoreAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, string model, CancellationToken cancellationToken) =>
        StreamAsync(messages, options, model, cancellationToken);

    private async IAsyncEnumerable<ChatResponseUpdate> StreamAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options, string model, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        HttpRequestMessage request = CreateRequest(messages, options, model, stream: true);
        HttpResponseMessage response = await Connection.SendAsync(request, OpenAIErrors.Parser, cancellationToken).ConfigureAwait(false);
        IAsyncEnumerator<SseItem<OpenAIChunk>>? events = null;
        Stream? body = null;
        try
        {
            (events, body) = await OpenEventsAsync<OpenAIChunk>(response, new OpenAIChunkReader().Parse, cancellationToken).ConfigureAwait(false);
            var state = new StreamState();
            while (await NextEventAsync(events, cancellationToken).ConfigureAwait(false))
            {
                SseItem<OpenAIChunk> item = events.Current;
                OpenAIChunk chunk = item.Data;
                if (chunk.IsDone)
                {
                    state.Done = true;
                    break;
                }

                if (item.EventType == "error")
                {
                    throw Connection.StreamError(chunk.Full?.Error is { } reported ? OpenAIErrors.Describe(reported) : default, ProviderErrorKind.ServerError);
                }

                ChatResponseUpdate? update;
                if (chunk.IsText)
                {
                    update = ToUpdate(ref chunk, ref state);
                }
                else if (chunk.Full is { } full)
                {
                    if (full.Error is { } error)
                    {
                        throw Connection.StreamError(OpenAIErrors.Describe(error), ProviderErrorKind.ServerError);
                    }

                    update = ToUpdate(full, ref state);
                }
                else
                {
                    continue;
                }

                if (update is not null)
                {
                    yield return update;
                }
            }

            if (!state.Done && state.FinishReason is null)
            {
                throw Truncated();
            }

            if (state.Calls is { Count: > 0 })
            {
                var update = new ChatResponseUpdate(ChatRole.Assistant, TakeCalls(ref state))
                {
                    ResponseId = state.ResponseId,
                    MessageId = state.ResponseId,
                    ModelId = state.ModelId,
                    FinishReason = ChatFinishReason.ToolCalls,
                };
                yield return update;
            }
        }
        finally
        {
            await CloseStreamAsync(events, body, response, request).ConfigureAwait(false);
        }
    }

    private HttpRequestMessage CreateRequest(IEnumerable<ChatMessage> messages, ChatOptions? options, string model, bool stream)
    {
        JsonRequestContent content = JsonRequestContent.Create(
            (messages, options, model, stream, _quirks),
            static (writer, state) => OpenAIRequestWriter.Write(writer, state.messages, state.options, state.model, state.stream, state._quirks));

        Uri uri = _fixedUri ?? (model == DefaultModel ? _defaultModelUri! : AzureUri(model));
        return new HttpRequestMessage(HttpMethod.Post, uri) { Content = content };
    }

    private Uri AzureUri(string model) =>
        new(string.Concat(Connection.BaseUrl, "/openai/deployments/", Uri.EscapeDataString(model), "/chat/completions?api-version=",
            Uri.EscapeDataString(Connection.ApiVersion ?? ProviderPresets.DefaultAzureApiVersion)));

    private ChatResponse ToResponse(OpenAIChatCompletion completion)
    {
        if (completion.Error is { } error)
        {
            throw Connection.StreamError(OpenAIErrors.Describe(error), ProviderErrorKind.ServerError);
        }

        if (completion.Choices is not [OpenAIChoice choice, ..] || choice.Message is not { } message)
        {
            throw Connection.Failure($"{Connection.ProviderName} answered without any choice.", ProviderErrorKind.InvalidResponse);
        }

        var contents = new List<AIContent>();
        if ((message.ReasoningContent ?? message.Reasoning ?? message.Content.Reasoning) is { Length: > 0 } reasoning)
        {
            contents.Add(new TextReasoningContent(reasoning));
        }

        if (message.Content.Text is { Length: > 0 } text)
        {
            contents.Add(new TextContent(text));
        }

        if (message.Refusal is { Length: > 0 } refusal)
        {
            contents.Add(new TextContent(refusal));
        }

        if (message.ToolCalls is { } calls)
        {
            foreach (OpenAIToolCall call in calls)
            {
                if (call.Function is { Name: { } name } function)
                {
                    contents.Add(ProviderJsonContext.CreateCall(call.Id ?? string.Empty, name, function.Arguments));
                }
            }
        }

        ChatFinishReason? finishReason = MapFinishReason(choice.FinishReason);
        if (finishReason == ChatFinishReason.ContentFilter && contents.Count == 0)
        {
            throw ContentFiltered();
        }

        return new ChatResponse(new ChatMessage(ChatRole.Assistant, contents) { MessageId = completion.Id })
        {
            ResponseId = completion.Id,
            ModelId = completion.Model,
            CreatedAt = completion.Created is { } created ? DateTimeOffset.FromUnixTimeSeconds(created) : null,
            FinishReason = finishReason,
            Usage = completion.Usage is { } usage ? ToUsage(usage) : null,
        };
    }

    /// <summary>The update for a plain text delta, read by <see cref="OpenAIChunkReader"/> without the general DTOs.</summary>
    private ChatResponseUpdate? ToUpdate(ref OpenAIChunk chunk, ref StreamState state)
    {
        state.ResponseId ??= chunk.Id;
        state.ModelId ??= chunk.Model;
        List<AIContent>? contents = null;
        if (chunk.Reasoning is { } reasoning)
        {
            contents = [new TextReasoningContent(reasoning)];
        }

        if (chunk.Content is { } text)
        {
            (contents ??= new List<AIContent>(1)).Add(new TextContent(text));
        }

        if (chunk.Refusal is { } refusal)
        {
            (contents ??= new List<AIContent>(1)).Add(new TextContent(refusal));
        }

        ChatFinishReason? finishReason = MapFinishReason(chunk.FinishReason);
        if (finishReason is not null)
        {
            state.FinishReason = finishReason;
            if (state.Calls is { Count: > 0 })
            {
                (contents ??= []).AddRange(TakeCalls(ref state));
            }
        }

        return Update(contents, finishReason, chunk.Id, chunk.Model, chunk.Created, ref state);
    }

    private ChatResponseUpdate? ToUpdate(OpenAIChatCompletion chunk, ref StreamState state)
    {
        state.ResponseId ??= chunk.Id;
        state.ModelId ??= chunk.Model;
        List<AIContent>? contents = null;
        ChatFinishReason? finishReason = null;
        if (chunk.Choices is { } choices)
        {
            for (int i = 0; i < choices.Count; i++)
            {
                OpenAIChoice choice = choices[i];
                if (choice.Delta is { } delta)
                {
                    if ((delta.ReasoningContent ?? delta.Reasoning ?? delta.Content.Reasoning) is { Length: > 0 } reasoning)
                    {
                        (contents ??= []).Add(new TextReasoningContent(reasoning));
                    }

                    if (delta.Content.Text is { Length: > 0 } text)
                    {
                        (contents ??= []).Add(new TextContent(text));
                    }

                    if (delta.Refusal is { Length: > 0 } refusal)
                    {
                        (contents ??= []).Add(new TextContent(refusal));
                    }

                    if (delta.ToolCalls is { } calls)
                    {
                        Accumulate(calls, ref state);
                    }
                }

                if (choice.FinishReason is { } finish)
                {
                    finishReason = MapFinishReason(finish);
                    state.FinishReason = finishReason;
                    if (state.Calls is { Count: > 0 })
                    {
                        List<AIContent> calls = TakeCalls(ref state);
                        if (contents is null)
                        {
                            contents = calls;
                        }
                        else
                        {
                            contents.AddRange(calls);
                        }
                    }
                }
            }
        }

        if (chunk.Usage is { } usage)
        {
            (contents ??= []).Add(new UsageContent(ToUsage(usage)));
        }

        return Update(contents, finishReason, chunk.Id, chunk.Model, chunk.Created, ref state);
    }

    private ChatResponseUpdate? Update(List<AIContent>? contents, ChatFinishReason? finishReason, string? id, string? model, long? created, ref StreamState state)
    {
        if (contents is null && finishReason is null)
        {
            return null;
        }

        if (finishReason == ChatFinishReason.ContentFilter && !state.Yielded && !HasOutput(contents))
        {
            throw ContentFiltered();
        }

        state.Yielded = true;
        return new ChatResponseUpdate(ChatRole.Assistant, contents)
        {
            ResponseId = id,
            MessageId = id,
            ModelId = model,
            CreatedAt = created is { } seconds ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null,
            FinishReason = finishReason,
        };
    }

    /// <summary>Whether <paramref name="contents"/> hold anything but usage: a filtered response with output is returned, not thrown.</summary>
    internal static bool HasOutput(List<AIContent>? contents)
    {
        if (contents is null)
        {
            return false;
        }

        foreach (AIContent content in contents)
        {
            if (content is not UsageContent)
            {
                return true;
            }
        }

        return false;
    }

    private static void Accumulate(List<OpenAIToolCall> deltas, ref StreamState state)
    {
        List<ToolCallBuilder> calls = state.Calls ??= [];
        foreach (OpenAIToolCall delta in deltas)
        {
            int index = delta.Index ?? calls.Count;
            ToolCallBuilder? call = null;
            for (int i = 0; i < calls.Count; i++)
            {
                if (calls[i].Index == index)
                {
                    call = calls[i];
                    break;
                }
            }

            if (call is null)
            {
                call = new ToolCallBuilder(index);
                calls.Add(call);
            }

            call.Id ??= delta.Id;
            if (delta.Function is { } function)
            {
                call.Name ??= function.Name;
                if (function.Arguments is { Length: > 0 } arguments)
                {
                    call.Arguments.Append(arguments);
                }
            }
        }
    }

    private static List<AIContent> TakeCalls(ref StreamState state)
    {
        List<ToolCallBuilder> calls = state.Calls!;
        var contents = new List<AIContent>(calls.Count);
        foreach (ToolCallBuilder call in calls)
        {
            contents.Add(ProviderJsonContext.CreateCall(call.Id ?? string.Empty, call.Name ?? string.Empty, call.Arguments.ToString()));
        }

        calls.Clear();
        return contents;
    }

    internal static ChatFinishReason? MapFinishReason(string? reason) => reason switch
    {
        null => null,
        "stop" => ChatFinishReason.Stop,
        "length" => ChatFinishReason.Length,
        "tool_calls" or "function_call" => ChatFinishReason.ToolCalls,
        "content_filter" => ChatFinishReason.ContentFilter,
        _ => new ChatFinishReason(reason),
    };

    internal static UsageDetails ToUsage(OpenAIUsage usage) => new()
    {
        InputTokenCount = usage.PromptTokens,
        OutputTokenCount = usage.CompletionTokens,
        TotalTokenCount = usage.TotalTokens ?? usage.PromptTokens + usage.CompletionTokens,
        CachedInputTokenCount = usage.PromptTokensDetails?.CachedTokens ?? usage.PromptCacheHitTokens,
        ReasoningTokenCount = usage.CompletionTokensDetails?.ReasoningTokens,
        AdditionalCounts = usage.PromptTokensDetails?.CacheWriteTokens is > 0 and long written
            ? new AdditionalPropertiesDictionary<long> { [ProviderUsage.CacheWriteInputTokenCount] = written }
            : null,
    };

    private ProviderException ContentFiltered() =>
        Connection.Failure($"{Connection.ProviderName}'s content filter blocked the response.", ProviderErrorKind.ContentFiltered);

    private sealed class ToolCallBuilder(int index)
    {
        public int Index { get; } = index;

        public string? Id { get; set; }

        public string? Name { get; set; }

        public StringBuilder Arguments { get; } = new();
    }

    private struct StreamState
    {
        public string? ResponseId;
        public string? ModelId;
        public ChatFinishReason? FinishReason;
        public List<ToolCallBuilder>? Calls;
        public bool Done;
        public bool Yielded;
    }
}
