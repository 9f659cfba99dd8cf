using System.Globalization;

namespace LlmRouter;

/// <summary>Validation and wiring of what costs: prices, route filters, tiers, variants and budgets.</summary>
public sealed partial class LlmRouterBuilder
{
    private static bool Dispatches(RouteOptions options) => options.Tiers is { Count: > 0 } || options.Variants is { Count: > 0 };

    private void ValidateDispatch(string name, RouteOptions options, HashSet<string> routeNames, string knownRoutes, List<string> errors)
    {
        bool tiers = options.Tiers is { Count: > 0 };
        bool variants = options.Variants is { Count: > 0 };
        if (tiers && variants)
        {
            errors.Add($"Route '{name}' has both Tiers and Variants; a route dispatches one way. Split the A/B test and the tiers into two routes, one dispatching to the other.");
        }

        string how = tiers ? "Tiers" : "Variants";
        var misplaced = new List<string>();
        if (options.Deployments is { Count: > 0 })
        {
            misplaced.Add("Deployments");
        }

        if (!string.Equals(options.Strategy, SelectionStrategies.Ordered, StringComparison.OrdinalIgnoreCase))
        {
            misplaced.Add("Strategy");
        }

        if (options.Fallbacks is { Count: > 0 })
        {
            misplaced.Add("Fallbacks");
        }

        if (options.Hedging is not null)
        {
            misplaced.Add("Hedging");
        }

        if (options.FallbackOnContentFilter)
        {
            misplaced.Add("FallbackOnContentFilter");
        }

        if (RouteFilter.Create(options) is not null)
        {
            misplaced.Add("filters (MaxPrice, RequiredTags, ExcludedTags, AllowedProviders, DeniedProviders)");
        }

        if (misplaced.Count > 0)
        {
            errors.Add($"Route '{name}' dispatches by {how}, so it takes no {string.Join(", ", misplaced)}; set them on the routes it dispatches to.");
        }

        if (tiers)
        {
            foreach ((ComplexityTier tier, string target) in options.Tiers)
            {
                if (!Enum.IsDefined(tier))
                {
                    errors.Add($"Route '{name}' maps unknown tier '{tier}'. Valid tiers: {string.Join(", ", Enum.GetNames<ComplexityTier>())}.");
                }

                CheckTarget(name, $"tier {tier}", target, routeNames, knownRoutes, errors);
            }

            if (options.ComplexityScorer is null || !_scorers.ContainsKey(options.ComplexityScorer))
            {
                errors.Add($"Route '{name}' uses unknown complexity scorer '{options.ComplexityScorer}'. Known scorers: {JoinNames(_scorers.Keys)}.");
            }
        }

        if (variants)
        {
            double total = 0;
            foreach ((string target, double weight) in options.Variants)
            {
                CheckTarget(name, "variant", target, routeNames, knownRoutes, errors);
                if (!double.IsFinite(weight) || weight < 0)
                {
                    errors.Add($"Route '{name}': the weight of variant '{target}' must be a finite number of at least 0 (was {weight.ToString(CultureInfo.InvariantCulture)}).");
                }
                else
                {
                    total += weight;
                }
            }

            if (total <= 0)
            {
                errors.Add($"Route '{name}': at least one variant must have a weight above 0.");
            }

            if (string.IsNullOrWhiteSpace(options.VariantKey))
            {
                errors.Add($"Route '{name}': VariantKey must name the ChatOptions.AdditionalProperties key that keeps a caller on one variant (default {LlmRouterRequestProperties.Caller}).");
            }
        }
    }

    private static void CheckTarget(string route, string what, string? target, HashSet<string> routeNames, string knownRoutes, List<string> errors)
    {
        if (target is null || !routeNames.Contains(target))
        {
            errors.Add($"Route '{route}' sends {what} to unknown route '{target}'. Known routes: {knownRoutes}.");
        }
        else if (string.Equals(target, route, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"Route '{route}' sends {what} to itself.");
        }
    }

    private static void ValidateFilters(string name, RouteOptions options, List<string> errors)
    {
        foreach ((string key, IList<string>? values) in (ReadOnlySpan<(string, IList<string>?)>)
            [("RequiredTags", options.RequiredTags), ("ExcludedTags", options.ExcludedTags), ("AllowedProviders", options.AllowedProviders), ("DeniedProviders", options.DeniedProviders)])
        {
            if (values is null || values.Any(string.IsNullOrWhiteSpace))
            {
                errors.Add($"Route '{name}': {key} must be a list of non-empty strings.");
            }
        }

        if (options.MaxPrice is { } limit)
        {
            if (limit.Input is null && limit.Output is null)
            {
                errors.Add($"Route '{name}': MaxPrice needs Input, Output or both, in USD per million tokens.");
            }

            if (limit.Input < 0 || limit.Output < 0)
            {
                errors.Add($"Route '{name}': MaxPrice.Input and MaxPrice.Output must be at least 0 USD per million tokens.");
            }
        }
    }

    /// <summary>Finds cycles of routes dispatching to each other by tiers or variants (self-references are reported separately).</summary>
    private static List<string> FindDispatchCycles(List<(string Name, RouteOptions Options)> routes)
    {
        var targets = new Dictionary<string, IList<string>>(StringComparer.OrdinalIgnoreCase);
        foreach ((string name, RouteOptions options) in routes)
        {
            targets.TryAdd(name, [.. options.Tiers?.Values ?? [], .. options.Variants?.Keys ?? []]);
        }

        return FindCycles(targets);
    }

    private void ValidateBudgets(List<(string Name, RouteOptions Options)> routes, Dictionary<string, Deployment> deployments, List<string> errors)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        string knownRoutes = JoinNames(routes.Select(r => r.Name));
        string knownDeployments = JoinNames(deployments.Keys);
        bool IsRoute(string? name) => name is not null && routes.Exists(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase));

        foreach ((string name, BudgetOptions options) in _budgets)
        {
            string at = $"Budget '{name}'";
            if (!names.Add(name))
            {
                errors.Add($"Budget name '{name}' is used more than once; budget names are case-insensitive and must be unique.");
                continue;
            }

            if (!Enum.IsDefined(options.Scope))
            {
                errors.Add($"{at}: Scope '{options.Scope}' is not valid. Valid scopes: {string.Join(", ", Enum.GetNames<BudgetScope>())}.");
            }

            if (!Enum.IsDefined(options.Window))
            {
                errors.Add($"{at}: Window '{options.Window}' is not valid. Valid windows: {string.Join(", ", Enum.GetNames<BudgetWindow>())}.");
            }

            if (!Enum.IsDefined(options.OnExceeded))
            {
                errors.Add($"{at}: OnExceeded '{options.OnExceeded}' is not valid. Valid actions: {string.Join(", ", Enum.GetNames<BudgetExceededAction>())}.");
            }

            if (options.LimitUsd <= 0 || options.LimitUsd > 100_000_000m)
            {
                errors.Add($"{at}: LimitUsd must be more than 0 and at most 100,000,000 US dollars per window (was {options.LimitUsd.ToString(CultureInfo.InvariantCulture)}).");
            }

            switch (options.Scope)
            {
                case BudgetScope.Router when options.Target is not null:
                    errors.Add($"{at}: Target is for Route, Deployment and Caller budgets; a Router budget limits every call, so remove Target or change Scope.");
                    break;
                case BudgetScope.Route when !IsRoute(options.Target):
                    errors.Add($"{at}: Scope Route needs Target, the name of a route (was '{options.Target}'). Known routes: {knownRoutes}.");
                    break;
                case BudgetScope.Deployment when options.Target is null || !deployments.ContainsKey(options.Target):
                    errors.Add($"{at}: Scope Deployment needs Target, the name of a deployment (was '{options.Target}'). Known deployments: {knownDeployments}.");
                    break;
                case BudgetScope.Deployment when options.OnExceeded == BudgetExceededAction.Downgrade:
                    errors.Add($"{at}: a Deployment budget cannot Downgrade; when it is exhausted its deployment is skipped and requests go to their routes' other candidates. Use OnExceeded Reject.");
                    break;
                case BudgetScope.Caller when options.Target is not null && !IsRoute(options.Target):
                    errors.Add($"{at}: Target names unknown route '{options.Target}'; for a Caller budget it is optional and limits each caller on that route only. Known routes: {knownRoutes}.");
                    break;
                case BudgetScope.Caller when string.IsNullOrWhiteSpace(options.CallerProperty):
                    errors.Add($"{at}: CallerProperty must name the ChatOptions.AdditionalProperties key that identifies the caller (default {LlmRouterRequestProperties.Caller}).");
                    break;
            }

            if (options.OnExceeded == BudgetExceededAction.Downgrade && options.Scope != BudgetScope.Deployment)
            {
                if (!IsRoute(options.DowngradeTo))
                {
                    errors.Add($"{at}: OnExceeded Downgrade needs DowngradeTo, the name of the route that serves what the budget cannot cover (was '{options.DowngradeTo}'). Known routes: {knownRoutes}.");
                }
                else if (options.Scope == BudgetScope.Route && string.Equals(options.DowngradeTo, options.Target, StringComparison.OrdinalIgnoreCase))
                {
                    errors.Add($"{at}: DowngradeTo must be another route than the one the budget limits ('{options.Target}').");
                }
            }
            else if (options.DowngradeTo is not null && options.OnExceeded == BudgetExceededAction.Reject)
            {
                errors.Add($"{at}: DowngradeTo is only used with OnExceeded Downgrade; set OnExceeded to Downgrade or remove DowngradeTo.");
            }
        }
    }

    /// <summary>Points tiered and A/B routes at their targets.</summary>
    private void WireDispatch(List<(string Name, RouteOptions Options)> routeOptions, Dictionary<string, Route> routes)
    {
        foreach ((string name, RouteOptions options) in routeOptions)
        {
            Route route = routes[name];
            if (options.Variants is { Count: > 0 } variants)
            {
                route.Variants = [.. variants.Select(v => new RouteVariant(routes[v.Key], v.Value))];
                route.VariantKey = options.VariantKey;
            }
            else if (options.Tiers is { Count: > 0 } tiers)
            {
                var byTier = new Route[4];
                for (int tier = 0; tier < byTier.Length; tier++)
                {
                    // A tier without a route of its own goes up to the next tier that has one, else down.
                    string? target = null;
                    for (int up = tier; up < byTier.Length && target is null; up++)
                    {
                        tiers.TryGetValue((ComplexityTier)up, out target);
                    }

                    for (int down = tier - 1; down >= 0 && target is null; down--)
                    {
                        tiers.TryGetValue((ComplexityTier)down, out target);
                    }

                    byTier[tier] = routes[target!];
                }

                route.Tiers = byTier;
                route.Scorer = _scorers[options.ComplexityScorer];
            }
        }
    }

    private Budget[] BuildBudgets(Dictionary<string, Route> routes, Dictionary<string, Deployment> deployments)
    {
        var budgets = new List<Budget>();
        var byRoute = new Dictionary<Route, List<Budget>>();
        var byDeployment = new Dictionary<Deployment, List<Budget>>();
        foreach ((string name, BudgetOptions options) in _budgets)
        {
            var budget = new Budget(name, options);
            if (options.OnExceeded == BudgetExceededAction.Downgrade && options.DowngradeTo is { } downgrade)
            {
                budget.DowngradeTo = routes[downgrade];
            }

            switch (options.Scope)
            {
                case BudgetScope.Route:
                    budget.TargetRoute = routes[options.Target!];
                    Add(byRoute, budget.TargetRoute, budget);
                    break;
                case BudgetScope.Deployment:
                    Add(byDeployment, deployments[options.Target!], budget);
                    break;
                case BudgetScope.Caller when options.Target is not null:
                    budget.TargetRoute = routes[options.Target];
                    break;
            }

            budgets.Add(budget);
        }

        foreach ((Route route, List<Budget> list) in byRoute)
        {
            route.Budgets = [.. list];
        }

        foreach ((Deployment deployment, List<Budget> list) in byDeployment)
        {
            deployment.Budgets = [.. list];
        }

        return [.. budgets];

        static void Add<TKey>(Dictionary<TKey, List<Budget>> map, TKey key, Budget budget)
            where TKey : notnull
        {
            if (!map.TryGetValue(key, out List<Budget>? list))
            {
                map[key] = list = [];
            }

            list.Add(budget);
        }
    }

    /// <summary>
    /// Checks that every deployment whose cost a route or budget needs has a price, and that no route's own filters leave it
    /// without a candidate; marks the deployments a latency-ranked route needs timed.
    /// </summary>
    private static void ValidateCosts(
        List<(string Name, RouteOptions Options)> routeOptions,
        Dictionary<string, Route> routes,
        Dictionary<string, Deployment> deployments,
        Budget[] budgets,
        List<string> errors)
    {
        var needs = new Dictionary<Deployment, List<string>>();
        void Need(Deployment deployment, string why)
        {
            if (deployment.Price is not null)
            {
                return;
            }

            if (!needs.TryGetValue(deployment, out List<string>? reasons))
            {
                needs[deployment] = reasons = [];
            }

            if (!reasons.Contains(why))
            {
                reasons.Add(why);
            }
        }

        foreach ((string name, RouteOptions _) in routeOptions)
        {
            Route route = routes[name];
            bool cheapest = route.Strategy is CheapestSelectionStrategy;
            foreach (Deployment deployment in route.Deployments)
            {
                if (cheapest)
                {
                    Need(deployment, $"route '{name}' ranks by cost (Strategy {SelectionStrategies.Cheapest})");
                }

                if (route.Filter?.MaxPrice is not null)
                {
                    Need(deployment, $"route '{name}' has a MaxPrice");
                }

                deployment.TracksLatency |= route.Strategy is LowestLatencySelectionStrategy;
            }

            if (route.Filter is { } filter && route.Deployments.Length > 0)
            {
                var excluded = new List<string>();
                foreach (Deployment deployment in route.Deployments)
                {
                    if (deployment.Price is null && filter.MaxPrice is not null)
                    {
                        excluded.Clear();
                        break;
                    }

                    if (filter.Excludes(deployment, out Exclusion exclusion))
                    {
                        excluded.Add(exclusion.Describe());
                    }
                }

                if (excluded.Count == route.Deployments.Length)
                {
                    errors.Add($"Route '{name}': its own filters exclude every one of its deployments: {string.Join("; ", excluded)}.");
                }
            }
        }

        foreach (Budget budget in budgets)
        {
            string why = $"budget '{budget.Name}' counts its spend";
            IEnumerable<Deployment> charged = budget.Scope switch
            {
                BudgetScope.Deployment => [deployments[budget.Target!]],
                BudgetScope.Route => Reachable(budget.TargetRoute!),
                BudgetScope.Caller when budget.TargetRoute is not null => Reachable(budget.TargetRoute),
                _ => routes.Values.SelectMany(r => r.Deployments),
            };
            foreach (Deployment deployment in charged)
            {
                Need(deployment, why);
            }

            if (budget.DowngradeTo is { } downgrade)
            {
                foreach (Deployment deployment in Reachable(downgrade))
                {
                    Need(deployment, why);
                }
            }
        }

        foreach ((Deployment deployment, List<string> reasons) in needs.OrderBy(n => n.Key.Index))
        {
            string model = deployment.Model is null
                ? "it has no model id to look up in the price catalog"
                : $"model '{deployment.Model}' of provider '{deployment.Provider}' is not in the price catalog";
            errors.Add(
                $"Deployment '{deployment.Name}' has no known price ({model}), but {string.Join(" and ", reasons)}. " +
                $"Set its price in USD per million tokens: DeploymentOptions.Price = new ModelPrice(input, output), or in configuration " +
                $"Deployments:{deployment.Name}:Price with Input and Output (0 and 0 for a free local model).");
        }
    }

    /// <summary>The deployments a request to <paramref name="route"/> may call: its own, its fallbacks', and those of the routes it dispatches to.</summary>
    private static HashSet<Deployment> Reachable(Route route)
    {
        var reached = new HashSet<Deployment>();
        var visited = new HashSet<Route>();
        var pending = new Stack<Route>();
        pending.Push(route);
        while (pending.TryPop(out Route? next))
        {
            if (!visited.Add(next))
            {
                continue;
            }

            reached.UnionWith(next.Deployments);
            foreach (Route fallback in next.FallbackChain)
            {
                pending.Push(fallback);
            }

            foreach (Route target in next.Tiers ?? [])
            {
                pending.Push(target);
            }

            foreach (RouteVariant variant in next.Variants ?? [])
            {
                pending.Push(variant.Route);
            }
        }

        return reached;
    }
}
