using System.Collections;
using System.Globalization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;

namespace LlmRouter;

/// <summary>
/// Reads the <c>LlmRouter</c> configuration section into a builder, by hand (no reflection binding, so trimming and AOT
/// keep working). Every problem is collected with the full key at fault and what would be valid; cross-references the
/// builder checks (routes naming deployments, fallbacks, cycles, ranges) are left to it, since code may add deployments.
/// </summary>
/// <remarks>
/// Each section that binds an options type has one <see cref="SectionKeys{T}"/> table: its keys, in the order of the JSON
/// schema, each with the line that reads it into the options (or none, for the few keys a section reads apart). The same
/// table is the list of valid keys in errors and what the tests hold against the options types and ConfigurationSchema.json.
/// Values are read into the builder's own options objects (its callbacks run at once), so an absent key keeps the options'
/// default and no options are copied. Adding an option: its property, one line in its table, its schema entry.
/// </remarks>
internal sealed class ConfigurationReader
{
    /// <summary>The keys of the section, in the order of the JSON schema.</summary>
    public static readonly string[] RootKeys = ["Providers", "Deployments", "Routes", "DefaultRoute", "Budgets", "RateLimits", "Selection", "Retry", "CircuitBreaker", "Timeouts", "Cooldown", "Telemetry", "ResponseCache", "Gateway", "SharedState"];

    public static readonly SectionKeys<ProviderOptions> ProviderKeys = new("provider settings")
    {
        { "Type", static (key, o) => o.Type = key.Text() ?? o.Type },
        { "Endpoint", static (key, o) => o.Endpoint = key.Url() ?? o.Endpoint },
        { "ApiKey", static (key, o) => o.ApiKey = key.Text() ?? o.ApiKey },
        { "ApiVersion", static (key, o) => o.ApiVersion = key.Text() ?? o.ApiVersion },
        { "Headers", static (key, o) => key.Strings(o.Headers) },
        { "Timeout", static (key, o) => o.Timeout = key.Duration() ?? o.Timeout },
        { "DefaultMaxOutputTokens", static (key, o) => o.DefaultMaxOutputTokens = key.Int() ?? o.DefaultMaxOutputTokens },
        { "MaxResponseBytes", static (key, o) => o.MaxResponseBytes = key.Int() ?? o.MaxResponseBytes },
        { "CompletionTokensIncludeReasoning", static (key, o) => o.CompletionTokensIncludeReasoning = key.Bool() ?? o.CompletionTokensIncludeReasoning },
        { "PromptCaching", static (key, o) => o.PromptCaching = key.Enum(o.PromptCaching) },

        // The IHttpClientFactory client name; it chooses the HttpClient, which ProviderOptions leaves to whoever creates the client.
        { "HttpClientName", null },
    };

    public static readonly SectionKeys<DeploymentOptions> DeploymentKeys = new("deployment settings")
    {
        // The name of the entry under Providers that creates the deployment's client; the client reports the provider name.
        { "Provider", null },
        { "Model", static (key, o) => o.Model = key.Text() ?? o.Model },
        { "Price", static (key, o) => o.Price = key.Price() ?? o.Price },
        { "Capabilities", static (key, o) => o.Capabilities = key.Capabilities() ?? o.Capabilities },
        { "ContextWindow", static (key, o) => o.ContextWindow = key.Int() ?? o.ContextWindow },
        { "Tags", static (key, o) => o.Tags = key.List() ?? o.Tags },
        { "Region", static (key, o) => o.Region = key.Text() ?? o.Region },
        { "Trusted", static (key, o) => o.Trusted = key.Bool() ?? o.Trusted },
        { "Weight", static (key, o) => o.Weight = key.Double() ?? o.Weight },
        { "MaxConcurrentRequests", static (key, o) => o.MaxConcurrentRequests = key.Int() ?? o.MaxConcurrentRequests },
        { "QueueTimeout", static (key, o) => o.QueueTimeout = key.Duration() ?? o.QueueTimeout },
        { "RequestsPerMinute", static (key, o) => o.RequestsPerMinute = key.Long() ?? o.RequestsPerMinute },
        { "TokensPerMinute", static (key, o) => o.TokensPerMinute = key.Long() ?? o.TokensPerMinute },
    };

    /// <summary>The keys of a deployment's price; <see cref="ModelPrice"/> is immutable, so <see cref="Price"/> reads them apart.</summary>
    public static readonly string[] PriceKeys = ["Input", "Output", "CachedInput", "CacheWrite", "ExtendedCacheWrite", "ReasoningOutput", "Tiers", "ServiceTiers"];

    /// <summary>The keys of one long-prompt tier of a price (<c>Price:Tiers:0</c>); <see cref="PriceTier"/> is read by <see cref="Price"/>.</summary>
    public static readonly string[] PriceTierKeys =
        ["AbovePromptTokens", "FromPromptTokens", "Input", "Output", "CachedInput", "CacheWrite", "ExtendedCacheWrite", "ReasoningOutput"];

    /// <summary>The keys of a route's hedging; declared before the route's, which reads them.</summary>
    public static readonly SectionKeys<HedgingOptions> HedgingKeys = new("hedging settings")
    {
        { "Delay", static (key, o) => o.Delay = key.Duration() ?? o.Delay },
        { "MaxParallelAttempts", static (key, o) => o.MaxParallelAttempts = key.Int() ?? o.MaxParallelAttempts },
    };

    /// <summary>The keys of a route's data protection; declared before the route's, which reads them.</summary>
    public static readonly SectionKeys<DataProtectionOptions> DataProtectionKeys = new("data protection settings")
    {
        { "Action", static (key, o) => o.Action = key.Enum(o.Action) },
        { "Kinds", static (key, o) => o.Kinds = key.List() ?? o.Kinds },
        { "Patterns", static (key, o) => key.Strings(o.Patterns) },
        { "Keywords", static (key, o) => key.Lists(o.Keywords) },
        { "PhoneRegion", static (key, o) => o.PhoneRegion = key.Text() ?? o.PhoneRegion },
    };

    /// <summary>The keys of a route's quality estimate settings; declared before the route's, which reads them.</summary>
    public static readonly SectionKeys<QualityOptions> QualityKeys = new("quality settings")
    {
        { "MinimumSamples", static (key, o) => o.MinimumSamples = key.Int() ?? o.MinimumSamples },
        { "SampleWeight", static (key, o) => o.SampleWeight = key.Double() ?? o.SampleWeight },
        { "Hysteresis", static (key, o) => o.Hysteresis = key.Double() ?? o.Hysteresis },
        { "ProbationRequests", static (key, o) => o.ProbationRequests = key.Int() ?? o.ProbationRequests },
        { "BaselineHalfLife", static (key, o) => o.BaselineHalfLife = key.Duration() ?? o.BaselineHalfLife },
    };

    /// <summary>The keys of a route's latency target; declared before the route's, which reads them.</summary>
    public static readonly SectionKeys<LatencyTargetOptions> LatencyTargetKeys = new("latency target settings")
    {
        { "TimeToFirstToken", static (key, o) => o.TimeToFirstToken = key.Duration() ?? o.TimeToFirstToken },
        { "Total", static (key, o) => o.Total = key.Duration() ?? o.Total },
        { "Percentile", static (key, o) => o.Percentile = key.Int() ?? o.Percentile },
        { "MinimumSamples", static (key, o) => o.MinimumSamples = key.Int() ?? o.MinimumSamples },
        { "ExplorationRate", static (key, o) => o.ExplorationRate = key.Double() ?? o.ExplorationRate },
    };

    /// <summary>The keys of a route's sampled evaluation; declared before the route's, which reads them.</summary>
    public static readonly SectionKeys<EvaluationOptions> EvaluationKeys = new("evaluation settings")
    {
        { "SampleRate", static (key, o) => o.SampleRate = key.Double() ?? o.SampleRate },
        { "JudgeRoute", static (key, o) => o.JudgeRoute = key.Text() ?? o.JudgeRoute },
        { "Metric", static (key, o) => o.Metric = key.Text() ?? o.Metric },
        { "MinScore", static (key, o) => o.MinScore = key.Double() ?? o.MinScore },
        { "MaxScore", static (key, o) => o.MaxScore = key.Double() ?? o.MaxScore },
        { "QueueCapacity", static (key, o) => o.QueueCapacity = key.Int() ?? o.QueueCapacity },
    };

    public static readonly SectionKeys<RouteOptions> RouteKeys = new("route settings")
    {
        { "Deployments", static (key, o) => o.Deployments = key.List() ?? o.Deployments },
        { "Strategy", static (key, o) => o.Strategy = key.Text() ?? o.Strategy },
        { "Fallbacks", static (key, o) => o.Fallbacks = key.List() ?? o.Fallbacks },
        { "FallbackOnContentFilter", static (key, o) => o.FallbackOnContentFilter = key.Bool() ?? o.FallbackOnContentFilter },
        { "Hedging", static (key, o) => o.Hedging = key.Options(HedgingKeys) ?? o.Hedging },
        { "MaxPrice", static (key, o) => o.MaxPrice = key.PriceLimit() ?? o.MaxPrice },
        { "RequiredTags", static (key, o) => o.RequiredTags = key.List() ?? o.RequiredTags },
        { "ExcludedTags", static (key, o) => o.ExcludedTags = key.List() ?? o.ExcludedTags },
        { "AllowedProviders", static (key, o) => o.AllowedProviders = key.List() ?? o.AllowedProviders },
        { "DeniedProviders", static (key, o) => o.DeniedProviders = key.List() ?? o.DeniedProviders },
        { "AllowedRegions", static (key, o) => o.AllowedRegions = key.List() ?? o.AllowedRegions },
        { "DataProtection", static (key, o) => o.DataProtection = key.Options(DataProtectionKeys) ?? o.DataProtection },
        { "Tiers", static (key, o) => o.Tiers = key.Tiers() ?? o.Tiers },
        { "ComplexityScorer", static (key, o) => o.ComplexityScorer = key.Text() ?? o.ComplexityScorer },
        { "Variants", static (key, o) => o.Variants = key.Variants() ?? o.Variants },
        { "VariantKey", static (key, o) => o.VariantKey = key.Text() ?? o.VariantKey },
        { "Stages", static (key, o) => key.Strings(o.Stages) },
        { "MinQuality", static (key, o) => o.MinQuality = key.Double() ?? o.MinQuality },
        { "QualityDropTolerance", static (key, o) => o.QualityDropTolerance = key.Double() ?? o.QualityDropTolerance },
        { "QualityTolerance", static (key, o) => o.QualityTolerance = key.Double() ?? o.QualityTolerance },
        { "Quality", static (key, o) => o.Quality = key.Options(QualityKeys) ?? o.Quality },
        { "Evaluation", static (key, o) => o.Evaluation = key.Options(EvaluationKeys) ?? o.Evaluation },
        { "LatencyTarget", static (key, o) => o.LatencyTarget = key.Options(LatencyTargetKeys) ?? o.LatencyTarget },
    };

    /// <summary>The keys of a route's price limit; <see cref="PriceLimit"/> is immutable, so <see cref="MaxPrice"/> reads them apart.</summary>
    public static readonly string[] MaxPriceKeys = ["Input", "Output"];

    public static readonly string[] TierKeys = System.Enum.GetNames<ComplexityTier>();

    public static readonly SectionKeys<BudgetOptions> BudgetKeys = new("budget settings")
    {
        { "Scope", static (key, o) => o.Scope = key.Enum(o.Scope) },
        { "Target", static (key, o) => o.Target = key.Text() ?? o.Target },
        { "CallerProperty", static (key, o) => o.CallerProperty = key.Text() ?? o.CallerProperty },
        { "Caller", static (key, o) => o.Caller = key.Text() ?? o.Caller },
        { "Window", static (key, o) => o.Window = key.Enum(o.Window) },
        { "LimitUsd", static (key, o) => o.LimitUsd = key.Usd() ?? o.LimitUsd },
        { "OnExceeded", static (key, o) => o.OnExceeded = key.Enum(o.OnExceeded) },
        { "DowngradeTo", static (key, o) => o.DowngradeTo = key.Text() ?? o.DowngradeTo },
    };

    public static readonly SectionKeys<RateLimitOptions> RateLimitKeys = new("rate limit settings")
    {
        { "CallerProperty", static (key, o) => o.CallerProperty = key.Text() ?? o.CallerProperty },
        { "Caller", static (key, o) => o.Caller = key.Text() ?? o.Caller },
        { "Route", static (key, o) => o.Route = key.Text() ?? o.Route },
        { "RequestsPerMinute", static (key, o) => o.RequestsPerMinute = key.Long() ?? o.RequestsPerMinute },
        { "RequestsPerHour", static (key, o) => o.RequestsPerHour = key.Long() ?? o.RequestsPerHour },
        { "TokensPerMinute", static (key, o) => o.TokensPerMinute = key.Long() ?? o.TokensPerMinute },
        { "TokensPerHour", static (key, o) => o.TokensPerHour = key.Long() ?? o.TokensPerHour },
    };

    public static readonly SectionKeys<SelectionOptions> SelectionKeys = new("selection settings")
    {
        { "LatencyBuffer", static (key, o) => o.LatencyBuffer = key.Double() ?? o.LatencyBuffer },
        { "SampleWeight", static (key, o) => o.SampleWeight = key.Double() ?? o.SampleWeight },
    };

    public static readonly SectionKeys<RetryOptions> RetryKeys = new("retry settings")
    {
        { "MaxAttempts", static (key, o) => o.MaxAttempts = key.Int() ?? o.MaxAttempts },
        { "BaseDelay", static (key, o) => o.BaseDelay = key.Duration() ?? o.BaseDelay },
        { "MaxDelay", static (key, o) => o.MaxDelay = key.Duration() ?? o.MaxDelay },
        { "MaxRetryAfter", static (key, o) => o.MaxRetryAfter = key.Duration() ?? o.MaxRetryAfter },
        { "Order", static (key, o) => o.Order = key.Enum(o.Order) },
        { "UseJitter", static (key, o) => o.UseJitter = key.Bool() ?? o.UseJitter },
    };

    public static readonly SectionKeys<CircuitBreakerOptions> CircuitBreakerKeys = new("circuit-breaker settings")
    {
        { "Enabled", static (key, o) => o.Enabled = key.Bool() ?? o.Enabled },
        { "FailureRatio", static (key, o) => o.FailureRatio = key.Double() ?? o.FailureRatio },
        { "MinimumThroughput", static (key, o) => o.MinimumThroughput = key.Int() ?? o.MinimumThroughput },
        { "SamplingDuration", static (key, o) => o.SamplingDuration = key.Duration() ?? o.SamplingDuration },
        { "BreakDuration", static (key, o) => o.BreakDuration = key.Duration() ?? o.BreakDuration },
        { "WhenAllOpen", static (key, o) => o.WhenAllOpen = key.Enum(o.WhenAllOpen) },
    };

    public static readonly SectionKeys<TimeoutOptions> TimeoutKeys = new("timeouts")
    {
        { "Total", static (key, o) => o.Total = key.OptionalDuration(o.Total) },
        { "Attempt", static (key, o) => o.Attempt = key.OptionalDuration(o.Attempt) },
        { "FirstChunk", static (key, o) => o.FirstChunk = key.OptionalDuration(o.FirstChunk) },
        { "BetweenChunks", static (key, o) => o.BetweenChunks = key.OptionalDuration(o.BetweenChunks) },
    };

    public static readonly SectionKeys<CooldownOptions> CooldownKeys = new("cooldown settings")
    {
        { "DefaultDuration", static (key, o) => o.DefaultDuration = key.Duration() ?? o.DefaultDuration },
        { "MaxDuration", static (key, o) => o.MaxDuration = key.Duration() ?? o.MaxDuration },
    };

    public static readonly SectionKeys<TelemetryOptions> TelemetryKeys = new("telemetry settings")
    {
        { "EnableSensitiveData", static (key, o) => o.EnableSensitiveData = key.Bool() ?? o.EnableSensitiveData },
        { "RouterName", static (key, o) => o.RouterName = key.Text() ?? o.RouterName },
    };

    /// <summary>The keys of one route's response cache settings (<c>ResponseCache:Routes:{route}</c>); declared before the cache's, which reads them.</summary>
    public static readonly SectionKeys<ResponseCacheRouteOptions> ResponseCacheRouteKeys = new("route response cache settings")
    {
        { "Enabled", static (key, o) => o.Enabled = key.Bool() ?? o.Enabled },
        { "Ttl", static (key, o) => o.Ttl = key.Duration() ?? o.Ttl },
        { "Scope", static (key, o) => o.Scope = key.OptionalEnum(o.Scope) },
        { "CacheToolCalls", static (key, o) => o.CacheToolCalls = key.Bool() ?? o.CacheToolCalls },
        { "Semantic", static (key, o) => o.Semantic = key.Bool() ?? o.Semantic },
        { "SimilarityThreshold", static (key, o) => o.SimilarityThreshold = key.Double() ?? o.SimilarityThreshold },
    };

    public static readonly SectionKeys<ResponseCacheOptions> ResponseCacheKeys = new("response cache settings")
    {
        { "Enabled", static (key, o) => o.Enabled = key.Bool() ?? o.Enabled },
        { "Ttl", static (key, o) => o.Ttl = key.Duration() ?? o.Ttl },
        { "Scope", static (key, o) => o.Scope = key.Enum(o.Scope) },
        { "CacheToolCalls", static (key, o) => o.CacheToolCalls = key.Bool() ?? o.CacheToolCalls },
        { "CallerProperty", static (key, o) => o.CallerProperty = key.Text() ?? o.CallerProperty },
        { "SimilarityThreshold", static (key, o) => o.SimilarityThreshold = key.Double() ?? o.SimilarityThreshold },
        { "SemanticMaxEntries", static (key, o) => o.SemanticMaxEntries = key.Int() ?? o.SemanticMaxEntries },
        { "SemanticMaxMegabytes", static (key, o) => o.SemanticMaxMegabytes = key.Int() ?? o.SemanticMaxMegabytes },
        { "Routes", static (key, o) => key.NamedOptions(ResponseCacheRouteKeys, o.Routes) },
    };

    private readonly List<string> _errors = [];

    /// <summary>Gets the problems found, one message each, naming the key.</summary>
    public IReadOnlyList<string> Errors => _errors;

    /// <summary>Reads <paramref name="section"/>: adds providers' deployments and routes to <paramref name="builder"/> and sets its options.</summary>
    /// <param name="section">The <c>LlmRouter</c> section.</param>
    /// <param name="builder">The builder to configure; it applies each <c>configure</c> callback at once, so errors are collected here.</param>
    /// <param name="createClient">Creates (or reuses) the client of a deployment from its provider's options, model and HTTP client name.</param>
    /// <param name="environment">Reads environment variables, for API keys not set in configuration.</param>
    public void Read(IConfiguration section, LlmRouterBuilder builder, Func<ProviderOptions, string?, string, IChatClient> createClient, Func<string, string?> environment)
    {
        CheckKeys(section, RootKeys, "settings");
        Dictionary<string, (ProviderOptions Options, string? HttpClientName, bool Valid)> providers = ReadProviders(section.GetSection("Providers"), environment);
        ReadDeployments(section.GetSection("Deployments"), providers, builder, createClient);
        foreach (IConfigurationSection route in Named(section.GetSection("Routes"), "\"Routes\": { \"fast\": { \"Deployments\": [ \"mini\" ] } }"))
        {
            builder.AddRoute(route.Key, r => Read(route, RouteKeys, r));
        }

        if (Value(section, "DefaultRoute") is { } defaultRoute)
        {
            builder.UseDefaultRoute(defaultRoute);
        }

        foreach (IConfigurationSection budget in Named(section.GetSection("Budgets"), "\"Budgets\": { \"daily\": { \"Scope\": \"Router\", \"LimitUsd\": 25 } }"))
        {
            builder.AddBudget(budget.Key, b => Read(budget, BudgetKeys, b));
            if (Value(budget, "LimitUsd") is null)
            {
                _errors.Add($"{budget.Path}:LimitUsd is required: the most that may be spent per window, in US dollars (for example 25).");
            }
        }

        foreach (IConfigurationSection limit in Named(section.GetSection("RateLimits"), "\"RateLimits\": { \"per-user\": { \"RequestsPerMinute\": 60, \"TokensPerMinute\": 100000 } }"))
        {
            builder.AddRateLimit(limit.Key, l => Read(limit, RateLimitKeys, l));
        }

        builder.ConfigureSelection(s => Read(section.GetSection("Selection"), SelectionKeys, s));
        builder.ConfigureRetry(r => Read(section.GetSection("Retry"), RetryKeys, r));
        builder.ConfigureCircuitBreaker(c => Read(section.GetSection("CircuitBreaker"), CircuitBreakerKeys, c));
        builder.ConfigureTimeouts(t => Read(section.GetSection("Timeouts"), TimeoutKeys, t));
        builder.ConfigureCooldown(c => Read(section.GetSection("Cooldown"), CooldownKeys, c));
        builder.ConfigureTelemetry(t => Read(section.GetSection("Telemetry"), TelemetryKeys, t));
        ReadResponseCache(section.GetSection("ResponseCache"));
    }

    /// <summary>
    /// Reads the <c>ResponseCache</c> section into options, or returns <see langword="null"/> when it is absent. The router's
    /// reading checks it too, so its problems are listed with the rest when the router is built.
    /// </summary>
    internal ResponseCacheOptions? ReadResponseCache(IConfigurationSection cache)
    {
        if (!cache.Exists())
        {
            return null;
        }

        ResponseCacheOptions options = Read(cache, ResponseCacheKeys, new ResponseCacheOptions());
        if (_errors.Count == 0)
        {
            try
            {
                ResponseCacheSettings.From(options);
            }
            catch (ArgumentException error)
            {
                _errors.Add(error.Message);
            }
        }

        return options;
    }

    /// <summary>Checks the keys of <paramref name="section"/> and reads their values into <paramref name="options"/>.</summary>
    /// <returns><paramref name="options"/>.</returns>
    internal T Read<T>(IConfiguration section, SectionKeys<T> keys, T options)
    {
        CheckKeys(section, keys.Names, keys.What);
        keys.Apply(this, section, options);
        return options;
    }

    private Dictionary<string, (ProviderOptions Options, string? HttpClientName, bool Valid)> ReadProviders(IConfigurationSection providers, Func<string, string?> environment)
    {
        var read = new Dictionary<string, (ProviderOptions, string?, bool)>(StringComparer.OrdinalIgnoreCase);
        foreach (IConfigurationSection provider in Named(providers, "\"Providers\": { \"openai\": { \"Type\": \"OpenAI\" } }"))
        {
            CheckKeys(provider, ProviderKeys.Names, ProviderKeys.What);
            int before = _errors.Count;
            var options = new ProviderOptions();
            ProviderKeys.Apply(this, provider, options);
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
        foreach (IConfigurationSection deployment in Named(deployments, "\"Deployments\": { \"mini\": { \"Provider\": \"openai\", \"Model\": \"gpt-4o-mini\" } }"))
        {
            CheckKeys(deployment, DeploymentKeys.Names, DeploymentKeys.What);
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

            if (_errors.Count == 0 && provider.Valid && provider.Options is not null)
            {
                IChatClient client = createClient(provider.Options, model, provider.HttpClientName ?? ProviderHttpClients.Prefix + providerName);
                builder.AddDeployment(deployment.Key, client, d => DeploymentKeys.Apply(this, deployment, d));
            }
            else
            {
                // The configuration is rejected already, so no client is created; the values are still read for their errors.
                DeploymentKeys.Apply(this, deployment, new DeploymentOptions());
            }
        }
    }

    /// <summary>Reads a route's price limit, or <see langword="null"/> when the section is absent.</summary>
    internal PriceLimit? MaxPrice(IConfigurationSection limit)
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

    /// <summary>Reads a deployment's price, or <see langword="null"/> when the section is absent or incomplete (which is reported).</summary>
    internal ModelPrice? Price(IConfigurationSection price)
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
            Tiers = PriceTiers(price.GetSection("Tiers")),
            ServiceTiers = ServiceTierPrices(price.GetSection("ServiceTiers")),
        };
    }

    /// <summary>
    /// Reads a price's service tiers, <c>{ "flex": { "Input": 1.25, "Output": 7.5 }, "priority": { … } }</c>, each a price of its
    /// own (with long-prompt tiers, without service tiers); empty when absent.
    /// </summary>
    private Dictionary<string, ModelPrice> ServiceTierPrices(IConfigurationSection serviceTiers)
    {
        var read = new Dictionary<string, ModelPrice>(StringComparer.OrdinalIgnoreCase);
        foreach (IConfigurationSection tier in serviceTiers.GetChildren())
        {
            if (tier.GetSection("ServiceTiers").Exists())
            {
                _errors.Add($"{tier.Path}:ServiceTiers is not allowed: a service tier's price is a plain price (Input, Output, cache prices, Tiers).");
            }

            if (Price(tier) is { } price)
            {
                read[tier.Key] = price;
            }
        }

        return read;
    }

    /// <summary>Reads a price's long-prompt tiers, <c>[ { "AbovePromptTokens": 200000, "Input": 2.50, "Output": 15 } ]</c>; empty when absent.</summary>
    private List<PriceTier> PriceTiers(IConfigurationSection tiers)
    {
        var read = new List<PriceTier>();
        foreach (IConfigurationSection tier in tiers.GetChildren())
        {
            if (PriceTier(tier) is { } price)
            {
                read.Add(price);
            }
        }

        return read;
    }

    /// <summary>
    /// Reads one long-prompt tier, or <see langword="null"/> when it lacks a price (which is reported). That exactly one threshold
    /// is set is checked with the rest of the price when the router is built.
    /// </summary>
    internal PriceTier? PriceTier(IConfigurationSection tier)
    {
        CheckKeys(tier, PriceTierKeys, "price tier settings");
        decimal? input = Decimal(tier, "Input");
        decimal? output = Decimal(tier, "Output");
        if (input is null || output is null)
        {
            _errors.Add(
                $"{tier.Path} needs Input and Output in USD per million tokens, and one threshold: AbovePromptTokens (prompts of more tokens " +
                "than this) or FromPromptTokens (prompts of this many tokens or more), for example " +
                "{ \"AbovePromptTokens\": 200000, \"Input\": 2.50, \"Output\": 15 }.");
            return null;
        }

        return new PriceTier
        {
            AbovePromptTokens = Long(tier, "AbovePromptTokens"),
            FromPromptTokens = Long(tier, "FromPromptTokens"),
            Input = input.Value,
            Output = output.Value,
            CachedInput = Decimal(tier, "CachedInput"),
            CacheWrite = Decimal(tier, "CacheWrite"),
            ExtendedCacheWrite = Decimal(tier, "ExtendedCacheWrite"),
            ReasoningOutput = Decimal(tier, "ReasoningOutput"),
        };
    }

    /// <summary>Reads a tier map, <c>{ "Simple": "fast", "Complex": "smart" }</c>, or <see langword="null"/> when the section is absent.</summary>
    private Dictionary<ComplexityTier, string>? Tiers(IConfigurationSection tiers)
    {
        if (!tiers.Exists())
        {
            return null;
        }

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

    /// <summary>
    /// Reads A/B variants, <c>{ "smart-v1": 90, "smart-v2": 10 }</c> (route names with their weights), or <see langword="null"/>
    /// when the section is absent.
    /// </summary>
    private Dictionary<string, double>? Variants(IConfigurationSection variants)
    {
        if (!variants.Exists())
        {
            return null;
        }

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

    /// <summary>
    /// The entries of a section that names its entries (Providers, Deployments, Routes, Budgets). Written as a JSON array, or as a
    /// single value, it has no names (configuration sees an array's items as "0", "1", …): that is an error showing the expected
    /// shape, <paramref name="example"/>, and no entry is read, so the error is not buried under errors about entries "0" and "1".
    /// </summary>
    private List<IConfigurationSection> Named(IConfigurationSection section, string example)
    {
        List<IConfigurationSection> entries = [.. section.GetChildren()];
        if (entries.Count > 0 && IsArray(entries))
        {
            _errors.Add($"{section.Path} is a JSON array, but it must be an object whose keys are the names of its entries: {example}.");
            return [];
        }

        if (entries.Count == 0 && section.Value is { Length: > 0 })
        {
            _errors.Add($"{section.Path} is a single value, but it must be an object whose keys are the names of its entries: {example}.");
        }

        return entries;
    }

    /// <summary>Tells whether the keys of <paramref name="entries"/> are 0, 1, …, n-1: the items of a JSON array.</summary>
    private static bool IsArray(List<IConfigurationSection> entries)
    {
        var seen = new bool[entries.Count];
        foreach (IConfigurationSection entry in entries)
        {
            if (!int.TryParse(entry.Key, NumberStyles.None, CultureInfo.InvariantCulture, out int index) || index >= seen.Length || seen[index])
            {
                return false;
            }

            seen[index] = true;
        }

        return true;
    }

    private void CheckKeys(IConfiguration section, IReadOnlyList<string> valid, string what)
    {
        foreach (IConfigurationSection child in section.GetChildren())
        {
            bool known = false;
            foreach (string key in valid)
            {
                known |= string.Equals(key, child.Key, StringComparison.OrdinalIgnoreCase);
            }

            if (!known)
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

    private long? Long(IConfiguration section, string key)
    {
        string? text = Value(section, key);
        if (text is null)
        {
            return null;
        }

        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value))
        {
            return value;
        }

        _errors.Add($"{PathOf(section, key)}: '{text}' is not a whole number of tokens.");
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

        // The text is shown without user information or query, which may hold credentials.
        string shown = EndpointText.Describe(text);
        _errors.Add((Uri.TryCreate(text, UriKind.RelativeOrAbsolute, out Uri? relative) && !relative.IsAbsoluteUri) || text.StartsWith('/')
            ? $"{PathOf(section, key)}: '{shown}' is a relative URL; it must be an absolute http or https URL, scheme and host included (such as https://api.example.com/v1 or http://localhost:11434/v1)."
            : $"{PathOf(section, key)}: '{shown}' is not an absolute http or https URL (such as https://api.example.com/v1 or http://localhost:11434/v1).");
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
        if (List(section, key) is not { Count: > 0 } names)
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

    /// <summary>Reads a list (JSON array), or <see langword="null"/> when the key is absent; a single value is a list of one.</summary>
    private static List<string>? List(IConfiguration section, string key)
    {
        IConfigurationSection entry = section.GetSection(key);
        if (!entry.Exists())
        {
            return null;
        }

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

    /// <summary>Reads string pairs (<c>{ "X-Team": "a" }</c>) into <paramref name="into"/>; an empty value is an empty string.</summary>
    private static void Strings(IConfiguration section, string key, IDictionary<string, string> into)
    {
        foreach (IConfigurationSection pair in section.GetSection(key).GetChildren())
        {
            into[pair.Key] = pair.Value ?? string.Empty;
        }
    }

    /// <summary>
    /// The keys a section knows, in the order of the JSON schema, each with how its value sets the section's options: one list
    /// for the check of unknown keys, the valid keys named in errors, the reading, and the tests. A key added without a reader
    /// sets no property of <typeparamref name="T"/> and is read apart by the section's own code.
    /// </summary>
    /// <typeparam name="T">The options type the section binds.</typeparam>
    /// <param name="what">What the keys are called in errors, such as <c>retry settings</c>.</param>
    internal sealed class SectionKeys<T>(string what) : IEnumerable<string>
    {
        private readonly List<string> _names = [];
        private readonly List<Action<Key, T>?> _readers = [];

        /// <summary>Gets what the keys are called in errors.</summary>
        public string What => what;

        /// <summary>Gets the keys, in the order of the JSON schema.</summary>
        public IReadOnlyList<string> Names => _names;

        /// <summary>Adds a key, with how its value sets the options, or <see langword="null"/> for a key read apart.</summary>
        public void Add(string name, Action<Key, T>? read)
        {
            _names.Add(name);
            _readers.Add(read);
        }

        /// <summary>Tells whether <paramref name="name"/> sets a property of <typeparamref name="T"/> (not whether it is known).</summary>
        public bool Sets(string name) => _names.IndexOf(name) is >= 0 and var index && _readers[index] is not null;

        /// <summary>Reads the values present in <paramref name="section"/> into <paramref name="options"/>; absent keys keep its values.</summary>
        public void Apply(ConfigurationReader reader, IConfiguration section, T options)
        {
            for (int i = 0; i < _names.Count; i++)
            {
                _readers[i]?.Invoke(new Key(reader, section, _names[i]), options);
            }
        }

        /// <inheritdoc/>
        public IEnumerator<string> GetEnumerator() => _names.GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>
    /// A key of the section being read: its value as each type of option takes it, or <see langword="null"/> when absent or
    /// invalid. An invalid value is reported with the key's path and what would be valid.
    /// </summary>
    internal readonly struct Key(ConfigurationReader reader, IConfiguration section, string name)
    {
        public string? Text() => Value(section, name);

        public int? Int() => reader.Int(section, name);

        public long? Long() => reader.Long(section, name);

        public double? Double() => reader.Double(section, name);

        public decimal? Usd() => reader.Usd(section, name);

        public bool? Bool() => reader.Bool(section, name);

        public TimeSpan? Duration() => reader.Duration(section, name);

        /// <summary>Reads a duration that <c>Off</c> (or an empty string) turns off; absent keeps <paramref name="current"/>.</summary>
        public TimeSpan? OptionalDuration(TimeSpan? current) => reader.OptionalDuration(section, name, current);

        public Uri? Url() => reader.Url(section, name);

        /// <summary>Reads an enum value by name; absent or invalid keeps <paramref name="current"/>.</summary>
        public TEnum Enum<TEnum>(TEnum current)
            where TEnum : struct, System.Enum => reader.Enum(section, name, current);

        public ModelCapabilities? Capabilities() => reader.Capabilities(section, name);

        public List<string>? List() => ConfigurationReader.List(section, name);

        public void Strings(IDictionary<string, string> into) => ConfigurationReader.Strings(section, name, into);

        /// <summary>Reads named lists, <c>{ "Project": [ "Orion", "Helios" ] }</c>, into <paramref name="into"/>.</summary>
        public void Lists(IDictionary<string, IList<string>> into)
        {
            IConfigurationSection lists = section.GetSection(name);
            foreach (IConfigurationSection list in lists.GetChildren())
            {
                if (ConfigurationReader.List(lists, list.Key) is { } items)
                {
                    into[list.Key] = items;
                }
            }
        }

        public ModelPrice? Price() => reader.Price(section.GetSection(name));

        public PriceLimit? PriceLimit() => reader.MaxPrice(section.GetSection(name));

        public Dictionary<ComplexityTier, string>? Tiers() => reader.Tiers(section.GetSection(name));

        public Dictionary<string, double>? Variants() => reader.Variants(section.GetSection(name));

        /// <summary>Reads an enum value by name into an optional setting; absent keeps <paramref name="current"/>.</summary>
        public TEnum? OptionalEnum<TEnum>(TEnum? current)
            where TEnum : struct, System.Enum => Value(section, name) is null ? current : reader.Enum(section, name, current ?? default);

        /// <summary>Reads each entry of a section of named options (<c>{ "fast": { … } }</c>) into <paramref name="into"/>, by name.</summary>
        public void NamedOptions<TOptions>(SectionKeys<TOptions> keys, IDictionary<string, TOptions> into)
            where TOptions : class, new()
        {
            foreach (IConfigurationSection entry in reader.Named(section.GetSection(name), "\"Routes\": { \"fast\": { \"Enabled\": false } }"))
            {
                into[entry.Key] = reader.Read(entry, keys, into.TryGetValue(entry.Key, out TOptions? existing) ? existing : new TOptions());
            }
        }

        /// <summary>Reads a nested section into new options, or returns <see langword="null"/> when it is absent.</summary>
        public TOptions? Options<TOptions>(SectionKeys<TOptions> keys)
            where TOptions : class, new()
        {
            IConfigurationSection nested = section.GetSection(name);
            return nested.Exists() ? reader.Read(nested, keys, new TOptions()) : null;
        }
    }
}
