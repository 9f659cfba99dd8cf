using LlmRouter.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace LlmRouter.Tests.Caching;

/// <summary>A router with one priced scripted deployment behind the response cache, built in a container with a fake clock and log collector.</summary>
internal sealed class CacheFixture : IAsyncDisposable
{
    /// <summary>What one scripted answer with <see cref="WithUsage"/> costs: 1,000 input tokens at $1 and 500 output tokens at $2 per million.</summary>
    public const decimal AnswerCost = 0.002m;

    private readonly ServiceProvider _services;

    public CacheFixture(Action<ResponseCacheOptions>? configure = null, IDistributedCache? cache = null, ScriptedChatClient? provider = null)
    {
        Provider = provider ?? new ScriptedChatClient(timeProvider: Clock) { DefaultOutcome = WithUsage(ScriptedOutcome.Text("Hi there")) };
        Store = cache ?? new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(Clock);
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Debug).AddFakeLogging());
        services.AddLlmRouter(router => router
                .AddDeployment("model", Provider, d => d.Price = new ModelPrice(1m, 2m))
                .AddRoute("chat", r => r.Deployments = ["model"])
                .AddRoute("shared", r => r.Deployments = ["model"])
                .AddRoute("off", r => r.Deployments = ["model"])
                .UseDefaultRoute("chat"))
            .UseResponseCache(Store, configure);
        _services = services.BuildServiceProvider();
        Chat = _services.GetRequiredService<IChatClient>();
    }

    public FakeTimeProvider Clock { get; } = new();

    public ScriptedChatClient Provider { get; }

    public IDistributedCache Store { get; }

    public IChatClient Chat { get; }

    public IRouterSpend Spend => Chat.GetService<IRouterSpend>()!;

    public FakeLogCollector Logs => _services.GetFakeLogCollector();

    public static ScriptedOutcome WithUsage(ScriptedOutcome outcome) => outcome.WithUsage(1000, 500);

    public static ChatOptions Caller(string caller, string? route = null, object? directive = null)
    {
        var options = new ChatOptions { ModelId = route, AdditionalProperties = new() { [LlmRouterRequestProperties.Caller] = caller } };
        if (directive is not null)
        {
            options.AdditionalProperties[LlmRouterRequestProperties.Cache] = directive;
        }

        return options;
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
