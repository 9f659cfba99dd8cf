namespace LlmRouter;

/// <summary>
/// The spellings of one model id that callers and hosts use, peeled off without allocating: a host or router prefix
/// (<c>openai/gpt-6-sol</c>, <c>models/gemini-3.8-flash</c>), a cloud region or vendor prefix (<c>us.amazon.nova-pro-v1:0</c>)
/// and a dated-snapshot suffix (<c>-2024-07-18</c>, <c>-20251001</c>, <c>@20251001</c>, <c>-0813</c>, <c>-latest</c>).
/// </summary>
internal static class ModelNames
{
    private const int MaxDottedPrefixLength = 8;

    /// <summary>Returns the part after the last <c>/</c>, or <paramref name="name"/> when it has none.</summary>
    public static ReadOnlySpan<char> WithoutPathPrefix(ReadOnlySpan<char> name)
    {
        int slash = name.LastIndexOf('/');
        return slash >= 0 && slash < name.Length - 1 ? name[(slash + 1)..] : name;
    }

    /// <summary>
    /// Removes one leading segment of 2 to 8 ASCII letters followed by a dot (<c>us.</c>, <c>global.</c>, <c>amazon.</c>):
    /// cross-region inference and vendor prefixes. Ids such as <c>gpt-6.1-sol</c> or <c>glm-5.3</c> are left alone because
    /// their text before the dot is not letters only.
    /// </summary>
    public static bool TryRemoveDottedPrefix(ReadOnlySpan<char> name, out ReadOnlySpan<char> rest)
    {
        int dot = name.IndexOf('.');
        if (dot >= 2 && dot <= MaxDottedPrefixLength && dot < name.Length - 1 && IsAsciiLetters(name[..dot]))
        {
            rest = name[(dot + 1)..];
            return true;
        }

        rest = name;
        return false;
    }

    /// <summary>
    /// Removes a dated-snapshot or channel suffix: <c>@anything</c> (Vertex AI), <c>-YYYY-MM-DD</c>, <c>-YYYYMMDD</c>,
    /// a four-digit <c>-MMDD</c> or <c>-YYMM</c>, or <c>-latest</c>.
    /// </summary>
    public static bool TryRemoveSnapshotSuffix(ReadOnlySpan<char> name, out ReadOnlySpan<char> core)
    {
        int at = name.IndexOf('@');
        if (at > 0)
        {
            core = name[..at];
            return true;
        }

        if (EndsWithDashDigits(name, 8) || EndsWithDashDigits(name, 4))
        {
            core = name[..name.LastIndexOf('-')];
            return core.Length > 0;
        }

        if (name.Length > 11 && name[^11] == '-' && name[^6] == '-' && name[^3] == '-'
            && IsAsciiDigits(name.Slice(name.Length - 10, 4)) && IsAsciiDigits(name.Slice(name.Length - 5, 2)) && IsAsciiDigits(name[^2..]))
        {
            core = name[..^11];
            return true;
        }

        if (name.Length > 7 && name.EndsWith("-latest", StringComparison.OrdinalIgnoreCase))
        {
            core = name[..^7];
            return true;
        }

        core = name;
        return false;
    }

    private static bool EndsWithDashDigits(ReadOnlySpan<char> name, int digits) =>
        name.Length > digits + 1 && name[^(digits + 1)] == '-' && IsAsciiDigits(name[^digits..]);

    private static bool IsAsciiDigits(ReadOnlySpan<char> text) => !text.ContainsAnyExceptInRange('0', '9');

    private static bool IsAsciiLetters(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
        {
            if (!char.IsAsciiLetter(c))
            {
                return false;
            }
        }

        return true;
    }
}
