using System.Text.Json;

namespace LlmRouter.Tests.Configuration;

/// <summary>The JSON schema shipped for appsettings IntelliSense names exactly the keys the configuration reader reads.</summary>
public class ConfigurationSchemaTests
{
    private static readonly JsonElement Definitions = LoadDefinitions();

    public static TheoryData<string, string?, string[]> Sections => new()
    {
        { "LlmRouter", null, ConfigurationReader.RootKeys },
        { "Provider", null, [.. ConfigurationReader.ProviderKeys.Names] },
        { "Deployment", null, [.. ConfigurationReader.DeploymentKeys.Names] },
        { "Deployment", "Price", ConfigurationReader.PriceKeys },
        { "Route", null, [.. ConfigurationReader.RouteKeys.Names] },
        { "Route", "Hedging", [.. ConfigurationReader.HedgingKeys.Names] },
        { "Route", "MaxPrice", ConfigurationReader.MaxPriceKeys },
        { "Route", "Tiers", ConfigurationReader.TierKeys },
        { "Budget", null, [.. ConfigurationReader.BudgetKeys.Names] },
        { "RateLimit", null, [.. ConfigurationReader.RateLimitKeys.Names] },
        { "LlmRouter", "Selection", [.. ConfigurationReader.SelectionKeys.Names] },
        { "LlmRouter", "Retry", [.. ConfigurationReader.RetryKeys.Names] },
        { "LlmRouter", "CircuitBreaker", [.. ConfigurationReader.CircuitBreakerKeys.Names] },
        { "LlmRouter", "Timeouts", [.. ConfigurationReader.TimeoutKeys.Names] },
        { "LlmRouter", "Cooldown", [.. ConfigurationReader.CooldownKeys.Names] },
        { "LlmRouter", "Telemetry", [.. ConfigurationReader.TelemetryKeys.Names] },
    };

    [Theory]
    [MemberData(nameof(Sections))]
    public void Schema_Section_ListsTheKeysTheReaderReads(string definition, string? property, string[] keys)
    {
        JsonElement section = Definitions.GetProperty(definition);
        if (property is not null)
        {
            section = section.GetProperty("properties").GetProperty(property);
        }

        string[] listed = [.. section.GetProperty("properties").EnumerateObject().Select(p => p.Name)];

        Assert.Equal(keys, listed);
        Assert.False(section.GetProperty("additionalProperties").GetBoolean());
    }

    [Fact]
    public void Schema_ProviderTypes_AreTheKnownTypes()
    {
        string[] types = [.. Definitions.GetProperty("Provider").GetProperty("properties").GetProperty("Type").GetProperty("enum").EnumerateArray().Select(e => e.GetString()!)];

        Assert.Equal(ProviderPresets.KnownTypes.Split(", "), types);
    }

    [Fact]
    public void Schema_StrategyNames_AreTheBuiltInStrategies()
    {
        JsonElement strategy = Definitions.GetProperty("Route").GetProperty("properties").GetProperty("Strategy");
        string[] names = [.. strategy.GetProperty("anyOf")[0].GetProperty("enum").EnumerateArray().Select(e => e.GetString()!)];

        Assert.Equal(
            typeof(SelectionStrategies).GetFields().Select(f => (string)f.GetRawConstantValue()!),
            names);
    }

    private static JsonElement LoadDefinitions()
    {
        DirectoryInfo? directory = new(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "LlmRouter.sln")))
        {
            directory = directory.Parent;
        }

        string path = Path.Combine(directory!.FullName, "src", "LlmRouter", "ConfigurationSchema.json");
        return JsonDocument.Parse(File.ReadAllText(path)).RootElement.GetProperty("definitions").Clone();
    }
}
