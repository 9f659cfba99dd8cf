using System.Net;
using System.Net.Sockets;

namespace LlmRouter;

/// <summary>
/// Finds IPv6 addresses from each colon between hexadecimal digits.
/// Like every built-in detector, it starts from what every value of its kind holds, found with a vectorized search, and checks
/// only the places found, by hand. Stateless and thread-safe.
/// </summary>
internal static class Ipv6Detector
{
    /// <summary>Finds IPv6 addresses: from each colon between hexadecimal digits, a token of hexadecimal digits, colons and dots that parses as one.</summary>
    public static void Find(ReadOnlySpan<char> text, List<SensitiveMatch> found)
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
}
