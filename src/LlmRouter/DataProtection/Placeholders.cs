using System.Text;
using System.Text.Json;

namespace LlmRouter;

/// <summary>
/// The placeholders of one request: each value found gets a typed placeholder (<c>[EMAIL_1]</c>), the same value the same
/// placeholder, and placeholders in an answer are put back. Filled while the request is inspected, then only read, so the
/// attempts of a request (hedged ones included) may share it.
/// </summary>
internal sealed class Placeholders
{
    private readonly Dictionary<string, string> _byValue = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _byPlaceholder = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);

    /// <summary>Gets the length of the longest placeholder: how much of a streamed answer may have to be held back.</summary>
    public int MaxLength { get; private set; }

    /// <summary>Gets the placeholder of <paramref name="value"/>, creating it the first time.</summary>
    public string For(string kind, string value)
    {
        if (_byValue.TryGetValue(value, out string? placeholder))
        {
            return placeholder;
        }

        string label = Label(kind);
        int number = _counts.TryGetValue(label, out int count) ? count + 1 : 1;
        _counts[label] = number;
        placeholder = $"[{label}_{number}]";
        _byValue[value] = placeholder;
        _byPlaceholder[placeholder] = value;
        MaxLength = Math.Max(MaxLength, placeholder.Length);
        return placeholder;
    }

    /// <summary>Puts the original values back in place of the placeholders in <paramref name="text"/>.</summary>
    /// <param name="text">Text from the model.</param>
    /// <param name="json">Whether <paramref name="text"/> is raw JSON, so a value is put back escaped as a JSON string's content.</param>
    public string Restore(string text, bool json = false)
    {
        int open = text.IndexOf('[', StringComparison.Ordinal);
        if (open < 0)
        {
            return text;
        }

        StringBuilder? restored = null;
        int copied = 0;
        Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> lookup = _byPlaceholder.GetAlternateLookup<ReadOnlySpan<char>>();
        while (open >= 0)
        {
            int close = text.IndexOf(']', open + 1);
            if (close < 0)
            {
                break;
            }

            if (close - open < MaxLength && lookup.TryGetValue(text.AsSpan(open, close - open + 1), out string? value))
            {
                restored ??= new StringBuilder(text.Length + 32);
                restored.Append(text, copied, open - copied).Append(json ? JsonEncodedText.Encode(value).ToString() : value);
                copied = close + 1;
                open = text.IndexOf('[', copied);
            }
            else
            {
                open = text.IndexOf('[', open + 1);
            }
        }

        return restored is null ? text : restored.Append(text, copied, text.Length - copied).ToString();
    }

    /// <summary>
    /// Replaces each value of the request found in <paramref name="text"/> (as written, or escaped as JSON text) by its
    /// placeholder, for content recorded in telemetry; the longest values first, so one that holds another is replaced whole.
    /// </summary>
    public string Redact(string text)
    {
        foreach (KeyValuePair<string, string> value in _byValue.OrderByDescending(v => v.Key.Length))
        {
            text = text.Replace(value.Key, value.Value, StringComparison.Ordinal);
            string escaped = JsonEncodedText.Encode(value.Key).ToString();
            if (!string.Equals(escaped, value.Key, StringComparison.Ordinal))
            {
                text = text.Replace(escaped, value.Value, StringComparison.Ordinal);
            }
        }

        return text;
    }

    /// <summary>
    /// How much of streamed <paramref name="text"/> can be released now: all of it, unless it ends in what may be the start of
    /// a placeholder (a <c>[</c> followed by an upper-case letter, then upper-case letters, digits and underscores, shorter than a placeholder).
    /// </summary>
    public int Releasable(string text)
    {
        int open = text.LastIndexOf('[');
        if (open < 0 || text.Length - open >= MaxLength)
        {
            return text.Length;
        }

        for (int i = open + 1; i < text.Length; i++)
        {
            char c = text[i];
            if (!char.IsAsciiLetterUpper(c) && (i == open + 1 || (!char.IsAsciiDigit(c) && c != '_')))
            {
                return text.Length;
            }
        }

        return open;
    }

    private static string Label(string kind) => kind switch
    {
        SensitiveDataKinds.IpAddress => "IP",
        _ => string.Create(kind.Length, kind, static (span, k) =>
        {
            for (int i = 0; i < k.Length; i++)
            {
                span[i] = char.IsAsciiLetterOrDigit(k[i]) ? char.ToUpperInvariant(k[i]) : '_';
            }
        }),
    };
}
