namespace LlmRouter;

/// <summary>Small character and checksum tests the built-in detectors share.</summary>
internal static class TextChecks
{
    public static bool IsDigit(char c) => char.IsAsciiDigit(c);

    public static bool IsWordChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    /// <summary>Whether the character at <paramref name="index"/> (which may be outside the text) continues a word.</summary>
    public static bool WordAt(ReadOnlySpan<char> text, int index) => (uint)index < (uint)text.Length && IsWordChar(text[index]);

    /// <summary>The Luhn check of a card number's digits.</summary>
    public static bool Luhn(ReadOnlySpan<char> digits)
    {
        int sum = 0;
        bool twice = false;
        for (int i = digits.Length - 1; i >= 0; i--)
        {
            int d = digits[i] - '0';
            if (twice)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
            twice = !twice;
        }

        return sum % 10 == 0;
    }

    /// <summary>
    /// Whether a number of <paramref name="digits"/> starts the way a card network's numbers do, at a length that network
    /// issues: Visa, Mastercard, American Express, Discover, JCB, Diners Club, UnionPay, Maestro.
    /// </summary>
    public static bool IsCardNetwork(ReadOnlySpan<char> digits)
    {
        int length = digits.Length;
        int two = (digits[0] - '0') * 10 + (digits[1] - '0');
        int four = two * 100 + (digits[2] - '0') * 10 + (digits[3] - '0');
        return digits[0] switch
        {
            '4' => length is 13 or 16 or 19,
            '5' => (two is >= 51 and <= 55 && length == 16) || length is >= 12 and <= 19 && two is 50 or (>= 56 and <= 58),
            '2' => four is >= 2221 and <= 2720 && length == 16,
            '3' => (two is 34 or 37 && length == 15) || (two == 35 && four is >= 3528 and <= 3589 && length is >= 16 and <= 19)
                || (two is 30 or 36 or 38 or 39 && length is >= 14 and <= 19),
            '6' => length is >= 16 and <= 19 && (four == 6011 || two == 65 || four is >= 6440 and <= 6499 || two == 62 || two is 63 or 67),
            _ => false,
        };
    }

    /// <summary>The mod-97 check of an IBAN's significant characters (country, check digits, account), upper-case letters and digits only.</summary>
    public static bool IbanChecksum(ReadOnlySpan<char> iban)
    {
        int remainder = 0;
        for (int i = 0; i < iban.Length; i++)
        {
            char c = iban[(i + 4) % iban.Length];
            if (IsDigit(c))
            {
                remainder = (remainder * 10 + (c - '0')) % 97;
            }
            else
            {
                remainder = (remainder * 100 + (c - 'A' + 10)) % 97;
            }
        }

        return remainder == 1;
    }

    /// <summary>Whether <paramref name="area"/>-<paramref name="group"/>-<paramref name="serial"/> is in the ranges of US social security numbers ever issued.</summary>
    public static bool IsSsn(int area, int group, int serial) =>
        area is > 0 and < 900 && area != 666 && group > 0 && serial > 0;
}
