using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// Dispatch: from the route a request asked for, through its complexity tiers and A/B variants (and theirs), to the route
/// whose candidates serve it. Pure apart from the random source: the same request, properties and draw give the same route.
/// </summary>
internal static class RouteDispatch
{
    private static readonly object[] BoxedScores = CreateBoxedScores();
    private static readonly string[] TierNames = ["simple", "medium", "complex", "reasoning"];

    /// <summary>Follows tiers and variants from <paramref name="route"/> to the route that serves, adding each to <paramref name="path"/>.</summary>
    /// <param name="route">The route asked for.</param>
    /// <param name="messages">The request's messages, for a tier's complexity scorer.</param>
    /// <param name="options">The request's options: the scorer's input, and the variant key's property.</param>
    /// <param name="tier">The tier the request names (<see cref="LlmRouterRequestProperties.Tier"/>), or <see langword="null"/> to score it.</param>
    /// <param name="variant">The variant the request names (<see cref="LlmRouterRequestProperties.Variant"/>), or <see langword="null"/> to draw one.</param>
    /// <param name="random">Uniform numbers in [0, 1), for a variant drawn without a key.</param>
    /// <param name="path">Receives the routes passed through, the serving one last.</param>
    /// <param name="choice">Receives the tier, score, variant and stage chosen.</param>
    /// <param name="stage">The stage the request names (<see cref="LlmRouterRequestProperties.Stage"/>), or <see langword="null"/>.</param>
    /// <returns>The serving route.</returns>
    /// <exception cref="ArgumentException">The request names a tier, variant or stage the route does not have, or names no stage for a route that serves by stage.</exception>
    public static Route Resolve(
        Route route, IEnumerable<ChatMessage> messages, ChatOptions? options, string? tier, string? variant, Func<double> random, List<Route> path, ref DispatchChoice choice,
        string? stage = null)
    {
        // Dispatch cycles are rejected when the router is built (a stage's route serves with its own deployments), so this ends.
        while (route.Dispatches)
        {
            path.Add(route);
            route = route.Stages is { } stages ? PickStage(route, stages, stage, ref choice)
                : route.Variants is { } variants ? PickVariant(route, variants, options, variant, random, ref choice)
                : PickTier(route, messages, options, tier, ref choice);
        }

        path.Add(route);
        return route;
    }

    private static Route PickStage(Route route, Dictionary<string, Route> stages, string? named, ref DispatchChoice choice)
    {
        if (named is not null)
        {
            foreach ((string stage, Route target) in stages)
            {
                if (string.Equals(stage, named, StringComparison.OrdinalIgnoreCase))
                {
                    choice.Stage = stage;
                    return target;
                }
            }
        }

        string valid = string.Join(", ", stages.Keys);
        throw new ArgumentException(
            named is null
                ? $"Route '{route.Name}' serves by stage: set ChatOptions.AdditionalProperties['{LlmRouterRequestProperties.Stage}'] to one of its stages: {valid}."
                : $"ChatOptions.AdditionalProperties['{LlmRouterRequestProperties.Stage}'] is '{named}', which is not a stage of route '{route.Name}'. Stages: {valid}.",
            "options");
    }

    private static Route PickVariant(Route route, RouteVariant[] variants, ChatOptions? options, string? named, Func<double> random, ref DispatchChoice choice)
    {
        if (named is not null)
        {
            foreach (RouteVariant variant in variants)
            {
                if (string.Equals(variant.Route.Name, named, StringComparison.OrdinalIgnoreCase))
                {
                    choice.Variant = variant.Route.Name;
                    return variant.Route;
                }
            }

            throw new ArgumentException(
                $"ChatOptions.AdditionalProperties['{LlmRouterRequestProperties.Variant}'] names '{named}', which is not a variant of route '{route.Name}'. Variants: {string.Join(", ", variants.Select(v => v.Route.Name))}.",
                nameof(options));
        }

        RouteVariant chosen = RequestProperties.Text(options?.AdditionalProperties, route.VariantKey) is { } key
            ? Sticky(variants, key)
            : Draw(variants, random);
        choice.Variant = chosen.Route.Name;
        return chosen.Route;
    }

    /// <summary>
    /// Weighted rendezvous hashing: each variant draws a stable number from a hash of its name and the key, scaled by its
    /// weight, and the best draw wins. A key keeps its variant while the variants and weights stay the same, and changing one
    /// variant's weight only moves keys to or from that variant.
    /// </summary>
    private static RouteVariant Sticky(RouteVariant[] variants, string key)
    {
        RouteVariant best = variants[0];
        double bestScore = double.PositiveInfinity;
        foreach (RouteVariant variant in variants)
        {
            if (variant.Weight <= 0)
            {
                continue;
            }

            double score = -Math.Log(StableHash.ToUnitInterval(StableHash.Hash(variant.Route.Name, key))) / variant.Weight;
            if (score < bestScore)
            {
                bestScore = score;
                best = variant;
            }
        }

        return best;
    }

    private static RouteVariant Draw(RouteVariant[] variants, Func<double> random)
    {
        double total = 0;
        foreach (RouteVariant variant in variants)
        {
            total += Math.Max(0, variant.Weight);
        }

        double target = random() * total;
        RouteVariant last = variants[0];
        foreach (RouteVariant variant in variants)
        {
            if (variant.Weight <= 0)
            {
                continue;
            }

            last = variant;
            target -= variant.Weight;
            if (target < 0)
            {
                return variant;
            }
        }

        return last;
    }

    private static Route PickTier(Route route, IEnumerable<ChatMessage> messages, ChatOptions? options, string? named, ref DispatchChoice choice)
    {
        ComplexityTier tier;
        if (named is not null)
        {
            // One tier's name only: Enum.TryParse would also take numbers and comma-separated names, combining their values.
            int index = Array.FindIndex(TierNames, n => string.Equals(n, named.Trim(), StringComparison.OrdinalIgnoreCase));
            if (index < 0)
            {
                throw new ArgumentException(
                    $"ChatOptions.AdditionalProperties['{LlmRouterRequestProperties.Tier}'] is '{named}', which is not a tier. Valid tiers: {string.Join(", ", TierNames)}.",
                    nameof(options));
            }

            tier = (ComplexityTier)index;
        }
        else
        {
            ComplexityScore score = route.Scorer!.Score(messages, options);
            tier = Enum.IsDefined(score.Tier) ? score.Tier : ComplexityTier.Complex;
            choice.Complexity = BoxedScores[Math.Clamp(score.Score, 0, 100)];
        }

        choice.Tier = TierNames[(int)tier];
        return route.Tiers![(int)tier];
    }

    private static object[] CreateBoxedScores()
    {
        var boxed = new object[101];
        for (int i = 0; i < boxed.Length; i++)
        {
            boxed[i] = i;
        }

        return boxed;
    }
}
