namespace LlmRouter;

/// <summary>
/// A 64-bit hash that is the same in every process, on every platform and in every .NET version (unlike
/// <see cref="string.GetHashCode()"/>): FNV-1a over the UTF-16 code units, finished with the SplitMix64 mixer so that nearby
/// inputs spread over the whole range.
/// </summary>
internal static class StableHash
{
    private const ulong OffsetBasis = 14695981039346656037;
    private const ulong Prime = 1099511628211;

    /// <summary>Hashes <paramref name="first"/>, a separator, and <paramref name="second"/>.</summary>
    public static ulong Hash(string first, string second)
    {
        ulong hash = OffsetBasis;
        hash = Add(hash, first);
        hash = (hash ^ 0xFFFF) * Prime;
        hash = Add(hash, second);
        return Mix(hash);
    }

    /// <summary>Maps a hash to a number in (0, 1], never 0, from its top 53 bits.</summary>
    public static double ToUnitInterval(ulong hash) => ((hash >> 11) + 1) * (1.0 / (1UL << 53));

    private static ulong Add(ulong hash, string text)
    {
        foreach (char c in text)
        {
            hash = (hash ^ (c & 0xFFu)) * Prime;
            hash = (hash ^ (uint)(c >> 8)) * Prime;
        }

        return hash;
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
