using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LlmRouter.AspNetCore.Tests.OpenAI;

public class GatewayConfigurationTests
{
    private static readonly string Hash = GatewayKeyOptions.HashOf("sk-demo");

    [Fact]
    public void AddLlmRouterGateway_ReadsKeysAndLimits()
    {
        LlmRouterGatewayOptions options = Options(new()
        {
            ["LlmRouter:Gateway:AllowAnonymous"] = "true",
            ["LlmRouter:Gateway:MaxRequestBodySize"] = "65536",
            ["LlmRouter:Gateway:Keys:mobile:Hash"] = Hash,
            ["LlmRouter:Gateway:Keys:mobile:Caller"] = "mobile-app",
            ["LlmRouter:Gateway:Keys:mobile:Routes:0"] = "fast",
            ["LlmRouter:Gateway:Keys:batch:Hash"] = Hash,
        });

        Assert.True(options.AllowAnonymous);
        Assert.Equal(65536, options.MaxRequestBodySize);
        Assert.Equal("mobile-app", options.Keys["mobile"].Caller);
        Assert.Equal(["fast"], options.Keys["mobile"].Routes);
        Assert.Null(options.Keys["batch"].Routes);
    }

    [Fact]
    public void AddLlmRouterGateway_InvalidSettings_OneErrorNamingEachKey()
    {
        OptionsValidationException error = Assert.Throws<OptionsValidationException>(() => Options(new()
        {
            ["LlmRouter:Gateway:AllowAnonymus"] = "true",
            ["LlmRouter:Gateway:Keys:mobile:Hash"] = "sk-demo",
            ["LlmRouter:Gateway:Keys:batch:Hash"] = Hash.ToUpperInvariant(),
            ["LlmRouter:Gateway:Keys:batch:Route"] = "fast",
        }));

        string message = error.Message;
        Assert.Contains("LlmRouter:Gateway:AllowAnonymus is not a known setting. Valid gateway settings: Keys, AllowAnonymous, MaxRequestBodySize.", message, StringComparison.Ordinal);
        Assert.Contains("LlmRouter:Gateway:Keys:batch:Route is not a known setting. Valid key settings: Hash, Caller, Routes, Budget, RateLimit.", message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddLlmRouterGateway_ReadsAKeysBudgetAndRateLimit()
    {
        LlmRouterGatewayOptions options = Options(new()
        {
            ["LlmRouter:Gateway:Keys:mobile:Hash"] = Hash,
            ["LlmRouter:Gateway:Keys:mobile:Budget:LimitUsd"] = "2.50",
            ["LlmRouter:Gateway:Keys:mobile:Budget:Window"] = "month",
            ["LlmRouter:Gateway:Keys:mobile:RateLimit:RequestsPerMinute"] = "60",
            ["LlmRouter:Gateway:Keys:mobile:RateLimit:TokensPerHour"] = "100000",
            ["LlmRouter:Gateway:Keys:batch:Hash"] = Hash,
        });

        GatewayKeyOptions mobile = options.Keys["mobile"];
        Assert.Equal((2.50m, BudgetWindow.Month), (mobile.Budget!.LimitUsd, mobile.Budget.Window));
        Assert.Equal((60L, (long?)null, (long?)null, 100_000L), (mobile.RateLimit!.RequestsPerMinute, mobile.RateLimit.RequestsPerHour, mobile.RateLimit.TokensPerMinute, mobile.RateLimit.TokensPerHour));
        Assert.Null(options.Keys["batch"].Budget);
        Assert.Null(options.Keys["batch"].RateLimit);
    }

    [Fact]
    public void AddLlmRouterGateway_InvalidBudgetOrRateLimit_NamesEachKeyAndWhatIsValid()
    {
        OptionsValidationException error = Assert.Throws<OptionsValidationException>(() => Options(new()
        {
            ["LlmRouter:Gateway:Keys:mobile:Hash"] = Hash,
            ["LlmRouter:Gateway:Keys:mobile:Budget:Limit"] = "5",
            ["LlmRouter:Gateway:Keys:mobile:Budget:Window"] = "Fortnight",
            ["LlmRouter:Gateway:Keys:mobile:RateLimit:RequestsPerMinute"] = "sixty",
        }));

        string message = error.Message;
        Assert.Contains("LlmRouter:Gateway:Keys:mobile:Budget:Limit is not a known setting. Valid budget settings: LimitUsd, Window.", message, StringComparison.Ordinal);
        Assert.Contains("LlmRouter:Gateway:Keys:mobile:Budget:Window is 'Fortnight'; valid values: Minute, Hour, Day, Month.", message, StringComparison.Ordinal);
        Assert.Contains("LlmRouter:Gateway:Keys:mobile:RateLimit:RequestsPerMinute is 'sixty'; it must be a whole number.", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validation_BudgetWithoutALimitOrRateLimitWithoutAny_NamesTheKey()
    {
        var options = new LlmRouterGatewayOptions();
        options.Keys["mobile"] = new GatewayKeyOptions { Hash = Hash, Budget = new GatewayKeyBudget(), RateLimit = new GatewayKeyRateLimit { TokensPerMinute = 0 } };

        List<string> errors = GatewayOptionsValidation.Errors(options);

        Assert.Equal(
            ["LlmRouter:Gateway:Keys:mobile:Budget:LimitUsd is 0; it must be more than 0 US dollars.", "LlmRouter:Gateway:Keys:mobile:RateLimit:TokensPerMinute is 0; it must be at least 1."],
            errors);
    }

    [Fact]
    public void Validation_MalformedHash_NamesTheKeyWithoutEchoingTheValue()
    {
        var options = new LlmRouterGatewayOptions { MaxRequestBodySize = 10 };
        options.Keys["mobile"] = new GatewayKeyOptions { Hash = "sk-live-this-is-the-key-itself" };

        List<string> errors = GatewayOptionsValidation.Errors(options);

        Assert.Equal(2, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("LlmRouter:Gateway:MaxRequestBodySize is 10;", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("LlmRouter:Gateway:Keys:mobile:Hash must be 'sha256:'", StringComparison.Ordinal));
        Assert.DoesNotContain(errors, e => e.Contains("sk-live", StringComparison.Ordinal));
    }

    [Fact]
    public void HashOf_IsSha256HexWithPrefix()
    {
        Assert.Equal("sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae", GatewayKeyOptions.HashOf("foo"));
    }

    private static LlmRouterGatewayOptions Options(Dictionary<string, string?> settings)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLlmRouterGateway(configuration.GetSection("LlmRouter:Gateway"));
        using ServiceProvider provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<LlmRouterGatewayOptions>>().Value;
    }
}
