using BenchmarkDotNet.Attributes;

namespace LlmRouter.Benchmarks;

/// <summary>
/// One chat completion, one request at a time, whole or streamed (200 chunks read to the end): the router called in-process
/// (baseline), the same router behind the gateway endpoint over loopback HTTP, and a plain ASP.NET Core reverse proxy to the
/// same simulated provider. Bytes are the whole process's: client, server and provider.
/// </summary>
[MemoryDiagnoser]
public class GatewayBenchmarks
{
    private GatewayStack _stack = null!;

    /// <summary>Gets or sets whether the completion is streamed.</summary>
    [Params(false, true)]
    public bool Stream { get; set; }

    [GlobalSetup]
    public void Setup() => _stack = GatewayStack.Start(connections: 1);

    [GlobalCleanup]
    public void Cleanup() => _stack.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Baseline = true)]
    public Task<int> RouterInProcess() => _stack.DirectAsync(Stream);

    [Benchmark]
    public Task<int> GatewayEndpoint() => _stack.GatewayAsync(Stream);

    [Benchmark]
    public Task<int> ReverseProxy() => _stack.ProxyAsync(Stream);
}
