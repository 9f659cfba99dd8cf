namespace LlmRouter;

/// <summary>The built-in provider types, by <see cref="ProviderTypes"/> name.</summary>
internal static class ProviderPresets
{
    public const string DefaultAzureApiVersion = "2024-10-21";
    public const string DefaultAnthropicVersion = "2023-06-01";

    private const string Authorization = "Authorization";

    // Provider names follow the OpenTelemetry GenAI semantic conventions (gen_ai.provider.name) where one is defined.
    // Reasoning tokens: OpenAI's completion_tokens include completion_tokens_details.reasoning_tokens, and so do the servers
    // that copy its usage object (DeepSeek, Qwen, OpenRouter, Groq, Together, Fireworks, Mistral, the local servers); xAI
    // reports them beside completion_tokens (total_tokens = prompt + completion + reasoning), hence its quirk.
    private static readonly ProviderPreset[] All =
    [
        new(ProviderTypes.OpenAI, "openai", WireFormat.OpenAI, "https://api.openai.com/v1", "OPENAI_API_KEY", AuthStyle.Bearer, Authorization, RequiresKey: true, OpenAIQuirks.MaxCompletionTokens | OpenAIQuirks.PromptCacheKey),
        new(ProviderTypes.AzureOpenAI, "azure.ai.openai", WireFormat.OpenAI, null, "AZURE_OPENAI_API_KEY", AuthStyle.Header, "api-key", RequiresKey: true, OpenAIQuirks.MaxCompletionTokens | OpenAIQuirks.AzureDeployments, DefaultAzureApiVersion),
        new(ProviderTypes.OpenAICompatible, "openai_compatible", WireFormat.OpenAI, null, null, AuthStyle.Bearer, Authorization, RequiresKey: false),
        new(ProviderTypes.Anthropic, "anthropic", WireFormat.Anthropic, "https://api.anthropic.com", "ANTHROPIC_API_KEY", AuthStyle.Header, "x-api-key", RequiresKey: true, DefaultApiVersion: DefaultAnthropicVersion),
        new(ProviderTypes.Gemini, "gcp.gemini", WireFormat.Gemini, "https://generativelanguage.googleapis.com/v1beta", "GEMINI_API_KEY", AuthStyle.Header, "x-goog-api-key", RequiresKey: true),
        new(ProviderTypes.DeepSeek, "deepseek", WireFormat.OpenAI, "https://api.deepseek.com/v1", "DEEPSEEK_API_KEY", AuthStyle.Bearer, Authorization, RequiresKey: true),
        new(ProviderTypes.Mistral, "mistral_ai", WireFormat.OpenAI, "https://api.mistral.ai/v1", "MISTRAL_API_KEY", AuthStyle.Bearer, Authorization, RequiresKey: true, OpenAIQuirks.NoStreamOptions | OpenAIQuirks.RandomSeed | OpenAIQuirks.PromptCacheKey),
        new(ProviderTypes.Groq, "groq", WireFormat.OpenAI, "https://api.groq.com/openai/v1", "GROQ_API_KEY", AuthStyle.Bearer, Authorization, RequiresKey: true),
        new(ProviderTypes.Together, "together", WireFormat.OpenAI, "https://api.together.xyz/v1", "TOGETHER_API_KEY", AuthStyle.Bearer, Authorization, RequiresKey: true),
        new(ProviderTypes.Fireworks, "fireworks", WireFormat.OpenAI, "https://api.fireworks.ai/inference/v1", "FIREWORKS_API_KEY", AuthStyle.Bearer, Authorization, RequiresKey: true),
        new(ProviderTypes.OpenRouter, "openrouter", WireFormat.OpenAI, "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY", AuthStyle.Bearer, Authorization, RequiresKey: true),
        new(ProviderTypes.XAI, "x_ai", WireFormat.OpenAI, "https://api.x.ai/v1", "XAI_API_KEY", AuthStyle.Bearer, Authorization, RequiresKey: true, OpenAIQuirks.ReasoningOutsideCompletion),
        new(ProviderTypes.Qwen, "qwen", WireFormat.OpenAI, "https://dashscope-intl.aliyuncs.com/compatible-mode/v1", "DASHSCOPE_API_KEY", AuthStyle.Bearer, Authorization, RequiresKey: true),
        new(ProviderTypes.Ollama, "ollama", WireFormat.OpenAI, "http://localhost:11434/v1", null, AuthStyle.Bearer, Authorization, RequiresKey: false),
        new(ProviderTypes.VLlm, "vllm", WireFormat.OpenAI, "http://localhost:8000/v1", null, AuthStyle.Bearer, Authorization, RequiresKey: false),
        new(ProviderTypes.LMStudio, "lmstudio", WireFormat.OpenAI, "http://localhost:1234/v1", null, AuthStyle.Bearer, Authorization, RequiresKey: false),
    ];

    /// <summary>Gets the names of every built-in type, for error messages.</summary>
    public static string KnownTypes { get; } = string.Join(", ", Array.ConvertAll(All, static p => p.Type));

    public static ProviderPreset? Find(string? type)
    {
        if (string.IsNullOrWhiteSpace(type))
        {
            return null;
        }

        foreach (ProviderPreset preset in All)
        {
            if (string.Equals(preset.Type, type.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return preset;
            }
        }

        return null;
    }
}
