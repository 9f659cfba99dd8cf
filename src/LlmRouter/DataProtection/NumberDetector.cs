using System.Buffers;
using PhoneNumbers;

namespace LlmRouter;

/// <summary>
/// Finds IBANs, social security numbers, IPv4 addresses, card numbers and phone numbers from each run of digits and separators.
/// Like every built-in detector, it starts from what every value of its kind holds, found with a vectorized search, and checks
/// only the places found, by hand. Stateless and thread-safe.
/// </summary>
internal static class NumberDetector
{
    private static readonly SearchValues<char> NumberSeparators = SearchValues.Create(" -.()/");

    private static readonly Lazy<PhoneNumberUtil> Phones = new(PhoneNumberUtil.GetInstance);

    /// <summary>
    /// Finds numbers: IBANs, social security numbers, IPv4 addresses, card numbers and phone numbers, from runs of digits and
    /// separators. A run glued to a word (an order id such as <c>ORD1234</c>) is none of them.
    /// </summary>
    public static void Find(ReadOnlySpan<char> text, NumberKinds kinds, string phoneRegion, List<SensitiveMatch> found)
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
}
