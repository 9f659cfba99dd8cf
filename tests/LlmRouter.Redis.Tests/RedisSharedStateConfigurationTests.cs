using LlmRouter.Tests.Caching;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using static LlmRouter.Redis.Tests.SharedRouters;

namespace LlmRouter.Redis.Tests;

public sealed class RedisSharedStateConfigurationTests : IAsyncLifetime
{
    private readonly RedisServer _server = new();

    public Task InitializeAsync() => _server.InitializeAsync();

    public Task DisposeAsync() => _server.DisposeAsync();

    private static IConfiguration Section(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection("LlmRouter");

    [Fact]
    public async Task AddLlmRouterRedis_SharedStateSection_RegistersTheStoresTheRouterTakes()
    {
        IConfiguration section = Section(new()
        {
            ["LlmRouter:SharedState:Redis"] = _server.Configuration,
            ["LlmRouter:SharedState:KeyPrefix"] = "di-test:",
            ["LlmRouter:SharedState:Timeout"] = "00:00:05",
        });
        var services = new ServiceCollection();
        services.AddLlmRouterRedis(section);
        services.AddLlmRouter(b => b
            .AddDeployment("a", Client("a"), d => d.RequestsPerMinute = 10)
            .ConfigureRetry(r => r.MaxAttempts = 1));
        await using ServiceProvider provider = services.BuildServiceProvider();
        IChatClient router = provider.GetRequiredService<IChatClient>();

        Assert.Equal("a", await ServedByAsync(router));
        Assert.Null(provider.GetService<ISharedCircuits>());
        Assert.NotNull(provider.GetService<ISharedCooldowns>());

        await using ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(_server.Configuration);
        Assert.Equal(1, AssertEveryKeyExpires(connection, "di-test:"));
    }

    [Fact]
    public async Task AddLlmRouterRedis_CircuitsOn_TheRouterSharesItsCircuits()
    {
        IConfiguration section = Section(new()
        {
            ["LlmRouter:SharedState:Redis"] = _server.Configuration,
            ["LlmRouter:SharedState:KeyPrefix"] = "di-circuits-test:",
            ["LlmRouter:SharedState:Circuits"] = "true",
        });
        var services = new ServiceCollection();
        services.AddLlmRouterRedis(section);
        services.AddLlmRouter(b => b.AddDeployment("a", Client("a")));
        await using ServiceProvider provider = services.BuildServiceProvider();

        Assert.IsType<RedisCircuits>(provider.GetService<ISharedCircuits>());
        var router = (LlmRouterClient)provider.GetRequiredService<IChatClient>().GetService(typeof(LlmRouterClient))!;
        Assert.True(router.Model.FindDeployment("a")!.State.Breaker!.IsShared);
    }

    [Fact]
    public void AddLlmRouterRedis_InvalidSection_ListsEveryProblemWithItsKey()
    {
        IConfiguration section = Section(new()
        {
            ["LlmRouter:SharedState:KeyPrefx"] = "x",
            ["LlmRouter:SharedState:WhenUnavailable"] = "Sometimes",
            ["LlmRouter:SharedState:Timeout"] = "00:01:00",
            ["LlmRouter:SharedState:Circuits"] = "sometimes",
        });

        LlmRouterConfigurationException exception = Assert.Throws<LlmRouterConfigurationException>(() => new ServiceCollection().AddLlmRouterRedis(section));

        Assert.Equal(
            [
                "LlmRouter:SharedState:KeyPrefx is not a known setting. Valid shared state settings: Redis, KeyPrefix, WhenUnavailable, Timeout, Cooldowns, Circuits.",
                "LlmRouter:SharedState:WhenUnavailable: 'Sometimes' is not valid. Valid values: FailOpen, FailClosed.",
                "LlmRouter:SharedState:Circuits: 'sometimes' is not true or false.",
                "LlmRouter:SharedState:Redis is required: the StackExchange.Redis configuration string, for example localhost:6379.",
                "LlmRouter:SharedState:Timeout must be more than zero and at most 00:00:10 (was 00:01:00); the default is 00:00:00.050.",
            ],
            exception.Errors);
    }

    [Fact]
    public void UseRedis_Defaults_AreFiftyMillisecondsFailOpenAndThePrefix()
    {
        var options = new RedisSharedStateOptions();

        Assert.Equal((TimeSpan.FromMilliseconds(50), SharedStateUnavailableBehavior.FailOpen, "llmrouter:", true), (options.Timeout, options.WhenUnavailable, options.KeyPrefix, options.Cooldowns));
    }

    [Fact]
    public void SharedStateKeys_OptionsReaderAndSchema_Agree()
    {
        string directory = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(directory, "LlmRouter.sln")))
        {
            directory = Path.GetDirectoryName(directory) ?? throw new InvalidOperationException("The repository root was not found.");
        }

        using var schema = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "src", "LlmRouter", "ConfigurationSchema.json")));
        string[] listed = [.. schema.RootElement.GetProperty("definitions").GetProperty("LlmRouter").GetProperty("properties")
            .GetProperty("SharedState").GetProperty("properties").EnumerateObject().Select(p => p.Name)];
        string[] options = [.. typeof(RedisSharedStateOptions).GetProperties().Where(p => p.CanWrite).Select(p => p.Name)];

        Assert.Equal(RedisSharedStateConfiguration.Keys, listed);
        Assert.Equal(RedisSharedStateConfiguration.Keys.Order(), options.Order());
        Assert.Contains("SharedState", ConfigurationReader.RootKeys);
    }
}
