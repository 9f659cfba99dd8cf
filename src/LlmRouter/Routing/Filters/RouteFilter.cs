namespace LlmRouter;

/// <summary>
/// A route's own filters: required and excluded tags, allowed and denied providers, allowed regions, and a price limit. Immutable; a route
/// without any has none, so requests to it pay nothing for filtering.
/// </summary>
internal sealed class RouteFilter
{
    /// <summary>The capabilities a request can be seen to need: the rest (streaming) is not checked.</summary>
    public const ModelCapabilities Checkable = ModelCapabilities.Tools | ModelCapabilities.Vision | ModelCapabilities.JsonSchema | ModelCapabilities.Reasoning;

    private RouteFilter(
        string[] requiredTags, string[] excludedTags, string[] allowedProviders, string[] deniedProviders, string[] allowedRegions, PriceLimit? maxPrice, QualityGate? quality = null)
    {
        Quality = quality;
        AllowedRegions = allowedRegions;
        RequiredTags = requiredTags;
        ExcludedTags = excludedTags;
        AllowedProviders = allowedProviders;
        DeniedProviders = deniedProviders;
        MaxPrice = maxPrice;
    }

    public string[] RequiredTags { get; }

    public string[] ExcludedTags { get; }

    public string[] AllowedProviders { get; }

    public string[] DeniedProviders { get; }

    public string[] AllowedRegions { get; }

    public PriceLimit? MaxPrice { get; }

    /// <summary>Gets the route's quality estimates, when it sets deployments aside by quality (<see cref="RouteOptions.MinQuality"/>, <see cref="RouteOptions.QualityDropTolerance"/>).</summary>
    public QualityGate? Quality { get; }

    /// <summary>Gets <paramref name="filter"/> (or no filter) with the route's quality bars added.</summary>
    public static RouteFilter WithQuality(RouteFilter? filter, QualityGate quality) => filter is null
        ? new RouteFilter([], [], [], [], [], null, quality)
        : new RouteFilter(filter.RequiredTags, filter.ExcludedTags, filter.AllowedProviders, filter.DeniedProviders, filter.AllowedRegions, filter.MaxPrice, quality);

    public static RouteFilter? Create(RouteOptions options)
    {
        string[] required = Names(options.RequiredTags);
        string[] excluded = Names(options.ExcludedTags);
        string[] allowed = Names(options.AllowedProviders);
        string[] denied = Names(options.DeniedProviders);
        string[] regions = Names(options.AllowedRegions);
        PriceLimit? maxPrice = options.MaxPrice is { Input: null, Output: null } ? null : options.MaxPrice;
        return required.Length + excluded.Length + allowed.Length + denied.Length + regions.Length == 0 && maxPrice is null
            ? null
            : new RouteFilter(required, excluded, allowed, denied, regions, maxPrice is null ? null : maxPrice with { });
    }

    /// <summary>Checks the route's filters; on exclusion, says why. Without a request, a tiered or dated price is checked as its short-prompt price as given.</summary>
    public bool Excludes(Deployment deployment, out Exclusion exclusion, RouterRequest? request = null)
    {
        if (Excludes(deployment, RequiredTags, ExcludedTags, AllowedProviders, DeniedProviders, byRequest: false, out exclusion)
            || OutsideRegions(deployment, AllowedRegions, byRequest: false, out exclusion))
        {
            return true;
        }

        // A route with a MaxPrice has only priced deployments (checked when the router is built).
        if (deployment.Price is not null && ExceedsLimit(deployment, MaxPrice, byRequest: false, out exclusion, request))
        {
            return true;
        }

        // Last: a deployment set aside counts this request as one that passed it over, so only a request that could call it counts.
        exclusion = default;
        return Quality is { } quality && request is not null && quality.Excludes(deployment, request, out exclusion);
    }

    /// <summary>Checks a price limit; a deployment with no known price cannot be shown to be within one, so it is excluded.</summary>
    /// <remarks>A price with tiers, service tiers or a scheduled change is checked at the tier of the request's estimated prompt, the service tier it asks for and the price in force now.</remarks>
    public static bool ExceedsLimit(Deployment deployment, PriceLimit? limit, bool byRequest, out Exclusion exclusion, RouterRequest? request = null)
    {
        if (limit is null)
        {
            exclusion = default;
            return false;
        }

        if (deployment.Price is not { } price)
        {
            exclusion = new Exclusion(deployment, ExclusionKind.NoKnownPrice, byRequest);
            return true;
        }

        decimal input = price.Input;
        decimal output = price.Output;
        if (!price.IsFlat && request is not null)
        {
            // Only a long-prompt tier needs the request's token estimate; a dated price or a service tier does not.
            ModelPrice inForce = ServiceTierProperty.Estimated(price.At(request.Time.GetUtcNow()), request.Options);
            PriceRates rates = inForce.Tiers.Count == 0 ? inForce.RatesFor(0) : inForce.RatesFor(request.EstimatedInputTokensFor(deployment));
            input = rates.Input;
            output = rates.Output;
        }

        if (input > limit.Input || output > limit.Output)
        {
            exclusion = new Exclusion(deployment, ExclusionKind.AboveMaxPrice, byRequest, Limit: limit);
            return true;
        }

        exclusion = default;
        return false;
    }

    /// <summary>Checks tags and providers, from a route or from a request's properties.</summary>
    public static bool Excludes(
        Deployment deployment, string[] requiredTags, string[] excludedTags, string[] allowedProviders, string[] deniedProviders, bool byRequest, out Exclusion exclusion)
    {
        IReadOnlySet<string> tags = deployment.Tags;
        foreach (string tag in requiredTags)
        {
            if (!tags.Contains(tag))
            {
                exclusion = new Exclusion(deployment, ExclusionKind.MissingTag, byRequest, Name: tag);
                return true;
            }
        }

        foreach (string tag in excludedTags)
        {
            if (tags.Contains(tag))
            {
                exclusion = new Exclusion(deployment, ExclusionKind.ExcludedTag, byRequest, Name: tag);
                return true;
            }
        }

        if (allowedProviders.Length > 0 && !Contains(allowedProviders, deployment.Provider))
        {
            exclusion = new Exclusion(deployment, ExclusionKind.ProviderNotAllowed, byRequest, Names: allowedProviders);
            return true;
        }

        if (Contains(deniedProviders, deployment.Provider))
        {
            exclusion = new Exclusion(deployment, ExclusionKind.ProviderDenied, byRequest);
            return true;
        }

        exclusion = default;
        return false;
    }

    /// <summary>Checks a deployment against the deployments a request names (<see cref="LlmRouterRequestProperties.Deployment"/>; none: any).</summary>
    public static bool NotRequested(Deployment deployment, string[] deployments, out Exclusion exclusion)
    {
        if (deployments.Length == 0 || Contains(deployments, deployment.Name))
        {
            exclusion = default;
            return false;
        }

        exclusion = new Exclusion(deployment, ExclusionKind.NotRequested, ByRequest: true, Names: deployments);
        return true;
    }

    /// <summary>
    /// Checks a deployment's region against allowed regions (none: any region); a region allows its subregions (<c>eu</c>
    /// allows <c>eu-west-1</c>), and a deployment without a region is outside every list.
    /// </summary>
    public static bool OutsideRegions(Deployment deployment, string[] allowedRegions, bool byRequest, out Exclusion exclusion)
    {
        exclusion = default;
        if (allowedRegions.Length == 0)
        {
            return false;
        }

        if (deployment.Region is not { Length: > 0 } region)
        {
            exclusion = new Exclusion(deployment, ExclusionKind.NoRegion, byRequest, Names: allowedRegions);
            return true;
        }

        foreach (string allowed in allowedRegions)
        {
            if (region.StartsWith(allowed, StringComparison.OrdinalIgnoreCase) && (region.Length == allowed.Length || region[allowed.Length] == '-'))
            {
                return false;
            }
        }

        exclusion = new Exclusion(deployment, ExclusionKind.RegionNotAllowed, byRequest, Names: allowedRegions);
        return true;
    }

    private static bool Contains(string[] names, string name)
    {
        foreach (string candidate in names)
        {
            if (string.Equals(candidate, name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static string[] Names(IList<string>? names)
    {
        if (names is not { Count: > 0 })
        {
            return [];
        }

        var kept = new List<string>(names.Count);
        foreach (string name in names)
        {
            if (!string.IsNullOrWhiteSpace(name))
            {
                kept.Add(name.Trim());
            }
        }

        return [.. kept];
    }
}
