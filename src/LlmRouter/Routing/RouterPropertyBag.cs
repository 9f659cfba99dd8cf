using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>Builds the router's response properties with the least allocation the dictionary type allows.</summary>
internal static class RouterPropertyBag
{
    /// <summary>The prefix of every property the router reads or writes.</summary>
    public const string Prefix = "llmrouter.";

    // AdditionalPropertiesDictionary sizes itself exactly when built from an array, but grows twice when filled
    // key by key (488 bytes instead of 352 for four entries). The array is only read during construction,
    // so one per thread serves every call.
    [ThreadStatic]
    private static KeyValuePair<string, object?>[]? t_four;

    [ThreadStatic]
    private static KeyValuePair<string, object?>[]? t_five;

    public static AdditionalPropertiesDictionary Create(string route, string deployment, string provider, object attempts, string? fallbackReasons)
    {
        KeyValuePair<string, object?>[] entries = fallbackReasons is null
            ? t_four ??= new KeyValuePair<string, object?>[4]
            : t_five ??= new KeyValuePair<string, object?>[5];

        entries[0] = new(LlmRouterProperties.Route, route);
        entries[1] = new(LlmRouterProperties.Deployment, deployment);
        entries[2] = new(LlmRouterProperties.Provider, provider);
        entries[3] = new(LlmRouterProperties.Attempts, attempts);
        if (fallbackReasons is not null)
        {
            entries[4] = new(LlmRouterProperties.FallbackReasons, fallbackReasons);
        }

        var properties = new AdditionalPropertiesDictionary(entries);
        Array.Clear(entries);
        return properties;
    }
}
