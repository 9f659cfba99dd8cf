using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;

namespace LlmRouter.Benchmarks;

/// <summary>
/// What a miss adds to a call: the direct call vs the same call through the response cache step and through Microsoft.Extensions.AI's
/// <see cref="DistributedCachingChatClient"/>, both over a store that never holds anything, so the figures are each step's own work
/// (key, lookup, the entry written) without a store's I/O. The calls cycle through 64 callers, so consecutive calls are different
/// requests, as on a real service.
/// </summary>
[MemoryDiagnoser]
public class ResponseCacheMissBenchmarks
{
    private IChatClient _direct = null!;
    private IChatClient _step = null!;
    private IChatClient _peer = null!;
    private ChatOptions[] _callers = null!;
    private ChatOptions _options = null!;
    private ChatResponse _answer = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        var store = new EmptyDistributedCache();
        _direct = new BenchmarkChatClient("You need your valid Portuguese passport or national ID card; no visa for a one-week stay.", chunks: 1, usage: CacheBenchmarkRequest.Usage);
        _step = new ChatClientBuilder(_direct).UseResponseCache(store).Build();
        _peer = new DistributedCachingChatClient(_direct, store);
        _options = CacheBenchmarkRequest.Options();
        _callers = new ChatOptions[64];
        for (int i = 0; i < _callers.Length; i++)
        {
            _callers[i] = CacheBenchmarkRequest.Options();
            _callers[i].AdditionalProperties![LlmRouterRequestProperties.Caller] = "tenant-" + i;
        }

        _answer = _direct.GetResponseAsync(CacheBenchmarkRequest.Messages, _options).GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true)]
    public Task<ChatResponse> Direct() => _direct.GetResponseAsync(CacheBenchmarkRequest.Messages, Next());

    [Benchmark]
    public Task<ChatResponse> DistributedCachingMiss() => _peer.GetResponseAsync(CacheBenchmarkRequest.Messages, Next());

    [Benchmark]
    public Task<ChatResponse> ResponseCacheMiss() => _step.GetResponseAsync(CacheBenchmarkRequest.Messages, Next());

    /// <summary>Part of a miss: the key alone.</summary>
    [Benchmark]
    public string KeyOnly() => ResponseCacheKey.Create(CacheBenchmarkRequest.Messages, _options, "default", "tenant-42");

    /// <summary>Part of a miss: the entry written for the answer alone.</summary>
    [Benchmark]
    public byte[] EntryOnly() => CacheEntry.Write(_answer, DateTimeOffset.UnixEpoch, 0.0001m);

    private ChatOptions Next() => _callers[_next++ & 63];
}
