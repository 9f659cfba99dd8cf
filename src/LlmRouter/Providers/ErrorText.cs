namespace LlmRouter;

/// <summary>Recognises error kinds that providers only state in prose, and keeps messages short and free of credentials.</summary>
internal static class ErrorText
{
    private const int MaxMessageLength = 500;

    // Phrases providers use for a prompt that does not fit: OpenAI and compatibles ("maximum context length",
    // "context_length_exceeded"), Anthropic ("prompt is too long", "exceed context limit"), Gemini ("exceeds the maximum
    // number of tokens allowed"), Mistral ("too large for model with … maximum context length").
    private static readonly string[] ContextLengthPhrases =
    [
        "context_length_exceeded",
        "context length",
        "context_length",
        "context window",
        "context limit",
        "prompt is too long",
        "maximum number of tokens",
        "too many tokens",
        "reduce the length of the messages",
    ];

    // Azure's "content management policy", OpenAI's "content_policy_violation", Anthropic's "content filtering policy".
    private static readonly string[] ContentFilterPhrases =
    [
        "content_filter",
        "content filter",
        "content management policy",
        "content_policy_violation",
        "content filtering policy",
        "responsibleaipolicyviolation",
    ];

    public static bool IsContextLength(string? text) => ContainsAny(text, ContextLengthPhrases);

    public static bool IsContentFilter(string? text) => ContainsAny(text, ContentFilterPhrases);

    /// <summary>Removes <paramref name="secret"/> wherever it occurs and shortens <paramref name="text"/> to a readable length.</summary>
    public static string? Clean(string? text, string? secret)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }

        if (!string.IsNullOrEmpty(secret) && text.Contains(secret, StringComparison.Ordinal))
        {
            text = text.Replace(secret, "[redacted]", StringComparison.Ordinal);
        }

        return text.Length <= MaxMessageLength ? text : string.Concat(text.AsSpan(0, MaxMessageLength), "…");
    }

    private static bool ContainsAny(string? text, string[] phrases)
    {
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        foreach (string phrase in phrases)
        {
            if (text.Contains(phrase, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
