using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// The router's response properties (<see cref="LlmRouterProperties"/>): who served the request, after how many attempts,
/// why it fell back, what it cost and how it was dispatched; built with as little work as the dictionary type allows.
/// </summary>
internal static class RouterPropertyBag
{
    /// <summary>The prefix of every property the router reads or writes.</summary>
    public const string Prefix = "llmrouter.";

    private static readonly object[] BoxedAttemptCounts = CreateBoxedCounts(32);

    /// <summary>Says on a response who served it: sets its model when the provider did not, and adds the router's properties to its own.</summary>
    /// <param name="response">The response.</param>
    /// <param name="attempt">The attempt that served it.</param>
    /// <param name="request">The request.</param>
    /// <param name="cost">The request's cost in USD, boxed, or <see langword="null"/> when unknown.</param>
    public static void Annotate(ChatResponse response, in Attempt attempt, RouterRequest request, object? cost)
    {
        response.ModelId ??= attempt.Deployment.Model;
        if (response.AdditionalProperties is not { } existing)
        {
            response.AdditionalProperties = Create(attempt, request, cost);
            return;
        }

        foreach (KeyValuePair<string, object?> property in attempt.Route.PropertyTemplate(attempt.Deployment))
        {
            existing[property.Key] = property.Value;
        }

        existing[LlmRouterProperties.Attempts] = BoxAttempts(request.Attempts);
        AddOptional(existing, request, cost);
    }

    /// <summary>Creates the router's properties for a response or a stream's final update.</summary>
    /// <remarks>
    /// The four that every response has come from a template per route and deployment whose entries are copied without
    /// hashing a key again; <see cref="AdditionalPropertiesDictionary"/> takes a dictionary with its own comparer that way.
    /// The others are added only when they apply.
    /// </remarks>
    public static AdditionalPropertiesDictionary Create(in Attempt attempt, RouterRequest request, object? cost)
    {
        var properties = new AdditionalPropertiesDictionary(attempt.Route.PropertyTemplate(attempt.Deployment));
        if (request.Attempts != 1)
        {
            properties[LlmRouterProperties.Attempts] = BoxAttempts(request.Attempts);
        }

        AddOptional(properties, request, cost);
        return properties;
    }

    /// <summary>The template of a route's deployment: route, deployment, provider, and one attempt.</summary>
    public static Dictionary<string, object?> Template(Route route, Deployment deployment) => new(4, StringComparer.OrdinalIgnoreCase)
    {
        [LlmRouterProperties.Route] = route.Name,
        [LlmRouterProperties.Deployment] = deployment.Name,
        [LlmRouterProperties.Provider] = deployment.Provider,
        [LlmRouterProperties.Attempts] = BoxAttempts(1),
    };

    private static void AddOptional(AdditionalPropertiesDictionary properties, RouterRequest request, object? cost)
    {
        if (cost is null && request.Plain)
        {
            // The common request: nothing failed, nothing dispatched or downgraded it, it set none of the router's properties.
            return;
        }

        SetIfPresent(properties, LlmRouterProperties.FallbackReasons, request.FallbackReasons());
        SetIfPresent(properties, LlmRouterProperties.CostUsd, cost);
        SetIfPresent(properties, LlmRouterProperties.Tier, request.Tier);
        SetIfPresent(properties, LlmRouterProperties.Complexity, request.Complexity);
        SetIfPresent(properties, LlmRouterProperties.Variant, request.Variant);
        SetIfPresent(properties, LlmRouterProperties.Stage, request.Stage);
        SetIfPresent(properties, LlmRouterProperties.DowngradedBy, request.DowngradedBy);
        SetIfPresent(properties, LlmRouterProperties.DataProtection, request.DataProtection?.Report);
    }

    private static void SetIfPresent(AdditionalPropertiesDictionary properties, string key, object? value)
    {
        if (value is not null)
        {
            properties[key] = value;
        }
    }

    private static object BoxAttempts(int attempts) =>
        (uint)attempts < (uint)BoxedAttemptCounts.Length ? BoxedAttemptCounts[attempts] : attempts;

    private static object[] CreateBoxedCounts(int count)
    {
        var boxed = new object[count];
        for (int i = 0; i < count; i++)
        {
            boxed[i] = i;
        }

        return boxed;
    }
}
