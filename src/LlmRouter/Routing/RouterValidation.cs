using System.Globalization;

namespace LlmRouter;

/// <summary>
/// Checks a <see cref="RouterDefinition"/> before a model is built from it, collecting every problem with a message that
/// names the deployment, route or budget and the setting, and says what would be valid: deployments, routes and their
/// fallbacks, dispatch (tiers, variants), filters, resilience options, budgets, and prices where a route or budget needs one.
/// </summary>
internal sealed class RouterValidation(RouterDefinition definition)
{
    public static void ValidateDeployment(string name, DeploymentOptions options, List<string> errors)
    {
        if (!double.IsFinite(options.Weight) || options.Weight < 0)
        {
            errors.Add($"Deployment '{name}': Weight must be a finite number of at least 0 (was {options.Weight.ToString(CultureInfo.InvariantCulture)}).");
        }

        if (options.ContextWindow is <= 0)
        {
            errors.Add($"Deployment '{name}': ContextWindow must be a positive number of tokens (was {options.ContextWindow.Value.ToString(CultureInfo.InvariantCulture)}).");
        }

        if (options.MaxConcurrentRequests is <= 0)
        {
            errors.Add($"Deployment '{name}': MaxConcurrentRequests must be at least 1, or null for no limit (was {options.MaxConcurrentRequests.Value.ToString(CultureInfo.InvariantCulture)}).");
        }

        if (options.QueueTimeout < TimeSpan.Zero)
        {
            errors.Add($"Deployment '{name}': QueueTimeout must not be negative (was {options.QueueTimeout}).");
        }

        RateLimitValidation.ValidateDeployment(name, options, errors);

        if (options.Region is not null && string.IsNullOrWhiteSpace(options.Region))
        {
            errors.Add($"Deployment '{name}': Region must be null (unknown) or a non-empty name such as 'eu' or 'us-east-1'.");
        }

        if (options.Tags is null || options.Tags.Any(string.IsNullOrWhiteSpace))
        {
            errors.Add($"Deployment '{name}': Tags must be a list of non-empty strings.");
        }

        options.Price?.Validate($"Deployment '{name}': Price", errors);
    }

    public void ValidateRoutes(List<(string Name, RouteOptions Options)> routes, Dictionary<string, Deployment> deployments, List<string> errors)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var routeNames = new HashSet<string>(routes.Select(r => r.Name), StringComparer.OrdinalIgnoreCase);
        string knownDeployments = JoinNames(definition.Deployments.Select(d => d.Name).Distinct(StringComparer.OrdinalIgnoreCase));
        string knownRoutes = JoinNames(routeNames);

        foreach ((string name, RouteOptions options) in routes)
        {
            if (!seen.Add(name))
            {
                errors.Add($"Route name '{name}' is used more than once; route names are case-insensitive and must be unique.");
                continue;
            }

            if (Dispatches(options))
            {
                ValidateDispatch(name, options, routes, routeNames, knownRoutes, errors);
                continue;
            }

            ValidateFilters(name, options, errors);
            if (options.DataProtection is { } protection)
            {
                DataProtectionValidation.Validate(name, protection, definition.Detectors, errors);
            }
            if (options.Deployments is not { Count: > 0 })
            {
                errors.Add($"Route '{name}' has no deployments; list at least one of: {knownDeployments}, or dispatch by Tiers or Variants to other routes.");
            }
            else
            {
                var listed = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                foreach (string deployment in options.Deployments)
                {
                    if (deployment is null || !deployments.ContainsKey(deployment))
                    {
                        errors.Add($"Route '{name}' names unknown deployment '{deployment}'. Known deployments: {knownDeployments}.");
                    }
                    else if (!listed.Add(deployment))
                    {
                        errors.Add($"Route '{name}' lists deployment '{deployment}' more than once.");
                    }
                }
            }

            if (options.Strategy is null || !definition.Strategies.ContainsKey(options.Strategy))
            {
                errors.Add($"Route '{name}' uses unknown strategy '{options.Strategy}'. Known strategies: {JoinNames(definition.Strategies.Keys)}.");
            }

            foreach (string fallback in options.Fallbacks ?? [])
            {
                if (fallback is null || !routeNames.Contains(fallback))
                {
                    errors.Add($"Route '{name}' falls back to unknown route '{fallback}'. Known routes: {knownRoutes}.");
                }
                else if (string.Equals(fallback, name, StringComparison.OrdinalIgnoreCase))
                {
                    errors.Add($"Route '{name}' falls back to itself.");
                }
                else if (routes.Find(r => string.Equals(r.Name, fallback, StringComparison.OrdinalIgnoreCase)).Options is { } target && Dispatches(target))
                {
                    errors.Add($"Route '{name}' falls back to route '{fallback}', which dispatches to other routes (by {(target.Stages is { Count: > 0 } ? "Stages" : target.Tiers.Count > 0 ? "Tiers" : "Variants")}); fall back to one of those routes instead.");
                }
            }
        }

        foreach (string cycle in FindFallbackCycles(routes))
        {
            errors.Add($"Fallback cycle: {cycle}. A route must not fall back, directly or through others, to itself.");
        }

        foreach (string cycle in FindDispatchCycles(routes))
        {
            errors.Add($"Dispatch cycle: {cycle}. A route must not dispatch (by Tiers or Variants), directly or through others, to itself.");
        }
    }

    public void ValidateResilience(List<(string Name, RouteOptions Options)> routes, List<string> errors)
    {
        AddFailures(new RetryOptionsValidator().Validate("Retry", definition.Retry), errors);
        AddFailures(new CircuitBreakerOptionsValidator().Validate("CircuitBreaker", definition.CircuitBreaker), errors);
        AddFailures(new TimeoutOptionsValidator().Validate("Timeouts", definition.Timeouts), errors);
        AddFailures(new CooldownOptionsValidator().Validate("Cooldown", definition.Cooldown), errors);
        AddFailures(new SelectionOptionsValidator().Validate("Selection", definition.Selection), errors);
        if (definition.Retry.BaseDelay > definition.Retry.MaxDelay)
        {
            errors.Add($"Retry.BaseDelay ({definition.Retry.BaseDelay}) must not be longer than Retry.MaxDelay ({definition.Retry.MaxDelay}).");
        }

        var hedgingValidator = new HedgingOptionsValidator();
        foreach ((string name, RouteOptions options) in routes)
        {
            if (options.Hedging is { } hedging)
            {
                AddFailures(hedgingValidator.Validate($"Routes:{name}:Hedging", hedging), errors);
            }

            AdaptiveRoutingValidation.Validate(name, options, routes, errors);
        }
    }

    public static void AddFailures(Microsoft.Extensions.Options.ValidateOptionsResult result, List<string> errors)
    {
        if (!result.Failed || result.Failures is null)
        {
            return;
        }

        foreach (string failure in result.Failures)
        {
            // The generated validator prefixes each message with the member name, which the message repeats.
            int separator = failure.IndexOf(": ", StringComparison.Ordinal);
            errors.Add(separator > 0 && !failure.AsSpan(0, separator).Contains(' ') ? failure[(separator + 2)..] : failure);
        }
    }

    /// <summary>Finds fallback cycles of two or more routes (self-references are reported separately).</summary>
    public static List<string> FindFallbackCycles(List<(string Name, RouteOptions Options)> routes)
    {
        var fallbacks = new Dictionary<string, IList<string>>(StringComparer.OrdinalIgnoreCase);
        foreach ((string name, RouteOptions options) in routes)
        {
            fallbacks.TryAdd(name, options.Fallbacks ?? []);
        }

        return FindCycles(fallbacks);
    }

    /// <summary>
    /// Finds the cycles of two or more routes in <paramref name="edges"/> (each route to the routes it leads to), each once
    /// whichever route it is entered from, as "a → b → a". Self-references and names that are not routes are left to the
    /// callers' own checks.
    /// </summary>
    public static List<string> FindCycles(Dictionary<string, IList<string>> edges)
    {
        var cycles = new List<string>();
        var reported = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var state = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var path = new List<string>();

        void Visit(string route)
        {
            state[route] = 1;
            path.Add(route);
            foreach (string next in edges[route])
            {
                if (next is null || !edges.ContainsKey(next) || string.Equals(next, route, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                if (state.GetValueOrDefault(next) == 1)
                {
                    int start = path.FindIndex(p => string.Equals(p, next, StringComparison.OrdinalIgnoreCase));
                    List<string> cycle = path.GetRange(start, path.Count - start);
                    if (reported.Add(string.Join("|", cycle.Order(StringComparer.OrdinalIgnoreCase))))
                    {
                        cycles.Add(string.Join(" → ", cycle.Append(next)));
                    }
                }
                else if (state.GetValueOrDefault(next) == 0)
                {
                    Visit(next);
                }
            }

            path.RemoveAt(path.Count - 1);
            state[route] = 2;
        }

        foreach (string route in edges.Keys)
        {
            if (state.GetValueOrDefault(route) == 0)
            {
                Visit(route);
            }
        }

        return cycles;
    }

    public static string JoinNames(IEnumerable<string> names)
    {
        string joined = string.Join(", ", names);
        return joined.Length == 0 ? "(none)" : joined;
    }

    public static bool Dispatches(RouteOptions options) => options.Tiers is { Count: > 0 } || options.Variants is { Count: > 0 } || options.Stages is { Count: > 0 };

    public void ValidateDispatch(
        string name, RouteOptions options, List<(string Name, RouteOptions Options)> routes, HashSet<string> routeNames, string knownRoutes, List<string> errors)
    {
        bool tiers = options.Tiers is { Count: > 0 };
        bool variants = options.Variants is { Count: > 0 };
        bool stages = options.Stages is { Count: > 0 };
        if (tiers && variants)
        {
            errors.Add($"Route '{name}' has both Tiers and Variants; a route dispatches one way. Split the A/B test and the tiers into two routes, one dispatching to the other.");
        }

        if (stages && (tiers || variants))
        {
            errors.Add($"Route '{name}' has Stages and {(tiers ? "Tiers" : "Variants")}; a route dispatches one way. Point a stage at a route that has the {(tiers ? "Tiers" : "Variants")} instead.");
        }

        if (stages)
        {
            StageValidation.Validate(name, options.Stages, routes, errors);
        }

        string how = stages ? "Stages" : tiers ? "Tiers" : "Variants";
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
            misplaced.Add("filters (MaxPrice, RequiredTags, ExcludedTags, AllowedProviders, DeniedProviders, AllowedRegions)");
        }

        AdaptiveRoutingValidation.Misplaced(options, misplaced);
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

            if (options.ComplexityScorer is null || !definition.Scorers.ContainsKey(options.ComplexityScorer))
            {
                errors.Add($"Route '{name}' uses unknown complexity scorer '{options.ComplexityScorer}'. Known scorers: {JoinNames(definition.Scorers.Keys)}.");
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

    public static void CheckTarget(string route, string what, string? target, HashSet<string> routeNames, string knownRoutes, List<string> errors)
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

    public static void ValidateFilters(string name, RouteOptions options, List<string> errors)
    {
        foreach ((string key, IList<string>? values) in (ReadOnlySpan<(string, IList<string>?)>)
            [("RequiredTags", options.RequiredTags), ("ExcludedTags", options.ExcludedTags), ("AllowedProviders", options.AllowedProviders), ("DeniedProviders", options.DeniedProviders),
                ("AllowedRegions", options.AllowedRegions)])
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
    public static List<string> FindDispatchCycles(List<(string Name, RouteOptions Options)> routes)
    {
        var targets = new Dictionary<string, IList<string>>(StringComparer.OrdinalIgnoreCase);
        foreach ((string name, RouteOptions options) in routes)
        {
            targets.TryAdd(name, [.. options.Tiers?.Values ?? [], .. options.Variants?.Keys ?? []]);
        }

        return FindCycles(targets);
    }

    public void ValidateBudgets(List<(string Name, RouteOptions Options)> routes, Dictionary<string, Deployment> deployments, List<string> errors)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        string knownRoutes = JoinNames(routes.Select(r => r.Name));
        string knownDeployments = JoinNames(deployments.Keys);
        bool IsRoute(string? name) => name is not null && routes.Exists(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase));

        foreach ((string name, BudgetOptions options) in definition.Budgets)
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
                case not BudgetScope.Caller when options.Caller is not null:
                    errors.Add($"{at}: Caller ('{options.Caller}') names the one caller a budget limits, so it needs Scope Caller (was {options.Scope}).");
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

    /// <summary>
    /// Checks that every deployment whose cost a route or budget needs has a price, and that no route's own filters leave it
    /// without a candidate; marks the deployments a latency-ranked route needs timed.
    /// </summary>
    public static void ValidateCosts(
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
            bool cheapest = route.NamedStrategy is CheapestSelectionStrategy or BestValueSelectionStrategy;
            foreach (Deployment deployment in route.Deployments)
            {
                if (cheapest)
                {
                    Need(deployment, $"route '{name}' ranks by cost (Strategy {route.NamedStrategy.Name})");
                }

                if (route.Filter?.MaxPrice is not null)
                {
                    Need(deployment, $"route '{name}' has a MaxPrice");
                }

                deployment.TracksLatency |= route.NamedStrategy is LowestLatencySelectionStrategy || route.Strategy is LatencyTargetSelectionStrategy;
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
    public static HashSet<Deployment> Reachable(Route route)
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
