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
    private readonly bool _reasoningInCompletion;
    private readonly Uri? _fixedUri;
    private readonly Uri? _defaultModelUri;

    /// <param name="connection">The provider's connection.</param>
    /// <param name="defaultModel">The model of requests that name none.</param>
    /// <param name="promptCaching">Whether the router may send a <c>prompt_cache_key</c> per caller, where the provider takes one.</param>
    public OpenAIChatClient(ProviderConnection connection, string? defaultModel, bool promptCaching = true)
        : base(connection, defaultModel)
    {
        _toResponse = ToResponse;
        _quirks = connection.Preset.Quirks;
        SendsPromptCacheKey = promptCaching && (_quirks & OpenAIQuirks.PromptCacheKey) != 0;
        _reasoningInCompletion = (_quirks & OpenAIQuirks.ReasoningOutsideCompletion) == 0;
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

    /// <summary>
    /// Gets whether requests to this client carry a <c>prompt_cache_key</c> derived from the caller key
    /// (<see cref="PromptCacheKeys"/>): the provider takes one and prompt caching is <see cref="PromptCaching.Auto"/>.
    /// </summary>
    public bool SendsPromptCacheKey { get; }

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
            while (!state.Done && await NextEventAsync(events, cancellationToken).ConfigureAwait(false))
            {
                ChatResponseUpdate? update;
                try
                {
                    update = ToUpdate(events.Current, ref state);
                }
                catch (Exception exception) when (TranslateRead(exception, cancellationToken) is { } translated)
                {
                    throw translated;
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

            if (LastUpdate(ref state) is { } last)
            {
                yield return last;
            }
        }
        finally
        {
            await CloseStreamAsync(events, body, response, request).ConfigureAwait(false);
        }
    }

    /// <summary>The update for one event, or <see langword="null"/> when it adds nothing; sets <see cref="StreamState.Done"/> at <c>[DONE]</c>.</summary>
    private ChatResponseUpdate? ToUpdate(in SseItem<OpenAIChunk> item, ref StreamState state)
    {
        OpenAIChunk chunk = item.Data;
        if (chunk.IsDone)
        {
            state.Done = true;
            return null;
        }

        if (item.EventType == "error")
        {
            throw Connection.StreamError(chunk.Full?.Error is { } reported ? OpenAIErrors.Describe(reported) : default, ProviderErrorKind.ServerError);
        }

        if (chunk.IsText)
        {
            return ToUpdate(ref chunk, ref state);
        }

        if (chunk.Full is not { } full)
        {
            return null;
        }

        if (full.Error is { } error)
        {
            throw Connection.StreamError(OpenAIErrors.Describe(error), ProviderErrorKind.ServerError);
        }

        return ToUpdate(full, ref state);
    }

    /// <summary>
    /// The update that ends the stream: tool calls still being assembled, and the usage, with the finish reason. Usage is
    /// reported once per stream, the last the server sent: OpenAI sends it once, in a chunk of its own, but some compatible
    /// servers (Gemini's OpenAI-compatible endpoint among them) repeat the running total on every chunk, and whoever reads the
    /// stream sums every usage it carries.
    /// </summary>
    private ChatResponseUpdate? LastUpdate(ref StreamState state)
    {
        List<AIContent>? contents = state.Calls is { Count: > 0 } ? TakeCalls(ref state) : null;
        ChatFinishReason? finishReason = contents is null ? state.FinishReason : ChatFinishReason.ToolCalls;
        if (state.Usage is { } usage)
        {
            (contents ??= new List<AIContent>(1)).Add(new UsageContent(ToUsage(usage, _reasoningInCompletion)));
        }

        return contents is null ? null : new ChatResponseUpdate(ChatRole.Assistant, contents)
        {
            ResponseId = state.ResponseId,
            MessageId = state.ResponseId,
            ModelId = state.ModelId,
            FinishReason = finishReason,
            AdditionalProperties = ServiceTierProperties(state.ServiceTier),
        };
    }

    /// <summary>The response's <c>service_tier</c>, which the cost is priced at, as an additional property; none when the server sent none.</summary>
    private static AdditionalPropertiesDictionary? ServiceTierProperties(string? serviceTier) =>
        serviceTier is { Length: > 0 } ? new AdditionalPropertiesDictionary { [ServiceTierProperty.Name] = serviceTier } : null;

    private HttpRequestMessage CreateRequest(IEnumerable<ChatMessage> messages, ChatOptions? options, string model, bool stream)
    {
        JsonRequestContent content = WriteBody(
            (messages, options, model, stream, _quirks),
            static (writer, state) => OpenAIRequestWriter.Write(writer, state.messages, state.options, state.model, state.stream, state._quirks),
            messages,
            options);

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
            CreatedAt = FromUnixSeconds(completion.Created),
            FinishReason = finishReason,
            Usage = completion.Usage is { } usage ? ToUsage(usage, _reasoningInCompletion) : null,
            AdditionalProperties = ServiceTierProperties(completion.ServiceTier),
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
            // Cumulative where a server repeats it: the last one counts, reported once at the end.
            state.Usage = usage;
        }

        // Every OpenAI chunk names the tier; the one read with the usage (or the last before it) goes on the update that ends the stream.
        state.ServiceTier = chunk.ServiceTier ?? state.ServiceTier;

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
            CreatedAt = FromUnixSeconds(created),
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
        _ when string.IsNullOrWhiteSpace(reason) => null,
        "stop" => ChatFinishReason.Stop,
        "length" => ChatFinishReason.Length,
        "tool_calls" or "function_call" => ChatFinishReason.ToolCalls,
        "content_filter" => ChatFinishReason.ContentFilter,
        _ => new ChatFinishReason(reason),
    };

    /// <summary>
    /// Maps OpenAI-style usage to the Microsoft.Extensions.AI convention: input is the whole prompt, of which cached tokens were
    /// read from the cache; output is the whole output, of which reasoning tokens were reasoning. Where <c>completion_tokens</c>
    /// leaves the reasoning out (<paramref name="reasoningInCompletion"/> false, as at xAI), the output is both added up. Cache
    /// reads come as <c>prompt_tokens_details.cached_tokens</c> or DeepSeek's <c>prompt_cache_hit_tokens</c>; given both, the larger.
    /// </summary>
    internal static UsageDetails ToUsage(OpenAIUsage usage, bool reasoningInCompletion = true)
    {
        long? reasoning = usage.CompletionTokensDetails?.ReasoningTokens;
        long? output = usage.CompletionTokens;
        if (!reasoningInCompletion && reasoning is > 0)
        {
            output = (output ?? 0) + reasoning.Value;
        }

        long? cached = usage.PromptTokensDetails?.CachedTokens;
        if (usage.PromptCacheHitTokens is { } hits && (cached is null || hits > cached))
        {
            cached = hits;
        }

        return new UsageDetails
        {
            InputTokenCount = usage.PromptTokens,
            OutputTokenCount = output,
            TotalTokenCount = usage.TotalTokens ?? usage.PromptTokens + output,
            CachedInputTokenCount = cached,
            ReasoningTokenCount = reasoning,
            AdditionalCounts = usage.PromptTokensDetails?.CacheWriteTokens is > 0 and long written
                ? new AdditionalPropertiesDictionary<long> { [ProviderUsage.CacheWriteInputTokenCount] = written }
                : null,
        };
    }

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
        public OpenAIUsage? Usage;
        public string? ServiceTier;
        public bool Done;
        public bool Yielded;
    }
}
