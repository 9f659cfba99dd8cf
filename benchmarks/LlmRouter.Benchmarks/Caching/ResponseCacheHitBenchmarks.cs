using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace LlmRouter.Benchmarks;

/// <summary>
/// An exact hit, plain and streamed: the response cache step vs Microsoft.Extensions.AI's <see cref="DistributedCachingChatClient"/>,
/// both over the same <see cref="MemoryDistributedCache"/> holding the same answer, in the same run.
/// </summary>
[MemoryDiagnoser]
public class ResponseCacheHitBenchmarks
{
    private IChatClient _step = null!;
    private IChatClient _peer = null!;
    private ChatOptions _options = null!;

    [GlobalSetup]
    public void Setup()
    {
        var store = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
        var provider = new BenchmarkChatClient("You need your valid Portuguese passport or national ID card; no visa for a one-week stay.", chunks: 1, usage: CacheBenchmarkRequest.Usage);
        _step = new ChatClientBuilder(provider).UseResponseCache(store).Build();
        _peer = new DistributedCachingChatClient(provider, store);
        _options = CacheBenchmarkRequest.Options();
        _step.GetResponseAsync(CacheBenchmarkRequest.Messages, _options).GetAwaiter().GetResult();
        _peer.GetResponseAsync(CacheBenchmarkRequest.Messages, _options).GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true)]
    public Task<ChatResponse> DistributedCachingHit() => _peer.GetResponseAsync(CacheBenchmarkRequest.Messages, _options);

    [Benchmark]
    public Task<ChatResponse> ResponseCacheHit() => _step.GetResponseAsync(CacheBenchmarkRequest.Messages, _options);

    [Benchmark]
    public Task<int> DistributedCachingStreamedHit() => ReadAsync(_peer);

    [Benchmark]
    public Task<int> ResponseCacheStreamedHit() => ReadAsync(_step);

    private async Task<int> ReadAsync(IChatClient client)
    {
        int count = 0;
        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(CacheBenchmarkRequest.Messages, _options))
        {
            count += update.Contents.Count;
        }

        return count;
    }
}
