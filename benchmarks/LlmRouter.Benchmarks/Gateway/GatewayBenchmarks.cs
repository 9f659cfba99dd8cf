using BenchmarkDotNet.Attributes;

namespace LlmRouter.Benchmarks;

/// <summary>
/// One chat completion, one request at a time: the router called in-process (baseline), the same router behind the gateway
/// endpoint over loopback HTTP, and a plain ASP.NET Core reverse proxy to the same simulated provider. Bytes are the whole
/// process's: client, server and provider.
/// </summary>
[MemoryDiagnoser]
public class GatewayCompletionBenchmarks
{
    private GatewayStack _stack = null!;

    [GlobalSetup]
    public void Setup() => _stack = GatewayStack.Start(connections: 1);

    [GlobalCleanup]
    public void Cleanup() => _stack.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Baseline = true)]
    public Task<int> RouterInProcess() => _stack.DirectAsync(stream: false);

    [Benchmark]
    public Task<int> GatewayEndpoint() => _stack.GatewayAsync(stream: false);

    [Benchmark]
    public Task<int> ReverseProxy() => _stack.ProxyAsync(stream: false);
}

/// <summary>One streamed completion of 200 chunks read to the end; see <see cref="GatewayCompletionBenchmarks"/>.</summary>
[MemoryDiagnoser]
public class GatewayStreamingBenchmarks
{
    private GatewayStack _stack = null!;

    [GlobalSetup]
    public void Setup() => _stack = GatewayStack.Start(connections: 1);

    [GlobalCleanup]
    public void Cleanup() => _stack.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Baseline = true)]
    public Task<int> RouterInProcess() => _stack.DirectAsync(stream: true);

    [Benchmark]
    public Task<int> GatewayEndpoint() => _stack.GatewayAsync(stream: true);

    [Benchmark]
    public Task<int> ReverseProxy() => _stack.ProxyAsync(stream: true);
}
