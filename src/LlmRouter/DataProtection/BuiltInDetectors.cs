using System.Buffers;
using System.Net;
using System.Net.Sockets;
using PhoneNumbers;

namespace LlmRouter;

/// <summary>
/// The built-in detectors. Each starts from a character every value of its kind holds, found with a vectorized search
/// (<c>@</c> for e-mail addresses, a digit for numbers, <c>:</c> for IPv6 addresses, a known prefix for secrets), and
/// checks the few places found by hand: most text is decided without a regular expression. Stateless and thread-safe.
/// </summary>
internal static class BuiltInDetectors
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

    private static readonly SearchValues<char> NumberSeparators = SearchValues.Create(" -.()/");

    private static readonly Lazy<PhoneNumberUtil> Phones = new(PhoneNumberUtil.GetInstance);

    /// <summary>Finds e-mail addresses: a local part, <c>@</c>, and a domain of two or more labels ending in a top-level domain of letters.</summary>
    public static void FindEmails(ReadOnlySpan<char> text, List<SensitiveMatch> found)
    {
        int from = 0;
        while (from < text.Length)
        {
            int found1 = text[from..].IndexOf('@');
            if (found1 < 0)
            {
                return;
            }

            int at = from + found1;
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

    private static readonly SearchValues<char> AsciiLetters = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");

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

    /// <summary>
    /// Finds numbers: IBANs, social security numbers, IPv4 addresses, card numbers and phone numbers, from runs of digits and
    /// separators. A run glued to a word (an order id such as <c>ORD1234</c>) is none of them.
    /// </summary>
    public static void FindNumbers(ReadOnlySpan<char> text, NumberKinds kinds, string phoneRegion, List<SensitiveMatch> found)
    {
        int from = 0;
        while (from < text.Length)
        {
            int next = text[from..].IndexOfAnyInRange('0', '9');
            if (next < 0)
            {
                return;
            }

            int i = from + next;
            if ((kinds & NumberKinds.Iban) != 0 && i >= 2 && TryIban(text, i - 2, out int ibanEnd))
            {
                found.Add(new SensitiveMatch(SensitiveDataKinds.Iban, i - 2, ibanEnd - (i - 2)));
                from = ibanEnd;
                continue;
            }

            if (i > 0 && (char.IsAsciiLetter(text[i - 1]) || text[i - 1] is '_' or '.' or '-' or '/'))
            {
                from = SkipWord(text, i);
                continue;
            }

            int start = i > 0 && text[i - 1] is '+' or '(' ? i - 1 : i;
            int end = i;
            int digits = 0;
            while (end < text.Length)
            {
                char c = text[end];
                if (char.IsAsciiDigit(c))
                {
                    digits++;
                    end++;
                    continue;
                }

                if (NumberSeparators.Contains(c))
                {
                    int after = end + 1;
                    if (after < text.Length && NumberSeparators.Contains(text[after]) && text[after] != c)
                    {
                        after++;
                    }

                    if (after < text.Length && char.IsAsciiDigit(text[after]))
                    {
                        end = after;
                        continue;
                    }
                }

                break;
            }

            from = end;
            if (end < text.Length && (char.IsAsciiLetter(text[end]) || text[end] == '_'))
            {
                from = SkipWord(text, end);
                continue;
            }

            if (digits >= 4)
            {
                Classify(text, start, end, digits, kinds, phoneRegion, found);
            }
        }
    }

    private static int SkipWord(ReadOnlySpan<char> text, int i)
    {
        while (i < text.Length && (TextChecks.IsWordChar(text[i]) || text[i] is '-' or '.' && i + 1 < text.Length && TextChecks.IsWordChar(text[i + 1])))
        {
            i++;
        }

        return i;
    }

    private static void Classify(ReadOnlySpan<char> text, int start, int end, int digits, NumberKinds kinds, string phoneRegion, List<SensitiveMatch> found)
    {
        ReadOnlySpan<char> run = text[start..end];
        if ((kinds & NumberKinds.Ssn) != 0 && digits == 9 && run.Length == 11 && run[3] == '-' && run[6] == '-'
            && TextChecks.IsSsn(Number(run[..3]), Number(run[4..6]), Number(run[7..])) && !run[..3].ContainsAnyExceptInRange('0', '9')
            && !run[4..6].ContainsAnyExceptInRange('0', '9') && !run[7..].ContainsAnyExceptInRange('0', '9'))
        {
            found.Add(new SensitiveMatch(SensitiveDataKinds.Ssn, start, run.Length));
            return;
        }

        if ((kinds & NumberKinds.IpAddress) != 0 && IsIpv4(run))
        {
            found.Add(new SensitiveMatch(SensitiveDataKinds.IpAddress, start, run.Length));
            return;
        }

        if ((kinds & NumberKinds.Card) != 0 && digits is >= 13 and <= 19 && !run.ContainsAny(".()/+"))
        {
            Span<char> number = stackalloc char[19];
            int count = 0;
            foreach (char c in run)
            {
                if (char.IsAsciiDigit(c))
                {
                    number[count++] = c;
                }
            }

            if (TextChecks.IsCardNetwork(number[..count]) && TextChecks.Luhn(number[..count]))
            {
                found.Add(new SensitiveMatch(SensitiveDataKinds.Card, start, run.Length));
                return;
            }
        }

        if ((kinds & NumberKinds.Phone) != 0 && digits is >= 7 and <= 15 && !run.Contains('/') && IsPhone(run, phoneRegion))
        {
            found.Add(new SensitiveMatch(SensitiveDataKinds.Phone, start, run.Length));
        }
    }

    private static int Number(ReadOnlySpan<char> digits)
    {
        int value = 0;
        foreach (char c in digits)
        {
            value = value * 10 + (c - '0');
        }

        return value;
    }

    private static bool IsIpv4(ReadOnlySpan<char> run)
    {
        int groups = 0;
        foreach (Range part in run.Split('.'))
        {
            ReadOnlySpan<char> group = run[part];
            if (group.Length is 0 or > 3 || group.ContainsAnyExceptInRange('0', '9') || Number(group) > 255 || (group.Length > 1 && group[0] == '0'))
            {
                return false;
            }

            groups++;
        }

        return groups == 4;
    }

    private static bool IsPhone(ReadOnlySpan<char> run, string region)
    {
        if (run[0] != '+' && ((run.Count('.') >= 2 && !run.Contains(' ')) || IsDate(run)))
        {
            // Dotted numbers such as versions, and dates, are phone numbers only with a country code; checked here because
            // parsing a number is a thousand times slower.
            return false;
        }

        // Strict grouping: the digits must be grouped as the country writes its numbers (a part number 725-84-54405 is not one).
        string text = run.ToString();
        foreach (PhoneNumberMatch match in Phones.Value.FindNumbers(text, run[0] == '+' ? "ZZ" : region, PhoneNumberUtil.Leniency.STRICT_GROUPING, long.MaxValue))
        {
            if (match.Length >= text.Length - 1)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether <paramref name="run"/> is written as a date: 2024-03-18, 18.03.2024, 3-18-2024.</summary>
    private static bool IsDate(ReadOnlySpan<char> run)
    {
        Span<int> groups = stackalloc int[4];
        int count = 0;
        int length = 0;
        char separator = '\0';
        foreach (char c in run)
        {
            if (char.IsAsciiDigit(c))
            {
                length++;
                continue;
            }

            if (count == 3 || (separator != '\0' && c != separator) || c is not ('-' or '.' or '/'))
            {
                return false;
            }

            separator = c;
            groups[count++] = length;
            length = 0;
        }

        groups[count++] = length;
        return count == 3 && ((groups[0] == 4 && groups[1] is 1 or 2 && groups[2] is 1 or 2) || (groups[0] is 1 or 2 && groups[1] is 1 or 2 && groups[2] == 4));
    }

    /// <summary>Whether an IBAN starts at <paramref name="start"/>: a country's length of letters and digits (grouped by spaces or not) that passes mod-97.</summary>
    private static bool TryIban(ReadOnlySpan<char> text, int start, out int end)
    {
        end = start;
        if (!char.IsAsciiLetterUpper(text[start]) || !char.IsAsciiLetterUpper(text[start + 1]) || (start > 0 && TextChecks.IsWordChar(text[start - 1]))
            || start + 3 >= text.Length || !char.IsAsciiDigit(text[start + 2]) || !char.IsAsciiDigit(text[start + 3]))
        {
            return false;
        }

        int length = IbanLengths.Of(text.Slice(start, 2));
        if (length == 0)
        {
            return false;
        }

        Span<char> iban = stackalloc char[34];
        int count = 0;
        int i = start;
        while (count < length && i < text.Length)
        {
            char c = text[i];
            if (char.IsAsciiDigit(c) || char.IsAsciiLetterUpper(c))
            {
                iban[count++] = c;
                i++;
            }
            else if (c == ' ' && i + 1 < text.Length && char.IsAsciiLetterOrDigit(text[i + 1]) && count > 0)
            {
                i++;
            }
            else
            {
                break;
            }
        }

        if (count < length || (i < text.Length && TextChecks.IsWordChar(text[i])) || !TextChecks.IbanChecksum(iban[..length]))
        {
            return false;
        }

        end = i;
        return true;
    }

    /// <summary>Finds IPv6 addresses: from each colon between hexadecimal digits, a token of hexadecimal digits, colons and dots that parses as one.</summary>
    public static void FindIpv6(ReadOnlySpan<char> text, List<SensitiveMatch> found)
    {
        int from = 0;
        while (from < text.Length)
        {
            int next = text[from..].IndexOf(':');
            if (next < 0)
            {
                return;
            }

            int colon = from + next;
            from = colon + 1;
            bool before = colon > 0 && (char.IsAsciiHexDigit(text[colon - 1]) || text[colon - 1] == ':');
            bool after = colon + 1 < text.Length && (char.IsAsciiHexDigit(text[colon + 1]) || text[colon + 1] == ':');
            if (!before || !after)
            {
                continue;
            }

            int start = colon;
            while (start > 0 && (char.IsAsciiHexDigit(text[start - 1]) || text[start - 1] is ':' or '.'))
            {
                start--;
            }

            int end = colon;
            while (end < text.Length && (char.IsAsciiHexDigit(text[end]) || text[end] is ':' or '.'))
            {
                end++;
            }

            while (end > colon && text[end - 1] == '.')
            {
                end--;
            }

            from = Math.Max(from, end);
            if ((start > 0 && TextChecks.IsWordChar(text[start - 1])) || (end < text.Length && TextChecks.IsWordChar(text[end])))
            {
                continue;
            }

            ReadOnlySpan<char> token = text[start..end];
            if (token.Count(':') >= 2 && token.Length >= 3 && IPAddress.TryParse(token, out IPAddress? address) && address.AddressFamily == AddressFamily.InterNetworkV6)
            {
                found.Add(new SensitiveMatch(SensitiveDataKinds.IpAddress, start, token.Length));
            }
        }
    }

    /// <summary>Finds secrets from their known prefixes and shapes; for a password in a connection string or URL, the password alone.</summary>
    public static void FindSecrets(ReadOnlySpan<char> text, List<SensitiveMatch> found)
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
