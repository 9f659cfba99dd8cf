using System.Buffers;
using System.Globalization;
using System.Text;

namespace LlmRouter;

/// <summary>Checks the text that goes into HTTP headers (extra headers and API keys), so none can be split or injected.</summary>
internal static class HeaderText
{
    // RFC 9110 token characters: the only ones a field name may hold.
    private static readonly SearchValues<char> TokenCharacters =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    /// <summary>Tells whether <paramref name="name"/> is a valid header name (an RFC 9110 token).</summary>
    public static bool IsToken(string name) => name.Length > 0 && !name.AsSpan().ContainsAnyExcept(TokenCharacters);

    /// <summary>Returns the index of the first control character (C0 or DEL; tab too unless allowed) in <paramref name="value"/>, or -1.</summary>
    public static int FindControlCharacter(string value, bool allowTab)
    {
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if ((c < ' ' && !(allowTab && c == '\t')) || c == '\u007f')
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Shows <paramref name="text"/> on one line, control characters escaped (<c>\r</c>, <c>\n</c>, <c>\u0000</c>), for messages.</summary>
    public static string Escape(string text)
    {
        if (FindControlCharacter(text, allowTab: false) < 0)
        {
            return text;
        }

        var escaped = new StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            _ = c switch
            {
                '\r' => escaped.Append("\\r"),
                '\n' => escaped.Append("\\n"),
                '\t' => escaped.Append("\\t"),
                < ' ' or '\u007f' => escaped.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)),
                _ => escaped.Append(c),
            };
        }

        return escaped.ToString();
    }
}
