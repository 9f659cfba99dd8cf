using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// An <see cref="IChatClient"/> for Gemini: <c>POST {endpoint}/models/{model}:generateContent</c> and
/// <c>:streamGenerateContent?alt=sse</c>.
/// </summary>
/// <remarks>Thread-safe. Never retries. Created by <see cref="ProviderClientFactory"/>.</remarks>
internal sealed class GeminiChatClient : ProviderChatClient
{
    private readonly Func<GeminiResponse, ChatResponse> _toResponse;
    private static readonly SseItemParser<GeminiResponse?> ChunkParser = ParseChunk;

    private readonly (Uri Generate, Uri Stream)? _defaultUris;

    public GeminiChatClient(ProviderConnection connection, string? defaultModel)
        : base(connection, defaultModel)
    {
        _toResponse = ToResponse;
        if (DefaultModel is not null)
        {
            _defaultUris = (ModelUri(DefaultModel, stream: false), ModelUri(DefaultModel, stream: true));
        }
    }

    protected override Task<ChatResponse> GetResponseCoreAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, string model, CancellationToken cancellationToken) =>
        SendForResponseAsync(CreateRequest(messages, options, model, stream: false), GeminiErrors.Parser, GeminiJsonContext.Default.GeminiResponse, _toResponse, cancellationToken);

    protected override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseCoreAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, string model, CancellationToken cancellationToken) =>
        StreamAsync(messages, options, model, cancellationToken);

    private async IAsyncEnumerable<ChatResponseUpdate> StreamAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options, string model, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        HttpRequestMessage request = CreateRequest(messages, options, model, stream: true);
        HttpResponseMessage response = await Connection.SendAsync(request, GeminiErrors.Parser, cancellationToken).ConfigureAwait(false);
        IAsyncEnumerator<SseItem<GeminiResponse?>>? events = null;
        Stream? body = null;
        try
        {
            (events, body) = await OpenEventsAsync(response, ChunkParser, cancellationToken).ConfigureAwait(false);
            var state = new StreamState();
            while (await NextEventAsync(events, cancellationToken).ConfigureAwait(false))
            {
                if (events.Current.Data is not { } chunk)
                {
                    continue;
                }

                ChatResponseUpdate? update;
                try
                {
                    update = ToUpdate(chunk, ref state);
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

            if (state.FinishReason is null)
            {
                throw Truncated();
            }

            if (state.Usage is { } usage)
            {
                // Gemini repeats the running totals on every chunk: the last ones are the answer's, reported once.
                yield return new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(ToUsage(usage))])
                {
                    ResponseId = state.ResponseId,
                    MessageId = state.ResponseId,
                    ModelId = state.ModelId,
                    FinishReason = state.FinishReason,
                };
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
            (messages, options),
            static (writer, state) => GeminiRequestWriter.Write(writer, state.messages, state.options),
            messages,
            options);

        Uri uri = model == DefaultModel && _defaultUris is { } cached
            ? (stream ? cached.Stream : cached.Generate)
            : ModelUri(model, stream);
        return new HttpRequestMessage(HttpMethod.Post, uri) { Content = content };
    }

    private Uri ModelUri(string model, bool stream)
    {
        string name = model.StartsWith("models/", StringComparison.Ordinal) ? model["models/".Length..] : model;
        return new Uri(string.Concat(Connection.BaseUrl, "/models/", Uri.EscapeDataString(name), stream ? ":streamGenerateContent?alt=sse" : ":generateContent"));
    }

    private static GeminiResponse? ParseChunk(string eventType, ReadOnlySpan<byte> data) =>
        data.Trim(" \r\n\t"u8).IsEmpty ? null : JsonSerializer.Deserialize(data, GeminiJsonContext.Default.GeminiResponse);

    private ChatResponse ToResponse(GeminiResponse body)
    {
        if (body.Error is { } error)
        {
            throw Connection.StreamError(GeminiErrors.Describe(error), ProviderErrorKind.ServerError);
        }

        CheckBlocked(body);
        if (body.Candidates is not [GeminiCandidate candidate, ..])
        {
            throw Connection.Failure($"{Connection.ProviderName} answered without any candidate.", ProviderErrorKind.InvalidResponse);
        }

        var contents = new List<AIContent>();
        AddParts(contents, candidate.Content?.Parts, 0);
        ChatFinishReason? finishReason = MapFinishReason(candidate.FinishReason, contents);
        if (finishReason == ChatFinishReason.ContentFilter && contents.Count == 0)
        {
            throw Filtered(candidate);
        }

        return new ChatResponse(new ChatMessage(ChatRole.Assistant, contents) { MessageId = body.ResponseId })
        {
            ResponseId = body.ResponseId,
            ModelId = body.ModelVersion,
            FinishReason = finishReason,
            Usage = body.UsageMetadata is { } usage ? ToUsage(usage) : null,
        };
    }

    private ChatResponseUpdate? ToUpdate(GeminiResponse chunk, ref StreamState state)
    {
        if (chunk.Error is { } error)
        {
            throw Connection.StreamError(GeminiErrors.Describe(error), ProviderErrorKind.ServerError);
        }

        CheckBlocked(chunk);
        state.ResponseId ??= chunk.ResponseId;
        state.ModelId ??= chunk.ModelVersion;
        List<AIContent>? contents = null;
        ChatFinishReason? finishReason = null;
        if (chunk.Candidates is [GeminiCandidate candidate, ..])
        {
            if (candidate.Content?.Parts is { Count: > 0 } parts)
            {
                contents = new List<AIContent>(parts.Count);
                state.CallCount = AddParts(contents, parts, state.CallCount);
                state.SawCalls |= state.CallCount > 0;
            }

            if (candidate.FinishReason is { } reason)
            {
                finishReason = MapFinishReason(reason, null);
                if (finishReason == ChatFinishReason.Stop && state.SawCalls)
                {
                    finishReason = ChatFinishReason.ToolCalls;
                }

                if (finishReason == ChatFinishReason.ContentFilter && !state.Yielded && !OpenAIChatClient.HasOutput(contents))
                {
                    throw Filtered(candidate);
                }

                state.FinishReason = finishReason;
            }
        }

        state.Usage = chunk.UsageMetadata ?? state.Usage;

        if (contents is not { Count: > 0 } && finishReason is null)
        {
            return null;
        }

        state.Yielded = true;
        return new ChatResponseUpdate(ChatRole.Assistant, contents)
        {
            ResponseId = state.ResponseId,
            MessageId = state.ResponseId,
            ModelId = state.ModelId,
            FinishReason = finishReason,
        };
    }

    /// <summary>Adds the parts' contents and returns the number of function calls seen so far, which numbers made-up call ids.</summary>
    private static int AddParts(List<AIContent> contents, List<GeminiPart>? parts, int callCount)
    {
        if (parts is null)
        {
            return callCount;
        }

        foreach (GeminiPart part in parts)
        {
            if (part.FunctionCall is { } call)
            {
                string callId = call.Id ?? string.Concat(GeminiRequestWriter.GeneratedCallIdPrefix, callCount.ToString(CultureInfo.InvariantCulture));
                callCount++;
                var content = new FunctionCallContent(callId, call.Name ?? string.Empty, ProviderJsonContext.ParseArguments(call.Args));
                if (part.ThoughtSignature is { } signature)
                {
                    content.AdditionalProperties = new() { [GeminiRequestWriter.ThoughtSignatureKey] = signature };
                }

                contents.Add(content);
            }
            else if (part.Text is { Length: > 0 } text)
            {
                contents.Add(part.Thought is true
                    ? new TextReasoningContent(text) { ProtectedData = part.ThoughtSignature }
                    : new TextContent(text));
            }
            else if (part.InlineData is { Data: { } data, MimeType: { } mimeType })
            {
                contents.Add(new DataContent(Convert.FromBase64String(data), mimeType));
            }
        }

        return callCount;
    }

    private void CheckBlocked(GeminiResponse response)
    {
        if (response.PromptFeedback?.BlockReason is { } reason)
        {
            throw new ProviderException(
                $"{Connection.ProviderName} blocked the prompt ({reason}){(response.PromptFeedback.BlockReasonMessage is { } message ? ": " + message : ".")}",
                ProviderErrorKind.ContentFiltered)
            {
                ProviderName = Connection.ProviderName,
                ErrorType = reason,
            };
        }
    }

    private ProviderException Filtered(GeminiCandidate candidate) =>
        new($"{Connection.ProviderName} stopped the response ({candidate.FinishReason}){(candidate.FinishMessage is { } message ? ": " + message : ".")}",
            ProviderErrorKind.ContentFiltered)
        {
            ProviderName = Connection.ProviderName,
            ErrorType = candidate.FinishReason,
        };

    internal static ChatFinishReason? MapFinishReason(string? reason, List<AIContent>? contents) => reason switch
    {
        null or "FINISH_REASON_UNSPECIFIED" => null,
        _ when string.IsNullOrWhiteSpace(reason) => null,
        "STOP" when HasCalls(contents) => ChatFinishReason.ToolCalls,
        "STOP" => ChatFinishReason.Stop,
        "MAX_TOKENS" => ChatFinishReason.Length,
        "SAFETY" or "RECITATION" or "BLOCKLIST" or "PROHIBITED_CONTENT" or "SPII" or "IMAGE_SAFETY" => ChatFinishReason.ContentFilter,
        _ => new ChatFinishReason(reason),
    };

    private static bool HasCalls(List<AIContent>? contents)
    {
        if (contents is not null)
        {
            foreach (AIContent content in contents)
            {
                if (content is FunctionCallContent)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// Gemini counts thoughts apart from candidates; output is both, as with OpenAI, and the prompt count already includes cached tokens.
    /// </summary>
    internal static UsageDetails ToUsage(GeminiUsage usage)
    {
        long? output = usage.CandidatesTokenCount is null && usage.ThoughtsTokenCount is null
            ? null
            : (usage.CandidatesTokenCount ?? 0) + (usage.ThoughtsTokenCount ?? 0);
        return new UsageDetails
        {
            InputTokenCount = usage.PromptTokenCount is null && usage.ToolUsePromptTokenCount is null
                ? null
                : (usage.PromptTokenCount ?? 0) + (usage.ToolUsePromptTokenCount ?? 0),
            OutputTokenCount = output,
            TotalTokenCount = usage.TotalTokenCount,
            CachedInputTokenCount = usage.CachedContentTokenCount,
            ReasoningTokenCount = usage.ThoughtsTokenCount,
        };
    }

    private struct StreamState
    {
        public string? ResponseId;
        public string? ModelId;
        public ChatFinishReason? FinishReason;
        public GeminiUsage? Usage;
        public int CallCount;
        public bool SawCalls;
        public bool Yielded;
    }
}
