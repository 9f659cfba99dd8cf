using System.Buffers;
using System.Text.RegularExpressions;

namespace LlmRouter;

/// <summary>
/// Finds the sensitive data of a route's kinds in a text: the built-in detectors of those kinds, then custom patterns, keyword
/// lists and users' detectors. Overlapping findings are merged: the earliest wins, the longest of those starting together.
/// Immutable and thread-safe.
/// </summary>
internal sealed class SensitiveDataScanner
{
    private static readonly TimeSpan PatternTimeout = TimeSpan.FromSeconds(1);

    private readonly bool _emails;
    private readonly bool _ipv6;
    private readonly bool _secrets;
    private readonly NumberKinds _numbers;
    private readonly string _phoneRegion;
    private readonly (string Kind, Regex Pattern)[] _patterns;
    private readonly (string Kind, string[] Words, SearchValues<string> Starts)[] _keywords;
    private readonly ISensitiveDataDetector[] _detectors;

    public SensitiveDataScanner(DataProtectionOptions options, IReadOnlyList<ISensitiveDataDetector> detectors)
    {
        bool all = options.Kinds is not { Count: > 0 };
        bool Wants(string kind) => all || options.Kinds!.Contains(kind, StringComparer.OrdinalIgnoreCase);
        _emails = Wants(SensitiveDataKinds.Email);
        _secrets = Wants(SensitiveDataKinds.Secret);
        _ipv6 = Wants(SensitiveDataKinds.IpAddress);
        _numbers = (Wants(SensitiveDataKinds.Phone) ? NumberKinds.Phone : 0) | (Wants(SensitiveDataKinds.Card) ? NumberKinds.Card : 0)
            | (Wants(SensitiveDataKinds.Iban) ? NumberKinds.Iban : 0) | (Wants(SensitiveDataKinds.Ssn) ? NumberKinds.Ssn : 0)
            | (Wants(SensitiveDataKinds.IpAddress) ? NumberKinds.IpAddress : 0);
        _phoneRegion = options.PhoneRegion;
        _patterns = [.. options.Patterns.Where(p => Wants(p.Key))
            .Select(p => (p.Key, new Regex(p.Value, RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture, PatternTimeout)))];
        _keywords = [.. options.Keywords.Where(k => Wants(k.Key))
            .Select(k => (k.Key, Words(k.Value), SearchValues.Create(Words(k.Value), StringComparison.OrdinalIgnoreCase)))];
        _detectors = [.. detectors.Where(d => Wants(d.Kind))];
    }

    /// <summary>Finds the sensitive data in <paramref name="text"/>; <paramref name="found"/> is cleared first and holds the findings in order, without overlaps.</summary>
    public void Scan(ReadOnlySpan<char> text, List<SensitiveMatch> found)
    {
        found.Clear();
        if (_emails)
        {
            EmailDetector.Find(text, found);
        }

        if (_secrets)
        {
            SecretDetector.Find(text, found);
        }

        if (_numbers != NumberKinds.None)
        {
            NumberDetector.Find(text, _numbers, _phoneRegion, found);
        }

        if (_ipv6)
        {
            Ipv6Detector.Find(text, found);
        }

        foreach ((string kind, Regex pattern) in _patterns)
        {
            foreach (ValueMatch match in pattern.EnumerateMatches(text))
            {
                if (match.Length > 0)
                {
                    found.Add(new SensitiveMatch(kind, match.Index, match.Length));
                }
            }
        }

        foreach ((string kind, string[] words, SearchValues<string> starts) in _keywords)
        {
            FindKeywords(text, kind, words, starts, found);
        }

        if (_detectors.Length > 0)
        {
            var ranges = new List<Range>();
            foreach (ISensitiveDataDetector detector in _detectors)
            {
                ranges.Clear();
                detector.Detect(text, ranges);
                foreach (Range range in ranges)
                {
                    (int offset, int length) = range.GetOffsetAndLength(text.Length);
                    if (length > 0)
                    {
                        found.Add(new SensitiveMatch(detector.Kind, offset, length));
                    }
                }
            }
        }

        if (found.Count > 1)
        {
            RemoveOverlaps(found);
        }
    }

    private static void FindKeywords(ReadOnlySpan<char> text, string kind, string[] words, SearchValues<string> starts, List<SensitiveMatch> found)
    {
        int from = 0;
        while (from < text.Length)
        {
            int next = text[from..].IndexOfAny(starts);
            if (next < 0)
            {
                return;
            }

            int at = from + next;
            int length = 0;
            foreach (string word in words)
            {
                if (word.Length > length && text[at..].StartsWith(word, StringComparison.OrdinalIgnoreCase))
                {
                    length = word.Length;
                }
            }

            if (!TextChecks.WordAt(text, at - 1) && !TextChecks.WordAt(text, at + length))
            {
                found.Add(new SensitiveMatch(kind, at, length));
                from = at + length;
            }
            else
            {
                from = at + 1;
            }
        }
    }

    private static void RemoveOverlaps(List<SensitiveMatch> found)
    {
        found.Sort(static (a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : b.Length.CompareTo(a.Length));
        int kept = 0;
        for (int i = 0; i < found.Count; i++)
        {
            if (kept > 0 && found[i].Start < found[kept - 1].End)
            {
                continue;
            }

            found[kept++] = found[i];
        }

        found.RemoveRange(kept, found.Count - kept);
    }

    private static string[] Words(IList<string> words) => [.. words.Where(w => !string.IsNullOrWhiteSpace(w)).Select(w => w.Trim()).Distinct(StringComparer.OrdinalIgnoreCase)];
}
