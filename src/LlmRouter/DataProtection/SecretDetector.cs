using System.Buffers;

namespace LlmRouter;

/// <summary>
/// Finds secrets: keys and tokens from their known prefixes and shapes, the values of <c>password=</c> and the like, and a URL's password.
/// Like every built-in detector, it starts from what every value of its kind holds, found with a vectorized search, and checks
/// only the places found, by hand. Stateless and thread-safe.
/// </summary>
internal static class SecretDetector
{
    /// <summary>The prefixes of secrets with a known shape, matched case-sensitively.</summary>
    private static readonly string[] SecretPrefixes =
    [
        "sk-", "sk_live_", "sk_test_", "rk_live_", "rk_test_", "AKIA", "ASIA", "eyJ", "-----BEGIN", "ghp_", "gho_", "ghu_", "ghs_", "ghr_",
        "github_pat_", "glpat-", "xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "AIza", "hf_", "npm_",
    ];

    /// <summary>The names whose value after <c>=</c> is a secret, matched case-insensitively: passwords in connection strings, keys and tokens in settings and URLs.</summary>
    private static readonly string[] SecretNames = ["password", "pwd", "passwd", "api_key", "apikey", "client_secret", "access_token"];

    private static readonly SearchValues<string> SecretStarts = SearchValues.Create(SecretPrefixes, StringComparison.Ordinal);

    /// <summary>Finds secrets from their known prefixes and shapes; for a password in a connection string or URL, the password alone.</summary>
    public static void Find(ReadOnlySpan<char> text, List<SensitiveMatch> found)
    {
        int from = 0;
        while (from < text.Length)
        {
            int next = text[from..].IndexOfAny(SecretStarts);
            if (next < 0)
            {
                break;
            }

            int at = from + next;
            from = at + 1;
            foreach (string prefix in SecretPrefixes)
            {
                if (text[at..].StartsWith(prefix, StringComparison.Ordinal) && TryPrefixedSecret(text, at, prefix, out int end))
                {
                    found.Add(new SensitiveMatch(SensitiveDataKinds.Secret, at, end - at));
                    from = end;
                    break;
                }
            }
        }

        FindNamedSecrets(text, found);
        FindUrlPasswords(text, found);
    }

    /// <summary>Finds the values of <c>password=</c>, <c>api_key=</c> and the like, from each <c>=</c>.</summary>
    private static void FindNamedSecrets(ReadOnlySpan<char> text, List<SensitiveMatch> found)
    {
        int from = 0;
        while (from < text.Length)
        {
            int next = text[from..].IndexOf('=');
            if (next < 0)
            {
                return;
            }

            int equals = from + next;
            from = equals + 1;
            int name = equals;
            while (name > 0 && (char.IsAsciiLetter(text[name - 1]) || text[name - 1] == '_'))
            {
                name--;
            }

            ReadOnlySpan<char> key = text[name..equals];
            bool secret = false;
            foreach (string candidate in SecretNames)
            {
                secret |= key.EndsWith(candidate, StringComparison.OrdinalIgnoreCase) && (key.Length == candidate.Length || key[^(candidate.Length + 1)] == '_');
            }

            if (!secret)
            {
                continue;
            }

            // In a URL's query an ampersand ends the value; in a connection string only a semicolon does.
            bool query = name > 0 && text[name - 1] is '?' or '&';
            int start = equals + 1 < text.Length && text[equals + 1] is '"' or '\'' ? equals + 2 : equals + 1;
            int end = start;
            while (end < text.Length && !char.IsWhiteSpace(text[end]) && text[end] is not (';' or '"' or '\'') && !(query && text[end] == '&'))
            {
                end++;
            }

            bool password = key.Contains("pw", StringComparison.OrdinalIgnoreCase) || key.Contains("pass", StringComparison.OrdinalIgnoreCase);
            if (end - start >= (password ? 1 : 8))
            {
                found.Add(new SensitiveMatch(SensitiveDataKinds.Secret, start, end - start));
                from = end;
            }
        }
    }

    /// <summary>Finds the password of a URL's user information, <c>scheme://user:password@host</c>.</summary>
    private static void FindUrlPasswords(ReadOnlySpan<char> text, List<SensitiveMatch> found)
    {
        int from = 0;
        while (from < text.Length)
        {
            int next = text[from..].IndexOf("://", StringComparison.Ordinal);
            if (next < 0)
            {
                return;
            }

            int body = from + next + 3;
            from = body;
            if (TryUrlPassword(text, body, out int start, out int end))
            {
                found.Add(new SensitiveMatch(SensitiveDataKinds.Secret, start, end - start));
                from = end;
            }
        }
    }

    private static bool TryPrefixedSecret(ReadOnlySpan<char> text, int at, string prefix, out int end)
    {
        end = at;
        if (at > 0 && TextChecks.IsWordChar(text[at - 1]) && prefix != "-----BEGIN")
        {
            return false;
        }

        int body = at + prefix.Length;
        switch (prefix)
        {
            case "-----BEGIN":
                return TryPrivateKey(text, at, out end);
            case "sk-":
                return Run(text, body, KeyChars.Dashed, 20, out end);
            case "sk_live_" or "sk_test_" or "rk_live_" or "rk_test_":
                return Run(text, body, KeyChars.Alphanumeric, 16, out end);
            case "AKIA" or "ASIA":
                end = body;
                while (end < text.Length && (char.IsAsciiLetterUpper(text[end]) || char.IsAsciiDigit(text[end])))
                {
                    end++;
                }

                return end - body == 16 && !TextChecks.WordAt(text, end);
            case "eyJ":
                return TryJwt(text, at, out end);
            case "ghp_" or "gho_" or "ghu_" or "ghs_" or "ghr_" or "npm_":
                return Run(text, body, KeyChars.Alphanumeric, 36, out end);
            case "github_pat_":
                return Run(text, body, KeyChars.Underscored, 40, out end);
            case "glpat-":
                return Run(text, body, KeyChars.Dashed, 20, out end);
            case "xoxb-" or "xoxp-" or "xoxa-" or "xoxr-" or "xoxs-":
                return Run(text, body, KeyChars.Dashed, 10, out end);
            case "AIza":
                return Run(text, body, KeyChars.Dashed, 35, out end);
            case "hf_":
                return Run(text, body, KeyChars.Alphanumeric, 30, out end);
            default:
                return false;
        }
    }

    private enum KeyChars
    {
        Alphanumeric,
        Underscored,
        Dashed,
    }

    private static bool Run(ReadOnlySpan<char> text, int from, KeyChars chars, int minimum, out int end)
    {
        end = from;
        while (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || (chars != KeyChars.Alphanumeric && text[end] == '_') || (chars == KeyChars.Dashed && text[end] == '-')))
        {
            end++;
        }

        return end - from >= minimum;
    }

    private static bool TryJwt(ReadOnlySpan<char> text, int at, out int end)
    {
        end = at;
        for (int segment = 0; segment < 3; segment++)
        {
            int begin = end;
            while (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] is '-' or '_'))
            {
                end++;
            }

            if (end - begin < 10 || (segment == 1 && !text[begin..].StartsWith("eyJ", StringComparison.Ordinal)))
            {
                return false;
            }

            if (segment < 2)
            {
                if (end >= text.Length || text[end] != '.')
                {
                    return false;
                }

                end++;
            }
        }

        return true;
    }

    private static bool TryPrivateKey(ReadOnlySpan<char> text, int at, out int end)
    {
        end = at;
        ReadOnlySpan<char> header = text[at..];
        int close = header[10..].IndexOf("-----", StringComparison.Ordinal);
        if (close < 0 || close > 40 || !header[10..(10 + close)].EndsWith("PRIVATE KEY", StringComparison.Ordinal))
        {
            return false;
        }

        int footer = header.IndexOf("-----END", StringComparison.Ordinal);
        if (footer < 0)
        {
            end = text.Length;
            return true;
        }

        int footerClose = header[(footer + 8)..].IndexOf("-----", StringComparison.Ordinal);
        end = footerClose < 0 ? text.Length : at + footer + 8 + footerClose + 5;
        return true;
    }

    private static bool TryUrlPassword(ReadOnlySpan<char> text, int from, out int start, out int end)
    {
        start = end = from;
        int i = from;
        while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not ('/' or '@' or ':'))
        {
            i++;
        }

        if (i == from || i >= text.Length || text[i] != ':')
        {
            return false;
        }

        start = i + 1;
        int j = start;
        while (j < text.Length && !char.IsWhiteSpace(text[j]) && text[j] is not ('/' or '@'))
        {
            j++;
        }

        if (j == start || j >= text.Length || text[j] != '@')
        {
            return false;
        }

        end = j;
        return true;
    }
}
