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

    /// <summary>Gets or sets the API key. Never logged, traced, or included in exception messages or <see cref="ToString"/>.</summary>
    /// <value>
    /// The default is <see langword="null"/>: the type's environment variable (for example <c>OPENAI_API_KEY</c>), read when the client
    /// is created. Local types (Ollama, vLLM, LM Studio) and <see cref="ProviderTypes.OpenAICompatible"/> work without a key.
    /// </value>
    public string? ApiKey { get; set; }

    /// <summary>Gets or sets the API version: Azure OpenAI's <c>api-version</c> query parameter, or Anthropic's <c>anthropic-version</c> header.</summary>
    /// <value>The default is <see langword="null"/>: <c>2024-10-21</c> for Azure OpenAI, <c>2023-06-01</c> for Anthropic; ignored by other types.</value>
    public string? ApiVersion { get; set; }

    /// <summary>Gets or sets extra HTTP headers sent with every request (for example <c>OpenAI-Organization</c>, <c>anthropic-beta</c>, <c>HTTP-Referer</c>).</summary>
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

    /// <summary>Describes the options without the API key, which shows only as set or not set.</summary>
    /// <returns>A description such as <c>Type=OpenAI, Endpoint=https://api.openai.com/v1, ApiKey=(set)</c>.</returns>
    public override string ToString()
    {
        var text = new StringBuilder("Type=").Append(Type ?? "(none)");
        if (Endpoint is not null)
        {
            text.Append(", Endpoint=").Append(Endpoint.GetLeftPart(UriPartial.Path));
        }

        text.Append(", ApiKey=").Append(string.IsNullOrEmpty(ApiKey) ? "(not set)" : "(set)");
        if (ApiVersion is not null)
        {
            text.Append(", ApiVersion=").Append(ApiVersion);
        }

        return text.ToString();
    }
}
