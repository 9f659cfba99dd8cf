using System.Globalization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;

namespace LlmRouter;

/// <summary>
/// Reads the <c>LlmRouter</c> configuration section into a builder, by hand (no reflection binding, so trimming and AOT
/// keep working). Every problem is collected with the full key at fault and what would be valid; cross-references the
/// builder checks (routes naming deployments, fallbacks, cycles, ranges) are left to it, since code may add deployments.
/// </summary>
internal sealed class ConfigurationReader
{
    /// <summary>The keys of the section, in the order of the JSON schema.</summary>
    public static readonly string[] RootKeys = ["Providers", "Deployments", "Routes", "DefaultRoute", "Budgets", "Selection", "Retry", "CircuitBreaker", "Timeouts", "Cooldown", "Telemetry"];

    public static readonly string[] ProviderKeys = ["Type", "Endpoint", "ApiKey", "ApiVersion", "Headers", "Timeout", "DefaultMaxOutputTokens", "HttpClientName"];

    public static readonly string[] DeploymentKeys = ["Provider", "Model", "Price", "Capabilities", "ContextWindow", "Tags", "Weight", "MaxConcurrentRequests", "QueueTimeout"];

    public static readonly string[] PriceKeys = ["Input", "Output", "CachedInput", "CacheWrite", "ExtendedCacheWrite", "ReasoningOutput"];

    public static readonly string[] RouteKeys =
    [
        "Deployments", "Strategy", "Fallbacks", "FallbackOnContentFilter", "Hedging", "MaxPrice", "RequiredTags", "ExcludedTags",
        "AllowedProviders", "DeniedProviders", "Tiers", "ComplexityScorer", "Variants", "VariantKey",
    ];

    public static readonly string[] MaxPriceKeys = ["Input", "Output"];

    public static readonly string[] TierKeys = System.Enum.GetNames<ComplexityTier>();

    public static readonly string[] BudgetKeys = ["Scope", "Target", "CallerProperty", "Window", "LimitUsd", "OnExceeded", "DowngradeTo"];

    public static readonly string[] SelectionKeys = ["LatencyBuffer", "SampleWeight"];

    public static readonly string[] HedgingKeys = ["Delay", "MaxParallelAttempts"];

    public static readonly string[] RetryKeys = ["MaxAttempts", "BaseDelay", "MaxDelay", "MaxRetryAfter", "UseJitter"];

    public static readonly string[] CircuitBreakerKeys = ["Enabled", "FailureRatio", "MinimumThroughput", "SamplingDuration", "BreakDuration", "WhenAllOpen"];

    public static readonly string[] TimeoutKeys = ["Total", "Attempt", "FirstChunk", "BetweenChunks"];

    public static readonly string[] CooldownKeys = ["DefaultDuration", "MaxDuration"];

    public static readonly string[] TelemetryKeys = ["EnableSensitiveData", "RouterName"];

    private readonly List<string> _errors = [];

    /// <summary>Gets the problems found, one message each, naming the key.</summary>
    public IReadOnlyList<string> Errors => _errors;

    /// <summary>Reads <paramref name="section"/>: adds providers' deployments and routes to <paramref name="builder"/> and sets its options.</summary>
    /// <param name="section">The <c>LlmRouter</c> section.</param>
    /// <param name="builder">The builder to configure.</param>
    /// <param name="createClient">Creates (or reuses) the client of a deployment from its provider's options, model and HTTP client name.</param>
    /// <param name="environment">Reads environment variables, for API keys not set in configuration.</param>
    public void Read(IConfiguration section, LlmRouterBuilder builder, Func<ProviderOptions, string?, string, IChatClient> createClient, Func<string, string?> environment)
    {
        CheckKeys(section, RootKeys, "settings");
        Dictionary<string, (ProviderOptions Options, string? HttpClientName, bool Valid)> providers = ReadProviders(section.GetSection("Providers"), environment);
        ReadDeployments(section.GetSection("Deployments"), providers, builder, createClient);
        ReadRoutes(section.GetSection("Routes"), builder);
        if (Value(section, "DefaultRoute") is { } defaultRoute)
        {
            builder.UseDefaultRoute(defaultRoute);
        }

        ReadBudgets(section.GetSection("Budgets"), builder);
        IConfigurationSection selection = section.GetSection("Selection");
        CheckKeys(selection, SelectionKeys, "selection settings");
        builder.ConfigureSelection(s =>
        {
            s.LatencyBuffer = Double(selection, "LatencyBuffer") ?? s.LatencyBuffer;
            s.SampleWeight = Double(selection, "SampleWeight") ?? s.SampleWeight;
        });

        IConfigurationSection retry = section.GetSection("Retry");
        CheckKeys(retry, RetryKeys, "retry settings");
        builder.ConfigureRetry(r =>
        {
            r.MaxAttempts = Int(retry, "MaxAttempts") ?? r.MaxAttempts;
            r.BaseDelay = Duration(retry, "BaseDelay") ?? r.BaseDelay;
            r.MaxDelay = Duration(retry, "MaxDelay") ?? r.MaxDelay;
            r.MaxRetryAfter = Duration(retry, "MaxRetryAfter") ?? r.MaxRetryAfter;
            r.UseJitter = Bool(retry, "UseJitter") ?? r.UseJitter;
        });

        IConfigurationSection breaker = section.GetSection("CircuitBreaker");
        CheckKeys(breaker, CircuitBreakerKeys, "circuit-breaker settings");
        builder.ConfigureCircuitBreaker(c =>
        {
            c.Enabled = Bool(breaker, "Enabled") ?? c.Enabled;
            c.FailureRatio = Double(breaker, "FailureRatio") ?? c.FailureRatio;
            c.MinimumThroughput = Int(breaker, "MinimumThroughput") ?? c.MinimumThroughput;
            c.SamplingDuration = Duration(breaker, "SamplingDuration") ?? c.SamplingDuration;
            c.BreakDuration = Duration(breaker, "BreakDuration") ?? c.BreakDuration;
            c.WhenAllOpen = Enum(breaker, "WhenAllOpen", c.WhenAllOpen);
        });

        IConfigurationSection timeouts = section.GetSection("Timeouts");
        CheckKeys(timeouts, TimeoutKeys, "timeouts");
        builder.ConfigureTimeouts(t =>
        {
            t.Total = OptionalDuration(timeouts, "Total", t.Total);
            t.Attempt = OptionalDuration(timeouts, "Attempt", t.Attempt);
            t.FirstChunk = OptionalDuration(timeouts, "FirstChunk", t.FirstChunk);
            t.BetweenChunks = OptionalDuration(timeouts, "BetweenChunks", t.BetweenChunks);
        });

        IConfigurationSection cooldown = section.GetSection("Cooldown");
        CheckKeys(cooldown, CooldownKeys, "cooldown settings");
        builder.ConfigureCooldown(c =>
        {
            c.DefaultDuration = Duration(cooldown, "DefaultDuration") ?? c.DefaultDuration;
            c.MaxDuration = Duration(cooldown, "MaxDuration") ?? c.MaxDuration;
        });

        IConfigurationSection telemetry = section.GetSection("Telemetry");
        CheckKeys(telemetry, TelemetryKeys, "telemetry settings");
        builder.ConfigureTelemetry(t =>
        {
            t.EnableSensitiveData = Bool(telemetry, "EnableSensitiveData") ?? t.EnableSensitiveData;
            t.RouterName = Value(telemetry, "RouterName") ?? t.RouterName;
        });
    }

    private Dictionary<string, (ProviderOptions Options, string? HttpClientName, bool Valid)> ReadProviders(IConfigurationSection providers, Func<string, string?> environment)
    {
        var read = new Dictionary<string, (ProviderOptions, string?, bool)>(StringComparer.OrdinalIgnoreCase);
        foreach (IConfigurationSection provider in providers.GetChildren())
        {
            CheckKeys(provider, ProviderKeys, "provider settings");
            int before = _errors.Count;
            var options = new ProviderOptions
            {
                Type = Value(provider, "Type"),
                Endpoint = Url(provider, "Endpoint"),
                ApiKey = Value(provider, "ApiKey"),
                ApiVersion = Value(provider, "ApiVersion"),
                Timeout = Duration(provider, "Timeout"),
                DefaultMaxOutputTokens = Int(provider, "DefaultMaxOutputTokens"),
            };
            foreach (IConfigurationSection header in provider.GetSection("Headers").GetChildren())
            {
                options.Headers[header.Key] = header.Value ?? string.Empty;
            }

            foreach (string error in ProviderClientFactory.Validate(options, environment))
            {
                _errors.Add($"{provider.Path}: {error}");
            }

            read[provider.Key] = (options, Value(provider, "HttpClientName"), _errors.Count == before);
        }

        return read;
    }

    private void ReadDeployments(
        IConfigurationSection deployments,
        Dictionary<string, (ProviderOptions Options, string? HttpClientName, bool Valid)> providers,
        LlmRouterBuilder builder,
        Func<ProviderOptions, string?, string, IChatClient> createClient)
    {
        string knownProviders = providers.Count == 0 ? "(none; add them under Providers)" : string.Join(", ", providers.Keys);
        foreach (IConfigurationSection deployment in deployments.GetChildren())
        {
            CheckKeys(deployment, DeploymentKeys, "deployment settings");
            string? providerName = Value(deployment, "Provider");
            string? model = Value(deployment, "Model");
            (ProviderOptions Options, string? HttpClientName, bool Valid) provider = default;
            if (providerName is null)
            {
                _errors.Add($"{deployment.Path}:Provider is required: the name of an entry under Providers ({knownProviders}).");
            }
            else if (!providers.TryGetValue(providerName, out provider))
            {
                _errors.Add($"{deployment.Path}:Provider names unknown provider '{providerName}'. Known providers: {knownProviders}.");
            }

            if (model is null)
            {
                _errors.Add($"{deployment.Path}:Model is required: the model id sent to the provider (for example gpt-4o-mini).");
            }

            var options = new DeploymentOptions
            {
                Model = model,
                Price = Price(deployment.GetSection("Price")),
                Capabilities = Capabilities(deployment, "Capabilities"),
                ContextWindow = Int(deployment, "ContextWindow"),
                Tags = List(deployment, "Tags"),
                Weight = Double(deployment, "Weight") ?? 1,
                MaxConcurrentRequests = Int(deployment, "MaxConcurrentRequests"),
                QueueTimeout = Duration(deployment, "QueueTimeout") ?? TimeSpan.Zero,
            };

            if (_errors.Count == 0 && provider.Valid && provider.Options is not null)
            {
                IChatClient client = createClient(provider.Options, model, provider.HttpClientName ?? ProviderHttpClients.Prefix + providerName);
                builder.AddDeployment(deployment.Key, client, d =>
                {
                    d.Model = options.Model;
                    d.Price = options.Price;
                    d.Capabilities = options.Capabilities;
                    d.ContextWindow = options.ContextWindow;
                    d.Tags = options.Tags;
                    d.Weight = options.Weight;
                    d.MaxConcurrentRequests = options.MaxConcurrentRequests;
                    d.QueueTimeout = options.QueueTimeout;
                });
            }
        }
    }

    private void ReadRoutes(IConfigurationSection routes, LlmRouterBuilder builder)
    {
        foreach (IConfigurationSection route in routes.GetChildren())
        {
            CheckKeys(route, RouteKeys, "route settings");
            IConfigurationSection hedging = route.GetSection("Hedging");
            CheckKeys(hedging, HedgingKeys, "hedging settings");
            HedgingOptions? hedgingOptions = null;
            if (hedging.Exists())
            {
                hedgingOptions = new HedgingOptions();
                hedgingOptions.Delay = Duration(hedging, "Delay") ?? hedgingOptions.Delay;
                hedgingOptions.MaxParallelAttempts = Int(hedging, "MaxParallelAttempts") ?? hedgingOptions.MaxParallelAttempts;
            }

            IList<string> deployments = List(route, "Deployments");
            IList<string> fallbacks = List(route, "Fallbacks");
            string strategy = Value(route, "Strategy") ?? SelectionStrategies.Ordered;
            bool fallbackOnContentFilter = Bool(route, "FallbackOnContentFilter") ?? false;
            PriceLimit? maxPrice = MaxPrice(route.GetSection("MaxPrice"));
            IList<string> requiredTags = List(route, "RequiredTags");
            IList<string> excludedTags = List(route, "ExcludedTags");
            IList<string> allowedProviders = List(route, "AllowedProviders");
            IList<string> deniedProviders = List(route, "DeniedProviders");
            Dictionary<ComplexityTier, string> tiers = Tiers(route.GetSection("Tiers"));
            string scorer = Value(route, "ComplexityScorer") ?? ComplexityScorers.Heuristic;
            Dictionary<string, double> variants = Variants(route.GetSection("Variants"));
            string variantKey = Value(route, "VariantKey") ?? LlmRouterRequestProperties.Caller;
            builder.AddRoute(route.Key, r =>
            {
                r.Deployments = deployments;
                r.Strategy = strategy;
                r.Fallbacks = fallbacks;
                r.FallbackOnContentFilter = fallbackOnContentFilter;
                r.Hedging = hedgingOptions;
                r.MaxPrice = maxPrice;
                r.RequiredTags = requiredTags;
                r.ExcludedTags = excludedTags;
                r.AllowedProviders = allowedProviders;
                r.DeniedProviders = deniedProviders;
                r.Tiers = tiers;
                r.ComplexityScorer = scorer;
                r.Variants = variants;
                r.VariantKey = variantKey;
            });
        }
    }

    private void ReadBudgets(IConfigurationSection budgets, LlmRouterBuilder builder)
    {
        foreach (IConfigurationSection budget in budgets.GetChildren())
        {
            CheckKeys(budget, BudgetKeys, "budget settings");
            var options = new BudgetOptions();
            options.Scope = Enum(budget, "Scope", options.Scope);
            options.Target = Value(budget, "Target");
            options.CallerProperty = Value(budget, "CallerProperty") ?? options.CallerProperty;
            options.Window = Enum(budget, "Window", options.Window);
            options.OnExceeded = Enum(budget, "OnExceeded", options.OnExceeded);
            options.DowngradeTo = Value(budget, "DowngradeTo");
            if (Value(budget, "LimitUsd") is null)
            {
                _errors.Add($"{budget.Path}:LimitUsd is required: the most that may be spent per window, in US dollars (for example 25).");
            }
            else if (Usd(budget, "LimitUsd") is { } limit)
            {
                options.LimitUsd = limit;
            }

            builder.AddBudget(budget.Key, b =>
            {
                b.Scope = options.Scope;
                b.Target = options.Target;
                b.CallerProperty = options.CallerProperty;
                b.Window = options.Window;
                b.LimitUsd = options.LimitUsd;
                b.OnExceeded = options.OnExceeded;
                b.DowngradeTo = options.DowngradeTo;
            });
        }
    }

    private PriceLimit? MaxPrice(IConfigurationSection limit)
    {
        if (!limit.Exists())
        {
            return null;
        }

        CheckKeys(limit, MaxPriceKeys, "price limits");
        decimal? input = Decimal(limit, "Input");
        decimal? output = Decimal(limit, "Output");
        return new PriceLimit { Input = input, Output = output };
    }

    /// <summary>Reads a tier map: <c>{ "Simple": "fast", "Complex": "smart" }</c>.</summary>
    private Dictionary<ComplexityTier, string> Tiers(IConfigurationSection tiers)
    {
        var read = new Dictionary<ComplexityTier, string>();
        foreach (IConfigurationSection tier in tiers.GetChildren())
        {
            if (char.IsDigit(tier.Key[0]) || !System.Enum.TryParse(tier.Key, ignoreCase: true, out ComplexityTier parsed) || !System.Enum.IsDefined(parsed))
            {
                _errors.Add($"{tier.Path} is not a tier. Valid tiers: {string.Join(", ", TierKeys)}.");
            }
            else if (tier.Value is { Length: > 0 } route)
            {
                read[parsed] = route.Trim();
            }
            else
            {
                _errors.Add($"{tier.Path} must name the route that serves the tier.");
            }
        }

        return read;
    }

    /// <summary>Reads A/B variants: <c>{ "smart-v1": 90, "smart-v2": 10 }</c>, route names with their weights.</summary>
    private Dictionary<string, double> Variants(IConfigurationSection variants)
    {
        var read = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
        foreach (IConfigurationSection variant in variants.GetChildren())
        {
            string? text = variant.Value?.Trim();
            if (text is { Length: > 0 } && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double weight))
            {
                read[variant.Key] = weight;
            }
            else
            {
                _errors.Add($"{variant.Path}: '{text}' is not a weight. Give each variant route a number, its relative share of traffic (for example \"{variant.Key}\": 10).");
            }
        }

        return read;
    }

    private decimal? Usd(IConfiguration section, string key)
    {
        string? text = Value(section, key);
        if (text is null)
        {
            return null;
        }

        if (decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out decimal value))
        {
            return value;
        }

        _errors.Add($"{PathOf(section, key)}: '{text}' is not an amount of US dollars (such as 25 or 0.50).");
        return null;
    }

    private ModelPrice? Price(IConfigurationSection price)
    {
        if (!price.Exists())
        {
            return null;
        }

        CheckKeys(price, PriceKeys, "price settings");
        decimal? input = Decimal(price, "Input");
        decimal? output = Decimal(price, "Output");
        if (input is null || output is null)
        {
            _errors.Add($"{price.Path} needs both Input and Output, in USD per million tokens (for example \"Input\": 0.15, \"Output\": 0.60).");
            return null;
        }

        return new ModelPrice(input.Value, output.Value)
        {
            CachedInput = Decimal(price, "CachedInput"),
            CacheWrite = Decimal(price, "CacheWrite"),
            ExtendedCacheWrite = Decimal(price, "ExtendedCacheWrite"),
            ReasoningOutput = Decimal(price, "ReasoningOutput"),
        };
    }

    private void CheckKeys(IConfigurationSection section, string[] valid, string what)
    {
        foreach (IConfigurationSection child in section.GetChildren())
        {
            if (Array.FindIndex(valid, k => string.Equals(k, child.Key, StringComparison.OrdinalIgnoreCase)) < 0)
            {
                _errors.Add($"{child.Path} is not a known setting. Valid {what}: {string.Join(", ", valid)}.");
            }
        }
    }

    private void CheckKeys(IConfiguration section, string[] valid, string what)
    {
        if (section is IConfigurationSection named)
        {
            CheckKeys(named, valid, what);
            return;
        }

        foreach (IConfigurationSection child in section.GetChildren())
        {
            if (Array.FindIndex(valid, k => string.Equals(k, child.Key, StringComparison.OrdinalIgnoreCase)) < 0)
            {
                _errors.Add($"{child.Path} is not a known setting. Valid {what}: {string.Join(", ", valid)}.");
            }
        }
    }

    private static string? Value(IConfiguration section, string key) =>
        section[key] is { Length: > 0 } value ? value.Trim() : null;

    private static string PathOf(IConfiguration section, string key) =>
        section is IConfigurationSection named ? ConfigurationPath.Combine(named.Path, key) : key;

    private int? Int(IConfiguration section, string key)
    {
        string? text = Value(section, key);
        if (text is null)
        {
            return null;
        }

        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value))
        {
            return value;
        }

        _errors.Add($"{PathOf(section, key)}: '{text}' is not a whole number.");
        return null;
    }

    private double? Double(IConfiguration section, string key)
    {
        string? text = Value(section, key);
        if (text is null)
        {
            return null;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
        {
            return value;
        }

        _errors.Add($"{PathOf(section, key)}: '{text}' is not a number (use a dot for decimals, such as 0.5).");
        return null;
    }

    private decimal? Decimal(IConfiguration section, string key)
    {
        string? text = Value(section, key);
        if (text is null)
        {
            return null;
        }

        if (decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out decimal value))
        {
            return value;
        }

        _errors.Add($"{PathOf(section, key)}: '{text}' is not a number of USD per million tokens (such as 0.15).");
        return null;
    }

    private bool? Bool(IConfiguration section, string key)
    {
        string? text = Value(section, key);
        if (text is null)
        {
            return null;
        }

        if (bool.TryParse(text, out bool value))
        {
            return value;
        }

        _errors.Add($"{PathOf(section, key)}: '{text}' is not true or false.");
        return null;
    }

    private TimeSpan? Duration(IConfiguration section, string key)
    {
        string? text = Value(section, key);
        if (text is null)
        {
            return null;
        }

        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out TimeSpan value))
        {
            return value;
        }

        _errors.Add($"{PathOf(section, key)}: '{text}' is not a duration. Write a TimeSpan string: hh:mm:ss (00:00:30), with a fraction for less than a second (00:00:00.200), or d.hh:mm:ss.");
        return null;
    }

    /// <summary>Reads a timeout that may be turned off with <c>Off</c> (or an empty string); absent keeps the default.</summary>
    private TimeSpan? OptionalDuration(IConfiguration section, string key, TimeSpan? current)
    {
        IConfigurationSection entry = section.GetSection(key);
        if (!entry.Exists())
        {
            return current;
        }

        string? text = Value(section, key);
        return text is null || string.Equals(text, "Off", StringComparison.OrdinalIgnoreCase) ? null : Duration(section, key) ?? current;
    }

    private Uri? Url(IConfiguration section, string key)
    {
        string? text = Value(section, key);
        if (text is null)
        {
            return null;
        }

        if (Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            return uri;
        }

        _errors.Add($"{PathOf(section, key)}: '{text}' is not an absolute http or https URL (such as http://localhost:11434/v1).");
        return null;
    }

    private T Enum<T>(IConfiguration section, string key, T current)
        where T : struct, System.Enum
    {
        string? text = Value(section, key);
        if (text is null)
        {
            return current;
        }

        if (!char.IsDigit(text[0]) && System.Enum.TryParse(text, ignoreCase: true, out T value) && System.Enum.IsDefined(value))
        {
            return value;
        }

        _errors.Add($"{PathOf(section, key)}: '{text}' is not valid. Valid values: {string.Join(", ", System.Enum.GetNames<T>())}.");
        return current;
    }

    /// <summary>Reads capabilities as a list (<c>["Tools", "Vision"]</c>) or one comma-separated string (<c>"Tools, Vision"</c>).</summary>
    private ModelCapabilities? Capabilities(IConfiguration section, string key)
    {
        IList<string> names = List(section, key);
        if (names.Count == 0)
        {
            return null;
        }

        ModelCapabilities capabilities = ModelCapabilities.None;
        foreach (string name in names)
        {
            foreach (string part in name.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (!char.IsDigit(part[0]) && System.Enum.TryParse(part, ignoreCase: true, out ModelCapabilities capability) && System.Enum.IsDefined(capability))
                {
                    capabilities |= capability;
                }
                else
                {
                    _errors.Add($"{PathOf(section, key)}: '{part}' is not a capability. Valid capabilities: {string.Join(", ", System.Enum.GetNames<ModelCapabilities>())}.");
                }
            }
        }

        return capabilities;
    }

    /// <summary>Reads a list (JSON array); a single value is a list of one.</summary>
    private static List<string> List(IConfiguration section, string key)
    {
        IConfigurationSection entry = section.GetSection(key);
        var values = new List<string>();
        if (entry.Value is { Length: > 0 } single)
        {
            values.Add(single.Trim());
        }

        foreach (IConfigurationSection item in entry.GetChildren())
        {
            if (item.Value is { Length: > 0 } value)
            {
                values.Add(value.Trim());
            }
        }

        return values;
    }
}
