using System.ComponentModel.DataAnnotations;
using System.Text;

namespace LlmRouter;

/// <summary>
/// A provider connection: its type (wire format and preset), endpoint, credentials and HTTP settings. Bound from a
/// provider entry of configuration (<c>"Providers": { "openai": { "Type": "OpenAI" } }</c>) or set in code, and turned
/// into an <see cref="Microsoft.Extensions.AI.IChatClient"/> by <see cref="ProviderClientFactory"/>.
/// </summary>
/// <remarks>
/// Read once when a client is created; changing an instance afterwards has no effect on clients already created.
/// Not thread-safe while being mutated. <see cref="ToString"/> never includes the API key.
/// </remarks>
public sealed class ProviderOptions
{
    /// <summary>Gets or sets the provider type, one of the <see cref="ProviderTypes"/> names (case-insensitive). Required.</summary>
    /// <value>The default is <see langword="null"/>, which is invalid.</value>
    public string? Type { get; set; }

    /// <summary>
    /// Gets or sets the base URL. For OpenAI-compatible types it includes the version segment
    /// (<c>https://api.deepseek.com/v1</c>) and <c>chat/completions</c> is appended; for Anthropic it is the host
    /// (<c>https://api.anthropic.com</c>) and <c>v1/messages</c> is appended; for Gemini it includes the version
    /// (<c>https://generativelanguage.googleapis.com/v1beta</c>) and <c>models/{model}:generateContent</c> is appended.
    /// </summary>
    /// <value>The default is <see langword="null"/>: the type's preset endpoint. Required for <see cref="ProviderTypes.AzureOpenAI"/> and <see cref="ProviderTypes.OpenAICompatible"/>.</value>
    public Uri? Endpoint { get; set; }

    /// <summary>
    /// Gets or sets the API key. Never logged, traced, or included in exception messages or <see cref="ToString"/>. Leading and
    /// trailing whitespace is removed when the client is created (a key read from a file often ends with a newline); a key with a
    /// control character (CR, LF, NUL, …) left inside is a configuration error, since it would break or inject HTTP headers.
    /// </summary>
    /// <value>
    /// The default is <see langword="null"/>: the type's environment variable (for example <c>OPENAI_API_KEY</c>), read (and trimmed)
    /// when the client is created. Local types (Ollama, vLLM, LM Studio) and <see cref="ProviderTypes.OpenAICompatible"/> work without a key.
    /// </value>
    public string? ApiKey { get; set; }

    /// <summary>Gets or sets the API version: Azure OpenAI's <c>api-version</c> query parameter, or Anthropic's <c>anthropic-version</c> header.</summary>
    /// <value>The default is <see langword="null"/>: <c>2024-10-21</c> for Azure OpenAI, <c>2023-06-01</c> for Anthropic; ignored by other types.</value>
    public string? ApiVersion { get; set; }

    /// <summary>
    /// Gets or sets extra HTTP headers sent with every request (for example <c>OpenAI-Organization</c>, <c>anthropic-beta</c>,
    /// <c>HTTP-Referer</c>). A name must be an HTTP token (letters, digits and <c>!#$%&amp;'*+-.^_`|~</c>) and a value must hold no
    /// control character but tab; anything else is a configuration error when the client is created, so no header can be split or injected.
    /// </summary>
    /// <value>The default is empty.</value>
    public IDictionary<string, string> Headers { get; set; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Gets or sets the timeout of one HTTP request, up to its response headers, on the <see cref="HttpClient"/> the client creates for
    /// itself. Ignored when the caller supplies the <see cref="HttpClient"/> or an <see cref="IHttpClientFactory"/>. The router's own
    /// attempt, first-chunk and between-chunk timeouts are the ones meant for routing decisions; this is a safety net.
    /// </summary>
    /// <value>The default is <see langword="null"/>: 10 minutes.</value>
    public TimeSpan? Timeout { get; set; }

    /// <summary>Gets or sets the <c>max_tokens</c> sent to Anthropic when a request does not set <c>ChatOptions.MaxOutputTokens</c> (Anthropic requires one).</summary>
    /// <value>The default is <see langword="null"/>: 4096. Ignored by other types, which send no limit unless the request sets one.</value>
    public int? DefaultMaxOutputTokens { get; set; }

    /// <summary>
    /// Gets or sets the most bytes read of one response: a whole non-streamed body, and each server-sent event of a stream. A
    /// response that goes past it fails at once with a <see cref="ProviderException"/> of kind <see cref="ProviderErrorKind.InvalidResponse"/>
    /// naming the limit, and its connection is closed, so a broken or hostile server cannot make the process buffer without end.
    /// Error bodies are read up to 64 KiB (or this limit, when smaller); the rest is ignored and the status code classifies them.
    /// </summary>
    /// <value>The default is 33,554,432 (32 MiB). Must be positive.</value>
    [Range(1, int.MaxValue)]
    public int MaxResponseBytes { get; set; } = ProviderClientFactory.DefaultMaxResponseBytes;

    /// <summary>
    /// Gets or sets whether the <c>completion_tokens</c> an OpenAI-compatible server reports already include the reasoning tokens it
    /// reports in <c>completion_tokens_details.reasoning_tokens</c>. OpenAI, Azure OpenAI, DeepSeek, Qwen, OpenRouter and the other
    /// presets include them; xAI counts them apart. When they are apart, the client adds them to
    /// <c>UsageDetails.OutputTokenCount</c>, so the output (and its cost) is the whole output, of which
    /// <c>UsageDetails.ReasoningTokenCount</c> were reasoning, as with every other provider.
    /// </summary>
    /// <value>
    /// The default is <see langword="null"/>: the type's own convention (<see langword="false"/> for <see cref="ProviderTypes.XAI"/>,
    /// <see langword="true"/> for the others, <see cref="ProviderTypes.OpenAICompatible"/> included). Ignored by Anthropic and Gemini,
    /// whose formats say which count is which.
    /// </value>
    public bool? CompletionTokensIncludeReasoning { get; set; }

    /// <summary>
    /// Gets or sets whether the client asks the provider to cache long prompt prefixes. With <see cref="LlmRouter.PromptCaching.Auto"/>,
    /// an Anthropic client places <c>cache_control</c> breakpoints on the tools, the system prompt and the last message before the
    /// final user turn when the prompt up to each is long enough for the model to cache; cache reads and writes are priced by
    /// the deployment's <c>CachedInput</c> and <c>CacheWrite</c> prices. OpenAI-compatible and Gemini providers cache on their own.
    /// </summary>
    /// <value>The default is <see cref="LlmRouter.PromptCaching.Auto"/>.</value>
    public PromptCaching PromptCaching { get; set; } = PromptCaching.Auto;

    /// <summary>
    /// Describes the options without secrets: the API key shows only as set or not set, and the endpoint without its user
    /// information (<c>user:password@</c>) and query.
    /// </summary>
    /// <returns>A description such as <c>Type=OpenAI, Endpoint=https://api.openai.com/v1, ApiKey=(set)</c>.</returns>
    public override string ToString()
    {
        var text = new StringBuilder("Type=").Append(Type ?? "(none)");
        if (Endpoint is not null)
        {
            text.Append(", Endpoint=").Append(EndpointText.Describe(Endpoint));
        }

        text.Append(", ApiKey=").Append(string.IsNullOrEmpty(ApiKey) ? "(not set)" : "(set)");
        if (ApiVersion is not null)
        {
            text.Append(", ApiVersion=").Append(ApiVersion);
        }

        return text.ToString();
    }
}
