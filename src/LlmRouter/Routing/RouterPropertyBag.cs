using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>Builds the router's response properties with the least allocation the dictionary type allows.</summary>
internal static class RouterPropertyBag
{
    /// <summary>The prefix of every property the router reads or writes.</summary>
    public const string Prefix = "llmrouter.";

    private const int Required = 4;
    private const int MaxCount = Required + 6;

    // AdditionalPropertiesDictionary sizes itself exactly when built from an array, but grows when filled key by key
    // (488 bytes instead of 352 for four entries). The arrays are only read during construction, so one per size and
    // thread serves every call.
    [ThreadStatic]
    private static KeyValuePair<string, object?>[]?[]? t_bySize;

    public static AdditionalPropertiesDictionary Create(string route, string deployment, string provider, object attempts, in Optional optional)
    {
        int count = Required + optional.Count;
        KeyValuePair<string, object?>[]?[] bySize = t_bySize ??= new KeyValuePair<string, object?>[]?[MaxCount + 1];
        KeyValuePair<string, object?>[] entries = bySize[count] ??= new KeyValuePair<string, object?>[count];

        entries[0] = new(LlmRouterProperties.Route, route);
        entries[1] = new(LlmRouterProperties.Deployment, deployment);
        entries[2] = new(LlmRouterProperties.Provider, provider);
        entries[3] = new(LlmRouterProperties.Attempts, attempts);
        int next = Required;
        Add(entries, ref next, LlmRouterProperties.FallbackReasons, optional.FallbackReasons);
        Add(entries, ref next, LlmRouterProperties.CostUsd, optional.Cost);
        Add(entries, ref next, LlmRouterProperties.Tier, optional.Tier);
        Add(entries, ref next, LlmRouterProperties.Complexity, optional.Complexity);
        Add(entries, ref next, LlmRouterProperties.Variant, optional.Variant);
        Add(entries, ref next, LlmRouterProperties.DowngradedBy, optional.DowngradedBy);

        var properties = new AdditionalPropertiesDictionary(entries);
        Array.Clear(entries);
        return properties;
    }

    private static void Add(KeyValuePair<string, object?>[] entries, ref int next, string key, object? value)
    {
        if (value is not null)
        {
            entries[next++] = new(key, value);
        }
    }

    /// <summary>The properties present only for some requests; each is left out when <see langword="null"/>.</summary>
    internal readonly record struct Optional(string? FallbackReasons, object? Cost, string? Tier, object? Complexity, string? Variant, string? DowngradedBy)
    {
        public int Count =>
            (FallbackReasons is null ? 0 : 1) + (Cost is null ? 0 : 1) + (Tier is null ? 0 : 1) +
            (Complexity is null ? 0 : 1) + (Variant is null ? 0 : 1) + (DowngradedBy is null ? 0 : 1);
    }
}
