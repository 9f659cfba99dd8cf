using System.Buffers;

namespace LlmRouter;

/// <summary>
/// Finds e-mail addresses from each <c>@</c>: a local part, and a domain of two or more labels ending in a top-level domain of
/// letters; not a URL's <c>user:password@host</c>.
/// Like every built-in detector, it starts from what every value of its kind holds, found with a vectorized search, and checks
/// only the places found, by hand. Stateless and thread-safe.
/// </summary>
internal static class EmailDetector
{
    private static readonly SearchValues<char> AsciiLetters = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");

    /// <summary>Finds e-mail addresses: a local part, <c>@</c>, and a domain of two or more labels ending in a top-level domain of letters.</summary>
    public static void Find(ReadOnlySpan<char> text, List<SensitiveMatch> found)
    {
        int from = 0;
        while (from < text.Length)
        {
            int next = text[from..].IndexOf('@');
            if (next < 0)
            {
                return;
            }

            int at = from + next;
            from = at + 1;
            int start = at;
            while (start > 0 && IsLocalChar(text[start - 1]))
            {
                start--;
            }

            while (start < at && text[start] == '.')
            {
                start++;
            }

            if (start == at || InUrlUserInfo(text, start))
            {
                continue;
            }

            int end = at + 1;
            while (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] is '-' or '.'))
            {
                end++;
            }

            while (end > at + 1 && text[end - 1] is '.' or '-')
            {
                end--;
            }

            ReadOnlySpan<char> domain = text[(at + 1)..end];
            int lastDot = domain.LastIndexOf('.');
            if (lastDot <= 0 || domain.Contains("..", StringComparison.Ordinal) || !char.IsAsciiLetterOrDigit(domain[0]))
            {
                continue;
            }

            ReadOnlySpan<char> tld = domain[(lastDot + 1)..];
            if (tld.Length < 2 || tld.ContainsAnyExcept(AsciiLetters))
            {
                continue;
            }

            found.Add(new SensitiveMatch(SensitiveDataKinds.Email, start, end - start));
            from = end;
        }
    }

    /// <summary>Whether the text before <paramref name="start"/> is <c>scheme://user:</c>, so what follows is a URL's password, not an e-mail address.</summary>
    private static bool InUrlUserInfo(ReadOnlySpan<char> text, int start)
    {
        if (start == 0 || text[start - 1] != ':')
        {
            return false;
        }

        int token = start - 1;
        while (token > 0 && !char.IsWhiteSpace(text[token - 1]))
        {
            token--;
        }

        return text[token..start].Contains("://", StringComparison.Ordinal);
    }

    private static bool IsLocalChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '%' or '+' or '-';
}
