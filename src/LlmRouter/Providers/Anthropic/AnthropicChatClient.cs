using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>An <see cref="IChatClient"/> for Anthropic Messages (<c>POST {endpoint}/v1/messages</c>).</summary>
/// <remarks>Thread-safe. Never retries. Created by <see cref="ProviderClientFactory"/>.</remarks>
internal sealed class AnthropicChatClient : ProviderChatClient
{
    private readonly Func<AnthropicMessage, ChatResponse> _toResponse;
    /// <summary>The <c>max_tokens</c> sent when a request sets none; Anthropic requires the field.</summary>
    public const int DefaultMaxTokens = 4096;

    private static readonly SseItemParser<AnthropicStreamEvent?> EventParser = ParseEvent;

    private readonly Uri _uri;
    private readonly int _defaultMaxTokens;
    private readonly bool _promptCaching;

    public AnthropicChatClient(ProviderConnection connection, string? defaultModel, int defaultMaxTokens, bool promptCaching = false)
        : base(connection, defaultModel)
    {
        _toResponse = ToResponse;
        _uri = new Uri(connection.BaseUrl + "/v1/messages");
        _defaultMaxTokens = defaultMaxTokens;
        _promptCaching = promptCaching;
    }

    protected override Task<ChatResponse> GetResponseCoreAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, string model, CancellationToken cancellationToken) =>
        SendForResponseAsync(CreateRequest(messages, options, model, stream: false), AnthropicErrors.Parser, AnthropicJsonContext.Default.AnthropicMessage, _toResponse, cancellationToken);

    protected override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseCoreAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, string model, CancellationToken cancellationToken) =>
        StreamAsync(messages, options, model, cancellationToken);

    private async IAsyncEnumerable<ChatResponseUpdate> StreamAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options, string model, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        HttpRequestMessage request = CreateRequest(messages, options, model, stream: true);
        HttpResponseMessage response = await Connection.SendAsync(request, AnthropicErrors.Parser, cancellationToken).ConfigureAwait(false);
        IAsyncEnumerator<SseItem<AnthropicStreamEvent?>>? events = null;
        Stream? body = null;
        try
        {
            (events, body) = await OpenEventsAsync(response, EventParser, cancellationToken).ConfigureAwait(false);
            var state = new StreamState();
            while (await NextEventAsync(events, cancellationToken).ConfigureAwait(false))
            {
                if (events.Current.Data is not { } streamEvent)
                {
                    continue;
                }

                if (streamEvent.Type == "message_stop")
                {
                    state.Stopped = true;
                    break;
                }

                ChatResponseUpdate? update;
                try
                {
                    update = ToUpdate(streamEvent, ref state);
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

            if (!state.Stopped)
            {
                throw Truncated();
            }

            if (LastUpdate(in state) is { } last)
            {
                yield return last;
            }
        }
        finally
        {
            await CloseStreamAsync(events, body, response, request).ConfigureAwait(false);
        }
    }

    private HttpRequestMessage CreateRequest(IEnumerable<ChatMessage> messages, ChatOptions? options, string model, bool stream)
    {
        JsonRequestContent content = WriteBody(
            (messages, options, model, stream, _defaultMaxTokens, _promptCaching),
            static (writer, state) => AnthropicRequestWriter.Write(writer, state.messages, state.options, state.model, state.stream, state._defaultMaxTokens, state._promptCaching),
            messages,
            options);

        return new HttpRequestMessage(HttpMethod.Post, _uri) { Content = content };
    }

    private static AnthropicStreamEvent? ParseEvent(string eventType, ReadOnlySpan<byte> data) =>
        data.Trim(" \r\n\t"u8).IsEmpty ? null : JsonSerializer.Deserialize(data, AnthropicJsonContext.Default.AnthropicStreamEvent);

    private ChatResponse ToResponse(AnthropicMessage message)
    {
        if (message.Error is { } error || message.Type == "error")
        {
            throw Connection.StreamError(AnthropicErrors.Describe(message.Error), ProviderErrorKind.ServerError);
        }

        var contents = new List<AIContent>();
        if (message.Content is { } blocks)
        {
            foreach (AnthropicContentBlock block in blocks)
            {
                switch (block.Type)
                {
                    case "text" when block.Text is { Length: > 0 } text:
                        contents.Add(new TextContent(text));
                        break;
                    case "thinking":
                        contents.Add(new TextReasoningContent(block.Thinking) { ProtectedData = block.Signature });
                        break;
                    case "redacted_thinking":
                        contents.Add(new TextReasoningContent(string.Empty) { ProtectedData = block.Data });
                        break;
                    case "tool_use":
                        contents.Add(new FunctionCallContent(block.Id ?? string.Empty, block.Name ?? string.Empty, ProviderJsonContext.ParseArguments(block.Input)));
                        break;
                }
            }
        }

        ChatFinishReason? finishReason = MapStopReason(message.StopReason);
        if (finishReason == ChatFinishReason.ContentFilter && contents.Count == 0)
        {
            throw Connection.Failure($"{Connection.ProviderName} refused to answer.", ProviderErrorKind.ContentFiltered);
        }

        return new ChatResponse(new ChatMessage(ChatRole.Assistant, contents) { MessageId = message.Id })
        {
            ResponseId = message.Id,
            ModelId = message.Model,
            FinishReason = finishReason,
            Usage = message.Usage is { } usage ? ToUsage(usage, null) : null,
        };
    }

    private ChatResponseUpdate? ToUpdate(AnthropicStreamEvent streamEvent, ref StreamState state)
    {
        List<AIContent>? contents = null;
        switch (streamEvent.Type)
        {
            case "message_start" when streamEvent.Message is { } message:
                state.ResponseId = message.Id;
                state.ModelId = message.Model;
                state.InputUsage = message.Usage;
                return null;

            case "content_block_start" when streamEvent.ContentBlock is { } block:
                switch (block.Type)
                {
                    case "text" when block.Text is { Length: > 0 } text:
                        contents = [new TextContent(text)];
                        break;
                    case "tool_use":
                        Block(ref state, streamEvent.Index).Start(block);
                        break;
                    case "thinking":
                        Block(ref state, streamEvent.Index).Start(block);
                        if (block.Thinking is { Length: > 0 } thinking)
                        {
                            contents = [new TextReasoningContent(thinking)];
                        }

                        break;
                    case "redacted_thinking":
                        contents = [new TextReasoningContent(string.Empty) { ProtectedData = block.Data }];
                        break;
                }

                break;

            case "content_block_delta" when streamEvent.Delta is { } delta:
                switch (delta.Type)
                {
                    case "text_delta" when delta.Text is { Length: > 0 } text:
                        contents = [new TextContent(text)];
                        break;
                    case "thinking_delta" when delta.Thinking is { Length: > 0 } thinking:
                        contents = [new TextReasoningContent(thinking)];
                        break;
                    case "signature_delta":
                        Block(ref state, streamEvent.Index).Signature += delta.Signature;
                        break;
                    case "input_json_delta":
                        Block(ref state, streamEvent.Index).Json.Append(delta.PartialJson);
                        break;
                }

                break;

            case "content_block_stop":
                if (FindBlock(state.Blocks, streamEvent.Index) is { } finished)
                {
                    state.Blocks!.Remove(finished);
                    if (finished.Type == "tool_use")
                    {
                        contents = [ProviderJsonContext.CreateCall(finished.Id ?? string.Empty, finished.Name ?? string.Empty, finished.Json.ToString())];
                    }
                    else if (finished.Signature is { Length: > 0 } signature)
                    {
                        contents = [new TextReasoningContent(string.Empty) { ProtectedData = signature }];
                    }
                }

                break;

            case "message_delta":
                // Reported at message_stop, once: the usage is cumulative, so the last delta's counts are the answer's.
                state.FinishReason = MapStopReason(streamEvent.Delta?.StopReason) ?? state.FinishReason;
                state.OutputUsage = streamEvent.Usage ?? state.OutputUsage;
                if (state.FinishReason == ChatFinishReason.ContentFilter && !state.Yielded)
                {
                    throw Connection.Failure($"{Connection.ProviderName} refused to answer.", ProviderErrorKind.ContentFiltered);
                }

                return null;

            case "error":
                throw Connection.StreamError(AnthropicErrors.Describe(streamEvent.Error), ProviderErrorKind.ServerError);
        }

        if (contents is null)
        {
            return null;
        }

        state.Yielded = true;
        return new ChatResponseUpdate(ChatRole.Assistant, contents)
        {
            ResponseId = state.ResponseId,
            MessageId = state.ResponseId,
            ModelId = state.ModelId,
        };
    }

    /// <summary>
    /// The update that ends the stream, at <c>message_stop</c>: the finish reason and the usage, reported once. The input counts
    /// come with <c>message_start</c>, the output count with each <c>message_delta</c> as a running total; the two are combined.
    /// </summary>
    private static ChatResponseUpdate? LastUpdate(in StreamState state)
    {
        if (state.InputUsage is null && state.OutputUsage is null && state.FinishReason is null)
        {
            return null;
        }

        List<AIContent> contents = state.InputUsage is null && state.OutputUsage is null
            ? []
            : [new UsageContent(ToUsage(state.InputUsage, state.OutputUsage))];
        return new ChatResponseUpdate(ChatRole.Assistant, contents)
        {
            ResponseId = state.ResponseId,
            MessageId = state.ResponseId,
            ModelId = state.ModelId,
            FinishReason = state.FinishReason,
        };
    }

    private static BlockBuilder Block(ref StreamState state, int index)
    {
        List<BlockBuilder> blocks = state.Blocks ??= [];
        if (FindBlock(blocks, index) is { } existing)
        {
            return existing;
        }

        var created = new BlockBuilder(index);
        blocks.Add(created);
        return created;
    }

    private static BlockBuilder? FindBlock(List<BlockBuilder>? blocks, int index)
    {
        if (blocks is not null)
        {
            for (int i = 0; i < blocks.Count; i++)
            {
                if (blocks[i].Index == index)
                {
                    return blocks[i];
                }
            }
        }

        return null;
    }

    internal static ChatFinishReason? MapStopReason(string? reason) => reason switch
    {
        null => null,
        _ when string.IsNullOrWhiteSpace(reason) => null,
        "end_turn" or "stop_sequence" => ChatFinishReason.Stop,
        "max_tokens" or "model_context_window_exceeded" => ChatFinishReason.Length,
        "tool_use" => ChatFinishReason.ToolCalls,
        "refusal" => ChatFinishReason.ContentFilter,
        _ => new ChatFinishReason(reason),
    };

    /// <summary>
    /// Anthropic counts cached input apart from <c>input_tokens</c>; the total input is all three, of which cache reads are
    /// <see cref="UsageDetails.CachedInputTokenCount"/> and cache writes an additional count, with the one-hour cache's share of
    /// them (from <c>cache_creation</c>) in another.
    /// </summary>
    internal static UsageDetails ToUsage(AnthropicUsage? start, AnthropicUsage? delta)
    {
        long? input = delta?.InputTokens ?? start?.InputTokens;
        long? cacheRead = delta?.CacheReadInputTokens ?? start?.CacheReadInputTokens;
        long? cacheWrite = delta?.CacheCreationInputTokens ?? start?.CacheCreationInputTokens;
        long? oneHourWrites = (delta?.CacheCreation ?? start?.CacheCreation)?.Ephemeral1hInputTokens;
        long? output = delta?.OutputTokens ?? start?.OutputTokens;
        long? totalInput = input is null && cacheRead is null && cacheWrite is null ? null : (input ?? 0) + (cacheRead ?? 0) + (cacheWrite ?? 0);
        var usage = new UsageDetails
        {
            InputTokenCount = totalInput,
            OutputTokenCount = output,
            TotalTokenCount = totalInput is null && output is null ? null : (totalInput ?? 0) + (output ?? 0),
            CachedInputTokenCount = cacheRead,
        };

        if (cacheWrite is { } written)
        {
            usage.AdditionalCounts = new AdditionalPropertiesDictionary<long> { [ProviderUsage.CacheWriteInputTokenCount] = written };
            if (oneHourWrites is > 0)
            {
                // One-hour cache writes cost more than five-minute ones; the split prices each at its rate.
                usage.AdditionalCounts[ProviderUsage.ExtendedCacheWriteInputTokenCount] = oneHourWrites.Value;
            }
        }

        return usage;
    }

    private sealed class BlockBuilder(int index)
    {
        public int Index { get; } = index;

        public string? Type { get; private set; }

        public string? Id { get; private set; }

        public string? Name { get; private set; }

        public string? Signature { get; set; }

        public StringBuilder Json { get; } = new();

        public void Start(AnthropicContentBlock block)
        {
            Type = block.Type;
            Id = block.Id;
            Name = block.Name;
            Signature = block.Signature;
        }
    }

    private struct StreamState
    {
        public string? ResponseId;
        public string? ModelId;
        public AnthropicUsage? InputUsage;
        public AnthropicUsage? OutputUsage;
        public ChatFinishReason? FinishReason;
        public List<BlockBuilder>? Blocks;
        public bool Stopped;
        public bool Yielded;
    }
}
