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

    /// <summary>
    /// The shortest key treated as a secret. Shorter "keys" (placeholders such as <c>x</c> or <c>none</c> that local servers
    /// accept) are no secrets, and removing them would garble words: <c>rate_limit_exceeded</c> with a key <c>x</c>.
    /// </summary>
    public const int MinSecretLength = 8;

    private const string Redacted = "[redacted]";

    /// <summary>
    /// Removes each of <paramref name="secrets"/> (those of at least <see cref="MinSecretLength"/> characters) wherever it occurs,
    /// with the whole token around it (letters, digits, <c>-</c> and <c>_</c>), so no fragment of a secret stays; then shortens
    /// <paramref name="text"/> to a readable length.
    /// </summary>
    public static string? Clean(string? text, params ReadOnlySpan<string?> secrets)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }

        foreach (string? secret in secrets)
        {
            text = Redact(text, secret);
        }

        return text.Length <= MaxMessageLength ? text : string.Concat(text.AsSpan(0, MaxMessageLength), "…");
    }

    private static string Redact(string text, string? secret)
    {
        if (secret is not { Length: >= MinSecretLength })
        {
            return text;
        }

        int index = text.IndexOf(secret, StringComparison.Ordinal);
        if (index < 0)
        {
            return text;
        }

        var redacted = new System.Text.StringBuilder(text.Length);
        int copied = 0;
        while (index >= 0)
        {
            int start = index;
            while (start > copied && IsTokenCharacter(text[start - 1]))
            {
                start--;
            }

            int end = index + secret.Length;
            while (end < text.Length && IsTokenCharacter(text[end]))
            {
                end++;
            }

            redacted.Append(text, copied, start - copied).Append(Redacted);
            copied = end;
            index = text.IndexOf(secret, end, StringComparison.Ordinal);
        }

        return redacted.Append(text, copied, text.Length - copied).ToString();
    }

    private static bool IsTokenCharacter(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_';

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
