using System.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRouter.Tests.Configuration;

public class ConfigurationReaderTests
{
    private const string Appsettings = """
        {
          "LlmRouter": {
            "Providers": {
              "openai":   { "Type": "OpenAI" },
              "deepseek": { "Type": "OpenAICompatible", "Endpoint": "https://api.deepseek.com/v1", "ApiKey": "sk-test", "Headers": { "X-Team": "a" }, "Timeout": "00:01:00" },
              "claude":   { "Type": "Anthropic", "ApiKey": "sk-ant", "ApiVersion": "2023-06-01", "DefaultMaxOutputTokens": 2048 },
              "local":    { "Type": "Ollama" }
            },
            "Deployments": {
              "mini":  { "Provider": "openai", "Model": "gpt-4o-mini", "Tags": [ "us" ], "Capabilities": [ "Tools", "Vision" ], "ContextWindow": 128000 },
              "ds":    { "Provider": "deepseek", "Model": "deepseek-chat", "Price": { "Input": 0.27, "Output": 1.10, "CachedInput": 0.07, "ExtendedCacheWrite": 0.54 }, "Weight": 2.5 },
              "haiku": { "Provider": "claude", "Model": "claude-haiku-4-5", "Capabilities": "Tools, Reasoning", "MaxConcurrentRequests": 4, "QueueTimeout": "00:00:02" },
              "llama": { "Provider": "local", "Model": "llama3.2" }
            },
            "Routes": {
              "fast":  { "Deployments": [ "ds", "mini", "haiku" ], "Strategy": "Ordered", "Fallbacks": [ "smart" ], "FallbackOnContentFilter": true },
              "smart": { "Deployments": [ "haiku", "mini" ], "Hedging": { "Delay": "00:00:01.500", "MaxParallelAttempts": 3 } },
              "local": { "Deployments": [ "llama" ] }
            },
            "DefaultRoute": "fast",
            "Retry":          { "MaxAttempts": 4, "BaseDelay": "00:00:00.250", "MaxDelay": "00:00:05", "MaxRetryAfter": "00:00:30", "UseJitter": false },
            "CircuitBreaker": { "FailureRatio": 0.25, "MinimumThroughput": 20, "SamplingDuration": "00:01:00", "BreakDuration": "00:00:20", "WhenAllOpen": "TryEarliestOpened" },
            "Timeouts":       { "Total": "00:02:00", "Attempt": "00:01:00", "FirstChunk": "00:00:15", "BetweenChunks": "Off" },
            "Cooldown":       { "DefaultDuration": "00:00:03", "MaxDuration": "00:02:00" },
            "Telemetry":      { "EnableSensitiveData": true }
          }
        }
        """;

    private static readonly Func<string, string?> OpenAIKey = name => name == "OPENAI_API_KEY" ? "sk-from-environment" : null;

    internal static LlmRouterClient Build(IConfiguration section, Func<string, string?>? environment = null, Action<LlmRouterBuilder>? code = null, IServiceProvider? services = null) =>
        new ConfiguredRouter(
            services ?? new ServiceCollection().BuildServiceProvider(),
            section,
            code is null ? null : (_, builder) => code(builder),
            environment ?? (_ => null)).Build();

    private static IConfiguration Json(string json) =>
        new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build().GetSection("LlmRouter");

    /// <summary>A section of these values; a later value of the same key replaces an earlier one.</summary>
    private static IConfiguration Values(params (string Key, string? Value)[] values)
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach ((string key, string? value) in values)
        {
            data["LlmRouter:" + key] = value;
        }

        return new ConfigurationBuilder().AddInMemoryCollection(data).Build().GetSection("LlmRouter");
    }

    /// <summary>A valid minimal configuration plus <paramref name="extra"/>.</summary>
    private static IConfiguration Minimal(params (string Key, string? Value)[] extra) => Values(
        [("Providers:local:Type", "Ollama"), ("Deployments:llama:Provider", "local"), ("Deployments:llama:Model", "llama3.2"), .. extra]);

    private static IReadOnlyList<string> Errors(IConfiguration section, Func<string, string?>? environment = null) =>
        Assert.Throws<LlmRouterConfigurationException>(() => Build(section, environment)).Errors;

    [Fact]
    public void Read_DesignSchema_BindsEveryKey()
    {
        using LlmRouterClient router = Build(Json(Appsettings), OpenAIKey);

        // Configuration providers order keys by name, not as written.
        RouterModel model = router.Model;
        Assert.Equal(["ds", "haiku", "llama", "mini"], model.Deployments.Select(d => d.Name));
        Deployment mini = model.FindDeployment("mini")!;
        Assert.Equal("gpt-4o-mini", mini.Model);
        Assert.Equal("openai", mini.Provider);
        Assert.Contains("us", mini.Tags);
        Assert.Equal(ModelCapabilities.Tools | ModelCapabilities.Vision, mini.Capabilities);
        Assert.Equal(128000, mini.ContextWindow);
        Deployment ds = model.FindDeployment("ds")!;
        Assert.Equal(new ModelPrice(0.27m, 1.10m) { CachedInput = 0.07m, ExtendedCacheWrite = 0.54m }, ds.Price);
        Assert.Equal(2.5, ds.Weight);
        Deployment haiku = model.FindDeployment("haiku")!;
        Assert.Equal("anthropic", haiku.Provider);
        Assert.Equal(ModelCapabilities.Tools | ModelCapabilities.Reasoning, haiku.Capabilities);
        Assert.Equal(4, haiku.MaxConcurrentRequests);
        Assert.Equal(TimeSpan.FromSeconds(2), haiku.QueueTimeout);

        Route fast = model.ResolveRoute(null);
        Assert.Equal("fast", fast.Name);
        Assert.Equal(["ds", "mini", "haiku"], fast.Deployments.Select(d => d.Name));
        Assert.Equal(["smart"], fast.FallbackChain.Select(r => r.Name));
        Assert.True(fast.FallbackOnContentFilter);
        Route smart = model.ResolveRoute("smart");
        Assert.Equal(TimeSpan.FromSeconds(1.5), smart.Hedging!.Delay);
        Assert.Equal(3, smart.Hedging.MaxParallelAttempts);

        FailurePolicy settings = model.Failures;
        Assert.Equal(4, settings.Retry.MaxAttempts);
        Assert.Equal(TimeSpan.FromMilliseconds(250), settings.Retry.BaseDelay);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.Retry.MaxDelay);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.Retry.MaxRetryAfter);
        Assert.False(settings.Retry.UseJitter);
        Assert.Equal(0.25, settings.Breaker.FailureRatio);
        Assert.Equal(20, settings.Breaker.MinimumThroughput);
        Assert.Equal(TimeSpan.FromMinutes(1), settings.Breaker.SamplingDuration);
        Assert.Equal(TimeSpan.FromSeconds(20), settings.Breaker.BreakDuration);
        Assert.Equal(AllCircuitsOpenBehavior.TryEarliestOpened, settings.Breaker.WhenAllOpen);
        Assert.Equal(TimeSpan.FromMinutes(2), model.Timeouts.Options.Total);
        Assert.Equal(TimeSpan.FromMinutes(1), model.Timeouts.Options.Attempt);
        Assert.Equal(TimeSpan.FromSeconds(15), model.Timeouts.Options.FirstChunk);
        Assert.Null(model.Timeouts.Options.BetweenChunks);
        Assert.Equal(TimeSpan.FromSeconds(3), settings.Cooldown.DefaultDuration);
        Assert.Equal(TimeSpan.FromMinutes(2), settings.Cooldown.MaxDuration);
        Assert.True(router.Telemetry.EnableSensitiveData);
    }

    [Fact]
    public void Read_CostSettings_BindsEveryKey()
    {
        const string json = """
            {
              "LlmRouter": {
                "Providers": { "local": { "Type": "Ollama" }, "openai": { "Type": "OpenAI", "ApiKey": "sk-test" } },
                "Deployments": {
                  "llama": { "Provider": "local", "Model": "llama3.2", "Price": { "Input": 0, "Output": 0 }, "Tags": [ "local", "zero-retention" ] },
                  "mini":  { "Provider": "openai", "Model": "gpt-4o-mini", "Tags": [ "us" ] }
                },
                "Routes": {
                  "fast":  { "Deployments": [ "llama", "mini" ], "Strategy": "Cheapest", "MaxPrice": { "Output": 5 },
                             "RequiredTags": [ "zero-retention" ], "ExcludedTags": [ "eu" ], "AllowedProviders": [ "ollama", "openai" ], "DeniedProviders": [ "x_ai" ] },
                  "smart": { "Deployments": [ "mini" ], "Strategy": "LowestLatency" },
                  "auto":  { "Tiers": { "Simple": "fast", "complex": "smart" }, "ComplexityScorer": "Heuristic" },
                  "ab":    { "Variants": { "auto": 95, "smart": 5 }, "VariantKey": "llmrouter.team" }
                },
                "DefaultRoute": "ab",
                "Budgets": {
                  "monthly": { "LimitUsd": 500, "Window": "Month" },
                  "smart":   { "Scope": "Route", "Target": "smart", "LimitUsd": 20, "OnExceeded": "Downgrade", "DowngradeTo": "fast" },
                  "mini":    { "Scope": "Deployment", "Target": "mini", "Window": "Hour", "LimitUsd": 2.5 },
                  "teams":   { "Scope": "Caller", "CallerProperty": "llmrouter.team", "Window": "Minute", "LimitUsd": 0.25 }
                },
                "Selection": { "LatencyBuffer": 0.25, "SampleWeight": 0.5 }
              }
            }
            """;

        using LlmRouterClient router = Build(Json(json));

        RouterModel model = router.Model;
        Route fast = model.FindRoute("fast")!;
        Assert.IsType<CheapestSelectionStrategy>(fast.Strategy);
        Assert.Equal(new PriceLimit { Output = 5 }, fast.Filter!.MaxPrice);
        Assert.Equal(["zero-retention"], fast.Filter.RequiredTags);
        Assert.Equal(["eu"], fast.Filter.ExcludedTags);
        Assert.Equal(["ollama", "openai"], fast.Filter.AllowedProviders);
        Assert.Equal(["x_ai"], fast.Filter.DeniedProviders);
        Route auto = model.FindRoute("auto")!;
        Assert.Equal(["fast", "smart", "smart", "smart"], auto.Tiers!.Select(r => r.Name));
        Assert.Same(ComplexityScorers.Default, auto.Scorer);
        Route ab = model.FindRoute("ab")!;
        Assert.Equal([("auto", 95.0), ("smart", 5.0)], ab.Variants!.Select(v => (v.Route.Name, v.Weight)).OrderBy(v => v.Name));
        Assert.Equal("llmrouter.team", ab.VariantKey);
        Assert.Same(ab, model.DefaultRoute);
        Assert.Equal(
            [
                ("mini", BudgetScope.Deployment, "mini", BudgetWindow.Hour, 2.5m, BudgetExceededAction.Reject, (string?)null),
                ("monthly", BudgetScope.Router, null, BudgetWindow.Month, 500m, BudgetExceededAction.Reject, null),
                ("smart", BudgetScope.Route, "smart", BudgetWindow.Day, 20m, BudgetExceededAction.Downgrade, "fast"),
                ("teams", BudgetScope.Caller, null, BudgetWindow.Minute, 0.25m, BudgetExceededAction.Reject, null),
            ],
            model.Cost.Budgets.Select(b => (b.Name, b.Scope, b.Target, b.Window, b.LimitUsd, b.OnExceeded, b.DowngradeTo?.Name)).OrderBy(b => b.Item1));
        Assert.Equal("llmrouter.team", model.Cost.CallerBudgets.Single().CallerProperty);
        Assert.Equal((0.25, 0.5), (model.Selection.LatencyBuffer, model.Selection.SampleWeight));
    }

    [Fact]
    public void Read_ProviderClients_ReportEndpointAndProviderName()
    {
        using LlmRouterClient router = Build(Json(Appsettings), OpenAIKey);

        ChatClientMetadata ds = router.Model.FindDeployment("ds")!.Client.GetService<ChatClientMetadata>()!;
        Assert.Equal("openai_compatible", ds.ProviderName);
        Assert.Equal(new Uri("https://api.deepseek.com/v1"), ds.ProviderUri);
        Assert.Equal("deepseek-chat", ds.DefaultModelId);
        Assert.Equal("ollama", router.Model.FindDeployment("llama")!.Provider);
    }

    [Fact]
    public void Read_KeyNotInConfiguration_ComesFromTheTypesEnvironmentVariable()
    {
        IConfiguration section = Values(("Providers:openai:Type", "OpenAI"), ("Deployments:mini:Provider", "openai"), ("Deployments:mini:Model", "gpt-4o-mini"));

        using LlmRouterClient router = Build(section, OpenAIKey);
        string error = Assert.Single(Errors(section, _ => null));

        Assert.Equal("mini", Assert.Single(router.Model.Deployments).Name);
        Assert.Equal("LlmRouter:Providers:openai: ApiKey is required for type 'OpenAI': set ApiKey or the OPENAI_API_KEY environment variable.", error);
    }

    [Fact]
    public void Read_ConfigurationAndCode_CodeAddsDeploymentsThatConfiguredRoutesName()
    {
        using var custom = new LlmRouter.Testing.ScriptedChatClient("custom");
        IConfiguration section = Minimal(("Routes:main:Deployments:0", "custom"), ("Routes:main:Deployments:1", "llama"));

        using LlmRouterClient router = Build(section, code: b => b.AddDeployment("custom", custom).ConfigureRetry(r => r.MaxAttempts = 1));

        Assert.Equal(["custom", "llama"], router.Model.ResolveRoute("main").Deployments.Select(d => d.Name));
        Assert.Equal(1, router.Model.Failures.Retry.MaxAttempts);
    }

    [Fact]
    public void Read_TimeoutOff_TurnsItOff()
    {
        using LlmRouterClient router = Build(Minimal(("Timeouts:Attempt", "Off"), ("Timeouts:Total", "00:00:10")));

        Assert.Null(router.Model.Timeouts.Options.Attempt);
        Assert.Equal(TimeSpan.FromSeconds(10), router.Model.Timeouts.Options.Total);
    }

    public static TheoryData<string, string?, string> InvalidValues => new()
    {
        { "Retrys:MaxAttempts", "3", "LlmRouter:Retrys is not a known setting. Valid settings: Providers, Deployments, Routes, DefaultRoute, Budgets, RateLimits, Selection, Retry, CircuitBreaker, Timeouts, Cooldown, Telemetry, ResponseCache, Gateway, SharedState." },
        { "Retry:MaxAttemps", "3", "LlmRouter:Retry:MaxAttemps is not a known setting. Valid retry settings: MaxAttempts, BaseDelay, MaxDelay, MaxRetryAfter, Order, UseJitter." },
        { "Deployments:llama:Modle", "x", "LlmRouter:Deployments:llama:Modle is not a known setting. Valid deployment settings: Provider, Model, Price, Capabilities, ContextWindow, Tags, Region, Trusted, Weight, MaxConcurrentRequests, QueueTimeout, RequestsPerMinute, TokensPerMinute." },
        { "Providers:local:Key", "x", "LlmRouter:Providers:local:Key is not a known setting. Valid provider settings: Type, Endpoint, ApiKey, ApiVersion, Headers, Timeout, DefaultMaxOutputTokens, MaxResponseBytes, CompletionTokensIncludeReasoning, PromptCaching, HttpClientName." },
        { "Retry:BaseDelay", "soon", "LlmRouter:Retry:BaseDelay: 'soon' is not a duration. Write a TimeSpan string: hh:mm:ss (00:00:30), with a fraction for less than a second (00:00:00.200), or d.hh:mm:ss." },
        { "Timeouts:Total", "2 minutes", "LlmRouter:Timeouts:Total: '2 minutes' is not a duration. Write a TimeSpan string: hh:mm:ss (00:00:30), with a fraction for less than a second (00:00:00.200), or d.hh:mm:ss." },
        { "Retry:MaxAttempts", "three", "LlmRouter:Retry:MaxAttempts: 'three' is not a whole number." },
        { "Retry:UseJitter", "yes", "LlmRouter:Retry:UseJitter: 'yes' is not true or false." },
        { "CircuitBreaker:FailureRatio", "half", "LlmRouter:CircuitBreaker:FailureRatio: 'half' is not a number (use a dot for decimals, such as 0.5)." },
        { "CircuitBreaker:WhenAllOpen", "Wait", "LlmRouter:CircuitBreaker:WhenAllOpen: 'Wait' is not valid. Valid values: WaitForEarliest, TryEarliestOpened, FailFast." },
        { "Retry:Order", "Backup", "LlmRouter:Retry:Order: 'Backup' is not valid. Valid values: FailoverFirst, SameDeploymentFirst." },
        { "Deployments:llama:Capabilities", "Tools, Telepathy", "LlmRouter:Deployments:llama:Capabilities: 'Telepathy' is not a capability. Valid capabilities: None, Tools, Vision, JsonSchema, Reasoning, Streaming." },
        { "Deployments:llama:Price:Input", "0.1", "LlmRouter:Deployments:llama:Price needs both Input and Output, in USD per million tokens (for example \"Input\": 0.15, \"Output\": 0.60)." },
        { "Deployments:llama:ContextWindow", "128k", "LlmRouter:Deployments:llama:ContextWindow: '128k' is not a whole number." },
        { "Providers:local:Type", "OpenAl", "LlmRouter:Providers:local: Type 'OpenAl' is not a known provider type. Valid types: OpenAI, AzureOpenAI, OpenAICompatible, Anthropic, Gemini, DeepSeek, Mistral, Groq, Together, Fireworks, OpenRouter, XAI, Qwen, Ollama, VLlm, LMStudio." },
        { "Providers:local:Endpoint", "localhost:11434", "LlmRouter:Providers:local:Endpoint: 'localhost:11434' is not an absolute http or https URL (such as https://api.example.com/v1 or http://localhost:11434/v1)." },
        { "Providers:local:Timeout", "-00:00:01", "LlmRouter:Providers:local: Timeout must be positive (was -00:00:01)." },
        { "Providers:local:Endpoint", "api.openai.com/v1", "LlmRouter:Providers:local:Endpoint: 'api.openai.com/v1' is a relative URL; it must be an absolute http or https URL, scheme and host included (such as https://api.example.com/v1 or http://localhost:11434/v1)." },
        { "Providers:local:Endpoint", "/v1", "LlmRouter:Providers:local:Endpoint: '/v1' is a relative URL; it must be an absolute http or https URL, scheme and host included (such as https://api.example.com/v1 or http://localhost:11434/v1)." },
        { "Providers:local:Endpoint", "ftp://admin:hunter2-passw0rd@example.com/v1?key=hunter2", "LlmRouter:Providers:local:Endpoint: 'ftp://example.com/v1' is not an absolute http or https URL (such as https://api.example.com/v1 or http://localhost:11434/v1)." },
        { "Providers:local:MaxResponseBytes", "0", "LlmRouter:Providers:local: MaxResponseBytes must be positive (was 0); the default is 33554432 (32 MiB)." },
        { "Providers:local:MaxResponseBytes", "32MB", "LlmRouter:Providers:local:MaxResponseBytes: '32MB' is not a whole number." },
        { "Providers:local:CompletionTokensIncludeReasoning", "outside", "LlmRouter:Providers:local:CompletionTokensIncludeReasoning: 'outside' is not true or false." },
        { "Providers:local:Headers:X-Team", "a\r\nX-Injected: 1", "LlmRouter:Providers:local: Headers:X-Team: the value contains a control character (CR, LF or another), which would split or inject HTTP headers; a header value is one line of text." },
        { "Providers:local:ApiKey", "sk-abcdefgh\nX-Injected: 1", "LlmRouter:Providers:local: ApiKey (from ApiKey) contains a control character (CR, LF or another) inside it, which would break the HTTP header that carries it. Leading and trailing whitespace is removed; remove the rest." },
        { "Deployments:llama:Provider", "olama", "LlmRouter:Deployments:llama:Provider names unknown provider 'olama'. Known providers: local." },
        { "Deployments:llama:Model", null, "LlmRouter:Deployments:llama:Model is required: the model id sent to the provider (for example gpt-4o-mini)." },
        { "Routes:auto:Tiers:Easy", "fast", "LlmRouter:Routes:auto:Tiers:Easy is not a tier. Valid tiers: Simple, Medium, Complex, Reasoning." },
        { "Routes:ab:Variants:control", "lots", "LlmRouter:Routes:ab:Variants:control: 'lots' is not a weight. Give each variant route a number, its relative share of traffic (for example \"control\": 10)." },
        { "Routes:fast:MaxPrice:Inptu", "1", "LlmRouter:Routes:fast:MaxPrice:Inptu is not a known setting. Valid price limits: Input, Output." },
        { "Routes:fast:Stratgy", "Cheapest", "LlmRouter:Routes:fast:Stratgy is not a known setting. Valid route settings: Deployments, Strategy, Fallbacks, FallbackOnContentFilter, Hedging, MaxPrice, RequiredTags, ExcludedTags, AllowedProviders, DeniedProviders, AllowedRegions, DataProtection, Tiers, ComplexityScorer, Variants, VariantKey, Stages, MinQuality, QualityDropTolerance, QualityTolerance, Quality, Evaluation, LatencyTarget." },
        { "Budgets:daily:Window", "Day", "LlmRouter:Budgets:daily:LimitUsd is required: the most that may be spent per window, in US dollars (for example 25)." },
        { "Budgets:daily:LimitUsd", "ten", "LlmRouter:Budgets:daily:LimitUsd: 'ten' is not an amount of US dollars (such as 25 or 0.50)." },
        { "Selection:Buffer", "0.2", "LlmRouter:Selection:Buffer is not a known setting. Valid selection settings: LatencyBuffer, SampleWeight." },
    };

    [Theory]
    [MemberData(nameof(InvalidValues))]
    public void Read_InvalidValue_NamesTheKeyAndWhatIsValid(string key, string? value, string expected)
    {
        IReadOnlyList<string> errors = Errors(Minimal((key, value)));

        Assert.Equal(expected, Assert.Single(errors));
    }

    public static TheoryData<string, string, string> InvalidBudgetValues => new()
    {
        { "Window", "Week", "LlmRouter:Budgets:daily:Window: 'Week' is not valid. Valid values: Minute, Hour, Day, Month." },
        { "Scope", "Team", "LlmRouter:Budgets:daily:Scope: 'Team' is not valid. Valid values: Router, Route, Deployment, Caller." },
        { "OnExceeded", "Throttle", "LlmRouter:Budgets:daily:OnExceeded: 'Throttle' is not valid. Valid values: Reject, Downgrade." },
        { "Limit", "5", "LlmRouter:Budgets:daily:Limit is not a known setting. Valid budget settings: Scope, Target, CallerProperty, Caller, Window, LimitUsd, OnExceeded, DowngradeTo." },
    };

    [Theory]
    [MemberData(nameof(InvalidBudgetValues))]
    public void Read_InvalidBudgetValue_NamesTheKeyAndWhatIsValid(string key, string value, string expected)
    {
        IReadOnlyList<string> errors = Errors(Minimal(("Budgets:daily:LimitUsd", "5"), ("Budgets:daily:" + key, value)));

        Assert.Equal(expected, Assert.Single(errors));
    }

    public static TheoryData<(string, string?)[], string> InvalidModels => new()
    {
        { [("Routes:fast:Deployments:0", "lama")], "Route 'fast' names unknown deployment 'lama'. Known deployments: llama." },
        { [("Routes:fast:Deployments:0", "llama"), ("Routes:fast:Strategy", "Cheapestt")], "Route 'fast' uses unknown strategy 'Cheapestt'. Known strategies: Ordered, Weighted, RoundRobin, LeastBusy, LowestLatency, PowerOfTwoChoices, Cheapest, BestValue." },
        { [("Routes:fast:Deployments:0", "llama"), ("Routes:fast:Fallbacks:0", "smart")], "Route 'fast' falls back to unknown route 'smart'. Known routes: fast." },
        {
            [("Routes:a:Deployments:0", "llama"), ("Routes:a:Fallbacks:0", "b"), ("Routes:b:Deployments:0", "llama"), ("Routes:b:Fallbacks:0", "a")],
            "Fallback cycle: a → b → a. A route must not fall back, directly or through others, to itself."
        },
        { [("Routes:fast:Deployments:0", "llama"), ("DefaultRoute", "slow")], "The default route 'slow' is not a route. Known routes: fast." },
        { [("Deployments:llama:Price:Input", "-0.5"), ("Deployments:llama:Price:Output", "1")], "Deployment 'llama': Price.Input must be at least 0 USD per million tokens (was -0.5)." },
        { [("Deployments:llama:Weight", "-1")], "Deployment 'llama': Weight must be a finite number of at least 0 (was -1)." },
        { [("Deployments:llama:MaxConcurrentRequests", "0")], "Deployment 'llama': MaxConcurrentRequests must be at least 1, or null for no limit (was 0)." },
        { [("Routes:fast:Deployments", null)], "Route 'fast' has no deployments; list at least one of: llama, or dispatch by Tiers or Variants to other routes." },
        {
            [("Routes:fast:Deployments:0", "llama"), ("Routes:fast:Strategy", "Cheapest")],
            "Deployment 'llama' has no known price (model 'llama3.2' of provider 'ollama' is not in the price catalog), but route 'fast' ranks by cost (Strategy Cheapest). " +
            "Set its price in USD per million tokens: DeploymentOptions.Price = new ModelPrice(input, output), or in configuration Deployments:llama:Price with Input and Output (0 and 0 for a free local model)."
        },
        {
            [("Budgets:daily:LimitUsd", "5")],
            "Deployment 'llama' has no known price (model 'llama3.2' of provider 'ollama' is not in the price catalog), but budget 'daily' counts its spend. " +
            "Set its price in USD per million tokens: DeploymentOptions.Price = new ModelPrice(input, output), or in configuration Deployments:llama:Price with Input and Output (0 and 0 for a free local model)."
        },
        {
            [("Deployments:llama:Price:Input", "0"), ("Deployments:llama:Price:Output", "0"), ("Budgets:daily:LimitUsd", "5"), ("Budgets:daily:Scope", "Route"), ("Budgets:daily:Target", "slow")],
            "Budget 'daily': Scope Route needs Target, the name of a route (was 'slow'). Known routes: default."
        },
        {
            [("Deployments:llama:Price:Input", "0"), ("Deployments:llama:Price:Output", "0"), ("Budgets:daily:LimitUsd", "5"), ("Budgets:daily:OnExceeded", "Downgrade")],
            "Budget 'daily': OnExceeded Downgrade needs DowngradeTo, the name of the route that serves what the budget cannot cover (was ''). Known routes: default."
        },
        {
            [("Deployments:llama:Price:Input", "0"), ("Deployments:llama:Price:Output", "0"), ("Budgets:daily:LimitUsd", "0")],
            "Budget 'daily': LimitUsd must be more than 0 and at most 100,000,000 US dollars per window (was 0)."
        },
        {
            [("Deployments:llama:Price:Input", "0"), ("Deployments:llama:Price:Output", "0"), ("Budgets:daily:LimitUsd", "5"), ("Budgets:daily:Scope", "Deployment"), ("Budgets:daily:Target", "llama"), ("Budgets:daily:OnExceeded", "Downgrade"), ("Budgets:daily:DowngradeTo", "default")],
            "Budget 'daily': a Deployment budget cannot Downgrade; when it is exhausted its deployment is skipped and requests go to their routes' other candidates. Use OnExceeded Reject."
        },
        {
            [("Routes:fast:Deployments:0", "llama"), ("Routes:fast:MaxPrice:Output", "5")],
            "Deployment 'llama' has no known price (model 'llama3.2' of provider 'ollama' is not in the price catalog), but route 'fast' has a MaxPrice. " +
            "Set its price in USD per million tokens: DeploymentOptions.Price = new ModelPrice(input, output), or in configuration Deployments:llama:Price with Input and Output (0 and 0 for a free local model)."
        },
    };

    [Theory]
    [MemberData(nameof(InvalidModels))]
    public void Read_InvalidReferenceOrValue_BuilderNamesTheRouteOrDeploymentAndWhatIsValid((string, string?)[] extra, string expected)
    {
        IReadOnlyList<string> errors = Errors(Minimal(extra));

        Assert.Equal(expected, Assert.Single(errors));
    }

    [Theory]
    [InlineData("Retry:MaxAttempts", "0", "MaxAttempts")]
    [InlineData("CircuitBreaker:FailureRatio", "1.5", "FailureRatio")]
    [InlineData("Timeouts:Attempt", "00:00:00", "Attempt")]
    [InlineData("Cooldown:MaxDuration", "2.00:00:00", "MaxDuration")]
    public void Read_OutOfRange_NamesTheSetting(string key, string value, string setting)
    {
        string error = Assert.Single(Errors(Minimal((key, value))));

        Assert.Contains(setting, error, StringComparison.Ordinal);
        Assert.Contains("between", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_SeveralProblems_ListsEveryOne()
    {
        IReadOnlyList<string> errors = Errors(Minimal(("Retry:BaseDelay", "x"), ("Retry:MaxDelay", "y"), ("Providers:bad:Type", "Nope")));

        Assert.Equal(3, errors.Count);
    }

    [Fact]
    public void Read_OpenAICompatibleWithoutEndpoint_SaysWhatEndpointLooksLike()
    {
        string error = Assert.Single(Errors(Values(("Providers:p:Type", "OpenAICompatible"))));

        Assert.Equal("LlmRouter:Providers:p: Endpoint is required for type 'OpenAICompatible' (the base URL including the version segment, such as http://localhost:11434/v1).", error);
    }

    [Fact]
    public void Read_DeploymentWithoutProvider_ListsKnownProviders()
    {
        string error = Assert.Single(Errors(Minimal(("Deployments:other:Model", "m"))));

        Assert.Equal("LlmRouter:Deployments:other:Provider is required: the name of an entry under Providers (local).", error);
    }

    public static TheoryData<string, string> ArraySections => new()
    {
        { "Providers", """{ "LlmRouter": { "Providers": [ { "Type": "Ollama" } ] } }""" },
        {
            "Deployments",
            """{ "LlmRouter": { "Providers": { "local": { "Type": "Ollama" } }, "Deployments": [ { "Provider": "local", "Model": "a" }, { "Provider": "local", "Model": "b" } ] } }"""
        },
        {
            "Routes",
            """{ "LlmRouter": { "Providers": { "local": { "Type": "Ollama" } }, "Deployments": { "llama": { "Provider": "local", "Model": "llama3.2" } }, "Routes": [ { "Deployments": [ "llama" ] } ] } }"""
        },
        {
            "Budgets",
            """{ "LlmRouter": { "Providers": { "local": { "Type": "Ollama" } }, "Deployments": { "llama": { "Provider": "local", "Model": "llama3.2" } }, "Budgets": [ { "LimitUsd": 5 } ] } }"""
        },
    };

    [Theory]
    [MemberData(nameof(ArraySections))]
    public void Read_NamedSectionWrittenAsAnArray_NamesTheSectionAndShowsTheExpectedShape(string section, string json)
    {
        string error = Assert.Single(Errors(Json(json)));

        Assert.StartsWith($"LlmRouter:{section} is a JSON array, but it must be an object whose keys are the names of its entries: \"{section}\": {{ \"", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NamedSectionWrittenAsOneValue_NamesTheSectionAndShowsTheExpectedShape()
    {
        string error = Assert.Single(Errors(Minimal(("Routes", "fast"))));

        Assert.StartsWith("LlmRouter:Routes is a single value, but it must be an object whose keys are the names of its entries: \"Routes\": { \"fast\"", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_DeploymentsNamedByNumbersThatAreNotAnArray_AreRead()
    {
        using LlmRouterClient router = Build(Minimal(("Deployments:1:Provider", "local"), ("Deployments:1:Model", "m")));

        Assert.Equal(["1", "llama"], router.Model.Deployments.Select(d => d.Name));
    }

    [Fact]
    public void Read_ProviderResponseLimitAndReasoningConvention_ReachTheClient()
    {
        var created = new List<ProviderOptions>();
        IConfiguration section = Minimal(("Providers:local:MaxResponseBytes", "1048576"), ("Providers:local:CompletionTokensIncludeReasoning", "false"));
        var reader = new ConfigurationReader();

        reader.Read(section, new LlmRouterBuilder(), (options, model, _) => { created.Add(options); return new LlmRouter.Testing.ScriptedChatClient(); }, _ => null);

        Assert.Empty(reader.Errors);
        ProviderOptions options = Assert.Single(created);
        Assert.Equal((1_048_576, false), (options.MaxResponseBytes, options.CompletionTokensIncludeReasoning));
    }

    [Fact]
    public void Read_ErrorMessages_NeverContainTheApiKey()
    {
        const string Key = "sk-LEAKCHECK-9f8e7d6c5b4a";
        IConfiguration section = Values(("Providers:p:Type", "OpenAI"), ("Providers:p:ApiKey", Key), ("Providers:p:Endpoint", "ftp://x"), ("Providers:p:Timeout", "0"));

        LlmRouterConfigurationException exception = Assert.Throws<LlmRouterConfigurationException>(() => Build(section));

        Assert.DoesNotContain(Key, exception.ToString(), StringComparison.Ordinal);
    }
}
