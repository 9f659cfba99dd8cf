namespace LlmRouter;

/// <summary>The wire format a provider speaks.</summary>
internal enum WireFormat
{
    OpenAI,
    Anthropic,
    Gemini,
}

/// <summary>How a provider expects the API key.</summary>
internal enum AuthStyle
{
    /// <summary><c>Authorization: Bearer KEY</c>.</summary>
    Bearer,

    /// <summary>A header carrying the bare key (<c>api-key</c>, <c>x-api-key</c>, <c>x-goog-api-key</c>).</summary>
    Header,
}

/// <summary>Differences between servers that otherwise speak OpenAI chat completions.</summary>
[Flags]
internal enum OpenAIQuirks
{
    None = 0,

    /// <summary>Send <c>max_completion_tokens</c> (OpenAI's current name, required by reasoning models) instead of <c>max_tokens</c>.</summary>
    MaxCompletionTokens = 1,

    /// <summary>Omit <c>stream_options</c>; the server sends usage in its last chunk without being asked, or rejects the field.</summary>
    NoStreamOptions = 2,

    /// <summary>Send the seed as <c>random_seed</c> (Mistral).</summary>
    RandomSeed = 4,

    /// <summary>Azure deployment URLs: the model is in the path, not the body, and <c>api-version</c> is in the query.</summary>
    AzureDeployments = 8,

    /// <summary>
    /// <c>completion_tokens</c> leaves out the <c>completion_tokens_details.reasoning_tokens</c> (xAI), where OpenAI counts them in;
    /// the output reported is then the sum of both.
    /// </summary>
    ReasoningOutsideCompletion = 16,

    /// <summary>
    /// The server takes <c>prompt_cache_key</c> to route requests with a common prefix to the same cache (OpenAI, Mistral); with
    /// <see cref="PromptCaching.Auto"/> the router sends one per caller.
    /// </summary>
    PromptCacheKey = 32,
}

/// <summary>The fixed facts about one provider type: format, default endpoint, credentials and quirks.</summary>
internal sealed record ProviderPreset(
    string Type,
    string ProviderName,
    WireFormat Format,
    string? DefaultEndpoint,
    string? ApiKeyVariable,
    AuthStyle Auth,
    string AuthHeader,
    bool RequiresKey,
    OpenAIQuirks Quirks = OpenAIQuirks.None,
    string? DefaultApiVersion = null);
