using System.Globalization;

namespace LlmRouter;

/// <summary>Checks rate-limit settings when the router is built; every problem names the setting and what would be valid.</summary>
internal static class RateLimitValidation
{
    public static void ValidateDeployment(string name, DeploymentOptions options, List<string> errors)
    {
        if (options.RequestsPerMinute is <= 0)
        {
            errors.Add($"Deployment '{name}': RequestsPerMinute must be at least 1, or null for no limit (was {options.RequestsPerMinute.Value.ToString(CultureInfo.InvariantCulture)}).");
        }

        if (options.TokensPerMinute is <= 0)
        {
            errors.Add($"Deployment '{name}': TokensPerMinute must be at least 1, or null for no limit (was {options.TokensPerMinute.Value.ToString(CultureInfo.InvariantCulture)}).");
        }
    }

    public static void ValidateCallers(List<(string Name, RateLimitOptions Options)> limits, List<(string Name, RouteOptions Options)> routes, List<string> errors)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach ((string name, RateLimitOptions options) in limits)
        {
            string at = $"Rate limit '{name}'";
            if (!names.Add(name))
            {
                errors.Add($"Rate limit name '{name}' is used more than once; rate limit names are case-insensitive and must be unique.");
                continue;
            }

            if (string.IsNullOrWhiteSpace(options.CallerProperty))
            {
                errors.Add($"{at}: CallerProperty must name the ChatOptions.AdditionalProperties key that identifies the caller (default {LlmRouterRequestProperties.Caller}).");
            }

            if (options.Route is { } route && !routes.Exists(r => string.Equals(r.Name, route, StringComparison.OrdinalIgnoreCase)))
            {
                errors.Add($"{at}: Route names unknown route '{route}'; it is optional and limits each caller on that route only. Known routes: {string.Join(", ", routes.Select(r => r.Name))}.");
            }

            if (options.RequestsPerMinute is null && options.RequestsPerHour is null && options.TokensPerMinute is null && options.TokensPerHour is null)
            {
                errors.Add($"{at}: set at least one of RequestsPerMinute, RequestsPerHour, TokensPerMinute, TokensPerHour.");
            }

            Positive(at, "RequestsPerMinute", options.RequestsPerMinute, errors);
            Positive(at, "RequestsPerHour", options.RequestsPerHour, errors);
            Positive(at, "TokensPerMinute", options.TokensPerMinute, errors);
            Positive(at, "TokensPerHour", options.TokensPerHour, errors);
        }
    }

    private static void Positive(string at, string key, long? value, List<string> errors)
    {
        if (value is <= 0)
        {
            errors.Add($"{at}: {key} must be at least 1, or null for no limit (was {value.Value.ToString(CultureInfo.InvariantCulture)}).");
        }
    }
}
