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
        Assert.Contains("LlmRouter:Gateway:Keys:batch:Route is not a known setting. Valid key settings: Hash, Caller, Routes.", message, StringComparison.Ordinal);
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
