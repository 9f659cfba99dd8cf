using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace LlmRouter;

/// <summary>Reads and checks the <c>SharedState</c> settings; every problem names its key and what would be valid.</summary>
internal static class RedisSharedStateConfiguration
{
    /// <summary>The keys of the <c>SharedState</c> section, in the order of the JSON schema.</summary>
    public static readonly string[] Keys = ["Redis", "KeyPrefix", "WhenUnavailable", "Timeout", "Cooldowns", "Circuits"];

    private static readonly TimeSpan MaxTimeout = TimeSpan.FromSeconds(10);

    public static RedisSharedStateOptions Read(IConfigurationSection section)
    {
        var errors = new List<string>();
        var options = new RedisSharedStateOptions();
        if (!section.Exists())
        {
            errors.Add($"{section.Path} is missing: add \"SharedState\": {{ \"Redis\": \"localhost:6379\" }} under the LlmRouter section.");
            throw new LlmRouterConfigurationException(errors);
        }

        foreach (IConfigurationSection key in section.GetChildren())
        {
            if (!Keys.Contains(key.Key, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add($"{key.Path} is not a known setting. Valid shared state settings: {string.Join(", ", Keys)}.");
            }
        }

        options.Redis = section["Redis"];
        options.KeyPrefix = section["KeyPrefix"] ?? options.KeyPrefix;
        if (section["WhenUnavailable"] is { } behavior)
        {
            if (Enum.TryParse(behavior, ignoreCase: true, out SharedStateUnavailableBehavior parsed) && Enum.IsDefined(parsed) && !char.IsDigit(behavior[0]))
            {
                options.WhenUnavailable = parsed;
            }
            else
            {
                errors.Add($"{section.Path}:WhenUnavailable: '{behavior}' is not valid. Valid values: {string.Join(", ", Enum.GetNames<SharedStateUnavailableBehavior>())}.");
            }
        }

        if (section["Timeout"] is { } timeout)
        {
            if (TimeSpan.TryParse(timeout, CultureInfo.InvariantCulture, out TimeSpan parsed))
            {
                options.Timeout = parsed;
            }
            else
            {
                errors.Add($"{section.Path}:Timeout: '{timeout}' is not a duration; write hh:mm:ss.fff, for example 00:00:00.050.");
            }
        }

        options.Cooldowns = ReadBoolean(section, "Cooldowns", options.Cooldowns, errors);

        options.Circuits = ReadBoolean(section, "Circuits", options.Circuits, errors);
        Check(options, connectionGiven: false, errors, section.Path + ":");
        if (errors.Count > 0)
        {
            throw new LlmRouterConfigurationException(errors);
        }

        return options;
    }

    private static bool ReadBoolean(IConfigurationSection section, string key, bool value, List<string> errors)
    {
        if (section[key] is not { } text)
        {
            return value;
        }

        if (bool.TryParse(text, out bool parsed))
        {
            return parsed;
        }

        errors.Add($"{section.Path}:{key}: '{text}' is not true or false.");
        return value;
    }

    public static void Validate(RedisSharedStateOptions options, bool connectionGiven)
    {
        var errors = new List<string>();
        Check(options, connectionGiven, errors, "SharedState:");
        if (errors.Count > 0)
        {
            throw new LlmRouterConfigurationException(errors);
        }
    }

    private static void Check(RedisSharedStateOptions options, bool connectionGiven, List<string> errors, string at)
    {
        if (!connectionGiven && string.IsNullOrWhiteSpace(options.Redis))
        {
            errors.Add($"{at}Redis is required: the StackExchange.Redis configuration string, for example localhost:6379.");
        }

        if (options.KeyPrefix is null)
        {
            errors.Add($"{at}KeyPrefix must be a string (it may be empty); the default is {RedisSharedStateConstants.DefaultKeyPrefix}.");
        }

        if (!Enum.IsDefined(options.WhenUnavailable))
        {
            errors.Add($"{at}WhenUnavailable '{options.WhenUnavailable}' is not valid. Valid values: {string.Join(", ", Enum.GetNames<SharedStateUnavailableBehavior>())}.");
        }

        if (options.Timeout <= TimeSpan.Zero || options.Timeout > MaxTimeout)
        {
            errors.Add($"{at}Timeout must be more than zero and at most {MaxTimeout} (was {options.Timeout}); the default is 00:00:00.050.");
        }
    }
}
