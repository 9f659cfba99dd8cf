using System.Text.RegularExpressions;
using PhoneNumbers;

namespace LlmRouter;

/// <summary>Checks a route's <see cref="DataProtectionOptions"/> when the router is built, naming the key at fault and what would be valid.</summary>
internal static class DataProtectionValidation
{
    public static void Validate(string route, DataProtectionOptions options, IReadOnlyList<ISensitiveDataDetector> detectors, List<string> errors)
    {
        string at = $"Route '{route}': DataProtection";
        if (!Enum.IsDefined(options.Action))
        {
            errors.Add($"{at}.Action {(int)options.Action} is not an action. Valid actions: {string.Join(", ", Enum.GetNames<DataProtectionAction>())}.");
        }

        var known = new HashSet<string>(SensitiveDataKinds.BuiltIn, StringComparer.OrdinalIgnoreCase);
        foreach ((string kind, string pattern) in options.Patterns ?? new Dictionary<string, string>())
        {
            CheckKindName(at, "Patterns", kind, errors);
            known.Add(kind);
            try
            {
                _ = new Regex(pattern ?? string.Empty, RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture);
                if (string.IsNullOrEmpty(pattern))
                {
                    errors.Add($"{at}.Patterns:{kind} is empty; give a regular expression that matches the values, for example \\bEMP-\\d{{6}}\\b.");
                }
            }
            catch (ArgumentException e)
            {
                errors.Add($"{at}.Patterns:{kind} is not a valid regular expression: {e.Message}");
            }
        }

        foreach ((string kind, IList<string> words) in options.Keywords ?? new Dictionary<string, IList<string>>())
        {
            CheckKindName(at, "Keywords", kind, errors);
            known.Add(kind);
            if (words is null || words.Count == 0 || words.Any(string.IsNullOrWhiteSpace))
            {
                errors.Add($"{at}.Keywords:{kind} must be a list of non-empty words or phrases.");
            }
        }

        foreach (ISensitiveDataDetector detector in detectors)
        {
            known.Add(detector.Kind);
        }

        foreach (string kind in options.Kinds ?? [])
        {
            if (string.IsNullOrWhiteSpace(kind) || !known.Contains(kind))
            {
                errors.Add($"{at}.Kinds names unknown kind '{kind}'. Known kinds: {string.Join(", ", known)}.");
            }
        }

        if (options.Kinds is null)
        {
            errors.Add($"{at}.Kinds must be a list (empty for every kind).");
        }

        if (string.IsNullOrWhiteSpace(options.PhoneRegion) || !PhoneNumberUtil.GetInstance().GetSupportedRegions().Contains(options.PhoneRegion))
        {
            errors.Add($"{at}.PhoneRegion '{options.PhoneRegion}' is not a country with phone numbers; give an upper-case ISO 3166 code such as US, GB or DE.");
        }
    }

    private static void CheckKindName(string at, string key, string kind, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(kind) || kind.Any(c => !char.IsAsciiLetterOrDigit(c) && c != '_'))
        {
            errors.Add($"{at}.{key}: kind '{kind}' must be letters, digits and underscores, for example EmployeeId (its placeholder is [EMPLOYEEID_1]).");
        }
        else if (SensitiveDataKinds.BuiltIn.Contains(kind, StringComparer.OrdinalIgnoreCase))
        {
            errors.Add($"{at}.{key}: kind '{kind}' is a built-in kind; give custom kinds a name of their own.");
        }
    }
}
