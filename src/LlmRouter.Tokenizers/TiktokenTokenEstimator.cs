using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.ML.Tokenizers;

namespace LlmRouter;

/// <summary>
/// An <see cref="ITokenEstimator"/> that counts text with OpenAI's own tokenizer (o200k_base or cl100k_base, through
/// Microsoft.ML.Tokenizers) and adds the same fixed overheads for messages, tools and media as <see cref="TokenEstimators.Default"/>.
/// </summary>
/// <remarks>
/// The encoding is chosen once, from the model the estimator is made for, else per request from <see cref="ChatOptions.ModelId"/>
/// when that names a model of a known family; a request for any other model is estimated by the fallback. Thread-safe: the
/// tokenizers are immutable and shared, and tool definitions are counted once per tool instance and encoding
/// (<see cref="ToolTokenCounts"/>).
/// </remarks>
internal sealed class TiktokenTokenEstimator : ITokenEstimator
{
    private const int RequestOverhead = 3;
    private const int MessageOverhead = 4;
    private const int InstructionsOverhead = 4;
    private const int ToolOverhead = 8;
    private const int ResponseSchemaOverhead = 8;
    private const int FunctionOverhead = 4;
    private const int MediaTokens = 1_000;

    private static readonly Lazy<Tokenizer> O200k = new(static () => TiktokenTokenizer.CreateForEncoding("o200k_base"));
    private static readonly Lazy<Tokenizer> Cl100k = new(static () => TiktokenTokenizer.CreateForEncoding("cl100k_base"));

    /// <summary>Tool definitions, which requests reuse, counted once per tool instance and encoding (the count counting again would give).</summary>
    private static readonly ToolTokenCounts O200kTools = new(static (name, description, schema) => CountTool(O200k.Value, name, description, schema));
    private static readonly ToolTokenCounts Cl100kTools = new(static (name, description, schema) => CountTool(Cl100k.Value, name, description, schema));

    private readonly Tokenizer? _tokenizer;
    private readonly ITokenEstimator _fallback;

    /// <summary>The estimators <see cref="ForModel"/> made, one per encoding, shared by every deployment of that encoding.</summary>
    private TiktokenTokenEstimator? _o200k;
    private TiktokenTokenEstimator? _cl100k;

    public TiktokenTokenEstimator(string? model, ITokenEstimator fallback)
    {
        _tokenizer = model is null ? null : TokenizerFor(model);
        _fallback = fallback;
    }

    private TiktokenTokenEstimator(Tokenizer tokenizer, ITokenEstimator fallback)
    {
        _tokenizer = tokenizer;
        _fallback = fallback;
    }

    public string Name => ExactTokenEstimators.Tiktoken;

    /// <summary>
    /// The estimator of a deployment of <paramref name="model"/>: this one when it was made for one model (its tokenizer counts
    /// every request), else one counting with the model's tokenizer when its family is known, else the fallback's for the model.
    /// </summary>
    public ITokenEstimator ForModel(string model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (_tokenizer is not null)
        {
            return this;
        }

        Tokenizer? tokenizer = TokenizerFor(model);
        if (tokenizer is null)
        {
            return _fallback.ForModel(model);
        }

        ref TiktokenTokenEstimator? made = ref ReferenceEquals(tokenizer, O200k.Value) ? ref _o200k : ref _cl100k;
        Interlocked.CompareExchange(ref made, new TiktokenTokenEstimator(tokenizer, _fallback), null);
        return made!;
    }

    public int EstimateInputTokens(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        ArgumentNullException.ThrowIfNull(messages);
        Tokenizer? tokenizer = _tokenizer ?? (options?.ModelId is { } model ? TokenizerFor(model) : null);
        if (tokenizer is null)
        {
            return _fallback.EstimateInputTokens(messages, options);
        }

        long tokens = RequestOverhead;
        foreach (ChatMessage message in messages)
        {
            tokens += MessageOverhead + Count(tokenizer, message.AuthorName);
            foreach (AIContent content in message.Contents)
            {
                tokens += content switch
                {
                    TextContent text => Count(tokenizer, text.Text),
                    TextReasoningContent reasoning => Count(tokenizer, reasoning.Text),
                    FunctionCallContent call => FunctionOverhead + Count(tokenizer, call.Name) + Count(tokenizer, call.CallId) + Arguments(tokenizer, call.Arguments),
                    FunctionResultContent result => FunctionOverhead + Count(tokenizer, result.CallId) + Value(tokenizer, result.Result),
                    DataContent or UriContent => MediaTokens,
                    _ => 0,
                };
            }
        }

        if (options is not null)
        {
            if (options.Instructions is { } instructions)
            {
                tokens += InstructionsOverhead + Count(tokenizer, instructions);
            }

            if (options.Tools is { Count: > 0 } tools)
            {
                ToolTokenCounts toolCounts = ReferenceEquals(tokenizer, O200k.Value) ? O200kTools : Cl100kTools;
                for (int i = 0; i < tools.Count; i++)
                {
                    tokens += ToolOverhead + toolCounts.Count(tools[i]);
                }
            }

            if (options.ResponseFormat is ChatResponseFormatJson { Schema: { } schema })
            {
                tokens += ResponseSchemaOverhead + Json(tokenizer, schema);
            }
        }

        return tokens >= int.MaxValue ? int.MaxValue : (int)tokens;
    }

    /// <summary>The encoding of a model's family, or <see langword="null"/> when the family's tokenizer is not one this package has.</summary>
    internal static Tokenizer? TokenizerFor(string model)
    {
        ReadOnlySpan<char> name = model.AsSpan().Trim();
        int slash = name.LastIndexOf('/');
        if (slash >= 0)
        {
            name = name[(slash + 1)..];
        }

        // GPT-4o, 4.1, 4.5 and every later GPT and o-series model use o200k_base; GPT-4 and GPT-3.5 cl100k_base.
        foreach (string prefix in (ReadOnlySpan<string>)["gpt-4o", "chatgpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "gpt-6", "gpt-oss", "o1", "o3", "o4"])
        {
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return O200k.Value;
            }
        }

        foreach (string prefix in (ReadOnlySpan<string>)["gpt-4", "gpt-3.5", "gpt-35"])
        {
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return Cl100k.Value;
            }
        }

        return null;
    }

    private static int Count(Tokenizer tokenizer, string? text) => string.IsNullOrEmpty(text) ? 0 : tokenizer.CountTokens(text);

    private static long CountTool(Tokenizer tokenizer, string name, string? description, ReadOnlySpan<byte> schema) =>
        Count(tokenizer, name) + Count(tokenizer, description) + (schema.IsEmpty ? 0 : Count(tokenizer, Encoding.UTF8.GetString(schema)));

    private static long Json(Tokenizer tokenizer, JsonElement element) =>
        element.ValueKind == JsonValueKind.Undefined ? 0 : Count(tokenizer, element.GetRawText());

    private static long Arguments(Tokenizer tokenizer, IDictionary<string, object?>? arguments)
    {
        long tokens = 0;
        foreach (KeyValuePair<string, object?> argument in arguments ?? new Dictionary<string, object?>())
        {
            tokens += Count(tokenizer, argument.Key) + Value(tokenizer, argument.Value);
        }

        return tokens;
    }

    private static long Value(Tokenizer tokenizer, object? value) => value switch
    {
        null => 1,
        string text => Count(tokenizer, text),
        JsonElement element => Json(tokenizer, element),
        TextContent text => Count(tokenizer, text.Text),
        bool or int or long or double or decimal or float or short or byte or uint or ulong => 1,
        _ => 8,
    };
}
