using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Distributed;

namespace LlmRouter.Benchmarks;

/// <summary>The request the cache benchmarks send: a typical three-message conversation with a temperature and a caller.</summary>
internal static class CacheBenchmarkRequest
{
    public static readonly ChatMessage[] Messages =
    [
        new(ChatRole.System, "You are a concise assistant for a travel booking site. Answer in one or two sentences."),
        new(ChatRole.User, "Which documents do I need to fly from Lisbon to London?"),
        new(ChatRole.User, "I hold a Portuguese passport and will stay for a week."),
    ];

    public static ChatOptions Options() => new()
    {
        ModelId = "default",
        Temperature = 0.2f,
        MaxOutputTokens = 200,
        AdditionalProperties = new() { [LlmRouterRequestProperties.Caller] = "tenant-42" },
    };

    public static readonly UsageDetails Usage = new() { InputTokenCount = 48, OutputTokenCount = 32, TotalTokenCount = 80 };
}

/// <summary>A store that never holds anything: a lookup always misses and a write is dropped, so a miss costs only the step's own work.</summary>
internal sealed class EmptyDistributedCache : IDistributedCache
{
    public byte[]? Get(string key) => null;

    public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => Task.FromResult<byte[]?>(null);

    public void Refresh(string key)
    {
    }

    public Task RefreshAsync(string key, CancellationToken token = default) => Task.CompletedTask;

    public void Remove(string key)
    {
    }

    public Task RemoveAsync(string key, CancellationToken token = default) => Task.CompletedTask;

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options)
    {
    }

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) => Task.CompletedTask;
}
