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

    public static readonly string[] KeyKeys = ["Hash", "Caller", "Routes"];

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
            options.Keys[key.Key] = new GatewayKeyOptions { Hash = key["Hash"], Caller = key["Caller"], Routes = routes };
        }

        if (errors.Count > 0)
        {
            throw new OptionsValidationException(nameof(LlmRouterGatewayOptions), typeof(LlmRouterGatewayOptions), errors);
        }
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
