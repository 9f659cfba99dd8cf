using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace LlmRouter;

/// <summary>
/// Reads the <c>LlmRouter:Gateway</c> section by hand (no reflection binding, so the package stays trimmable), refusing
/// unknown keys and unreadable values with one error that names each.
/// </summary>
internal static class GatewayConfiguration
{
    public static readonly string[] Keys = ["Keys", "AllowAnonymous", "MaxRequestBodySize"];

    public static readonly string[] KeyKeys = ["Hash", "Caller", "Routes", "Budget", "RateLimit"];

    public static readonly string[] BudgetKeys = ["LimitUsd", "Window"];

    public static readonly string[] RateLimitKeys = ["RequestsPerMinute", "RequestsPerHour", "TokensPerMinute", "TokensPerHour"];

    public static void Read(IConfiguration section, LlmRouterGatewayOptions options)
    {
        var errors = new List<string>();
        Check(section, Keys, "gateway settings", errors);
        if (section["AllowAnonymous"] is { Length: > 0 } anonymous)
        {
            if (bool.TryParse(anonymous, out bool allow))
            {
                options.AllowAnonymous = allow;
            }
            else
            {
                errors.Add($"{Path(section, "AllowAnonymous")} is '{anonymous}'; valid values: true, false.");
            }
        }

        if (section["MaxRequestBodySize"] is { Length: > 0 } size)
        {
            if (long.TryParse(size, NumberStyles.Integer, CultureInfo.InvariantCulture, out long bytes))
            {
                options.MaxRequestBodySize = bytes;
            }
            else
            {
                errors.Add($"{Path(section, "MaxRequestBodySize")} is '{size}'; it must be a whole number of bytes.");
            }
        }

        foreach (IConfigurationSection key in section.GetSection("Keys").GetChildren())
        {
            Check(key, KeyKeys, "key settings", errors);
            string[]? routes = key.GetSection("Routes").GetChildren().Select(r => r.Value ?? string.Empty).ToArray() is { Length: > 0 } listed ? listed : null;
            options.Keys[key.Key] = new GatewayKeyOptions
            {
                Hash = key["Hash"],
                Caller = key["Caller"],
                Routes = routes,
                Budget = ReadBudget(key.GetSection("Budget"), errors),
                RateLimit = ReadRateLimit(key.GetSection("RateLimit"), errors),
            };
        }

        if (errors.Count > 0)
        {
            throw new OptionsValidationException(nameof(LlmRouterGatewayOptions), typeof(LlmRouterGatewayOptions), errors);
        }
    }

    private static GatewayKeyBudget? ReadBudget(IConfigurationSection section, List<string> errors)
    {
        if (!section.Exists())
        {
            return null;
        }

        Check(section, BudgetKeys, "budget settings", errors);
        var budget = new GatewayKeyBudget();
        if (section["LimitUsd"] is { Length: > 0 } limit)
        {
            if (decimal.TryParse(limit, NumberStyles.Number, CultureInfo.InvariantCulture, out decimal usd))
            {
                budget.LimitUsd = usd;
            }
            else
            {
                errors.Add($"{section.Path}:LimitUsd is '{limit}'; it must be a number of US dollars, such as 25 or 0.50.");
            }
        }

        if (section["Window"] is { Length: > 0 } window)
        {
            if (Enum.TryParse(window, ignoreCase: true, out BudgetWindow parsed) && Enum.IsDefined(parsed) && !char.IsAsciiDigit(window[0]))
            {
                budget.Window = parsed;
            }
            else
            {
                errors.Add($"{section.Path}:Window is '{window}'; valid values: {string.Join(", ", Enum.GetNames<BudgetWindow>())}.");
            }
        }

        return budget;
    }

    private static GatewayKeyRateLimit? ReadRateLimit(IConfigurationSection section, List<string> errors)
    {
        if (!section.Exists())
        {
            return null;
        }

        Check(section, RateLimitKeys, "rate limit settings", errors);
        return new GatewayKeyRateLimit
        {
            RequestsPerMinute = Count(section, "RequestsPerMinute", errors),
            RequestsPerHour = Count(section, "RequestsPerHour", errors),
            TokensPerMinute = Count(section, "TokensPerMinute", errors),
            TokensPerHour = Count(section, "TokensPerHour", errors),
        };
    }

    private static long? Count(IConfigurationSection section, string key, List<string> errors)
    {
        if (section[key] is not { Length: > 0 } text)
        {
            return null;
        }

        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long count))
        {
            return count;
        }

        errors.Add($"{section.Path}:{key} is '{text}'; it must be a whole number.");
        return null;
    }

    private static void Check(IConfiguration section, string[] valid, string what, List<string> errors)
    {
        foreach (IConfigurationSection child in section.GetChildren())
        {
            if (!valid.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add($"{child.Path} is not a known setting. Valid {what}: {string.Join(", ", valid)}.");
            }
        }
    }

    private static string Path(IConfiguration section, string key) =>
        section is IConfigurationSection named ? named.Path + ":" + key : key;
}
