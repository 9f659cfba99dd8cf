namespace LlmRouter;

/// <summary>
/// Names of the built-in provider types, for <see cref="ProviderOptions.Type"/> and the <c>Type</c> key of a
/// provider in configuration. Names are compared case-insensitively.
/// </summary>
/// <remarks>
/// Each type fixes a wire format (OpenAI chat completions, Anthropic Messages or Gemini generateContent), a default
/// endpoint, how the API key is sent and which environment variable supplies it when
/// <see cref="ProviderOptions.ApiKey"/> is not set.
/// </remarks>
public static class ProviderTypes
{
    /// <summary>OpenAI chat completions at <c>https://api.openai.com/v1</c>; key from <c>OPENAI_API_KEY</c>, sent as a bearer token.</summary>
    public const string OpenAI = "OpenAI";

    /// <summary>
    /// Azure OpenAI: <see cref="ProviderOptions.Endpoint"/> is the resource (<c>https://NAME.openai.azure.com</c>) and the model id is the
    /// deployment name, called at <c>/openai/deployments/{model}/chat/completions?api-version=…</c>; an endpoint ending in
    /// <c>/openai/v1</c> uses the v1 API instead. Key from <c>AZURE_OPENAI_API_KEY</c>, sent in the <c>api-key</c> header.
    /// </summary>
    public const string AzureOpenAI = "AzureOpenAI";

    /// <summary>Any server that speaks OpenAI chat completions; <see cref="ProviderOptions.Endpoint"/> is required, the key optional and sent as a bearer token.</summary>
    public const string OpenAICompatible = "OpenAICompatible";

    /// <summary>Anthropic Messages at <c>https://api.anthropic.com</c>; key from <c>ANTHROPIC_API_KEY</c>, sent in the <c>x-api-key</c> header.</summary>
    public const string Anthropic = "Anthropic";

    /// <summary>Google Gemini generateContent at <c>https://generativelanguage.googleapis.com/v1beta</c>; key from <c>GEMINI_API_KEY</c>, sent in the <c>x-goog-api-key</c> header.</summary>
    public const string Gemini = "Gemini";

    /// <summary>DeepSeek (OpenAI-compatible) at <c>https://api.deepseek.com/v1</c>; key from <c>DEEPSEEK_API_KEY</c>.</summary>
    public const string DeepSeek = "DeepSeek";

    /// <summary>Mistral AI (OpenAI-compatible) at <c>https://api.mistral.ai/v1</c>; key from <c>MISTRAL_API_KEY</c>. The seed is sent as <c>random_seed</c>.</summary>
    public const string Mistral = "Mistral";

    /// <summary>Groq (OpenAI-compatible) at <c>https://api.groq.com/openai/v1</c>; key from <c>GROQ_API_KEY</c>.</summary>
    public const string Groq = "Groq";

    /// <summary>Together AI (OpenAI-compatible) at <c>https://api.together.xyz/v1</c>; key from <c>TOGETHER_API_KEY</c>.</summary>
    public const string Together = "Together";

    /// <summary>Fireworks AI (OpenAI-compatible) at <c>https://api.fireworks.ai/inference/v1</c>; key from <c>FIREWORKS_API_KEY</c>.</summary>
    public const string Fireworks = "Fireworks";

    /// <summary>OpenRouter (OpenAI-compatible) at <c>https://openrouter.ai/api/v1</c>; key from <c>OPENROUTER_API_KEY</c>.</summary>
    public const string OpenRouter = "OpenRouter";

    /// <summary>
    /// xAI (OpenAI-compatible) at <c>https://api.x.ai/v1</c>; key from <c>XAI_API_KEY</c>. xAI's <c>completion_tokens</c> leave out
    /// the reasoning tokens, so the client adds them to the output it reports (see <see cref="ProviderOptions.CompletionTokensIncludeReasoning"/>).
    /// </summary>
    public const string XAI = "XAI";

    /// <summary>Alibaba Qwen through DashScope's compatible mode at <c>https://dashscope-intl.aliyuncs.com/compatible-mode/v1</c>; key from <c>DASHSCOPE_API_KEY</c>.</summary>
    public const string Qwen = "Qwen";

    /// <summary>A local Ollama server (OpenAI-compatible) at <c>http://localhost:11434/v1</c>; no key.</summary>
    public const string Ollama = "Ollama";

    /// <summary>A vLLM server (OpenAI-compatible) at <c>http://localhost:8000/v1</c>; a key is sent only when configured.</summary>
    public const string VLlm = "VLlm";

    /// <summary>A local LM Studio server (OpenAI-compatible) at <c>http://localhost:1234/v1</c>; no key.</summary>
    public const string LMStudio = "LMStudio";
}
