using System.ClientModel;
using System.ClientModel.Primitives;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;
using OpenAI;
using Sdk = OpenAI.Chat;

namespace LlmRouter.Benchmarks;

/// <summary>
/// One chat completion over loopback HTTP: the official OpenAI SDK's <c>ChatClient</c> (baseline) against our
/// OpenAI-compatible client, same server, same payloads, each with its own HTTP client and retries off.
/// </summary>
[MemoryDiagnoser]
public class WireCompletionBenchmarks
{
    private WireClients _clients = null!;

    [GlobalSetup]
    public void Setup() => _clients = WireClients.Create(stream: false);

    [GlobalCleanup]
    public void Cleanup() => _clients.Dispose();

    [Benchmark(Baseline = true)]
    public async Task<int> OfficialSdk()
    {
        ClientResult<Sdk.ChatCompletion> result = await _clients.Sdk.CompleteChatAsync(_clients.SdkMessages).ConfigureAwait(false);
        return result.Value.Content[0].Text.Length;
    }

    [Benchmark]
    public async Task<int> LlmRouter()
    {
        ChatResponse response = await _clients.Ours.GetResponseAsync(_clients.Messages).ConfigureAwait(false);
        return response.Text.Length;
    }
}

/// <summary>One streamed chat completion of 200 text chunks read to the end; see <see cref="WireCompletionBenchmarks"/>.</summary>
[MemoryDiagnoser]
public class WireStreamingBenchmarks
{
    private WireClients _clients = null!;

    [GlobalSetup]
    public void Setup() => _clients = WireClients.Create(stream: true);

    [GlobalCleanup]
    public void Cleanup() => _clients.Dispose();

    [Benchmark(Baseline = true)]
    public async Task<int> OfficialSdk()
    {
        int count = 0;
        await foreach (Sdk.StreamingChatCompletionUpdate update in _clients.Sdk.CompleteChatStreamingAsync(_clients.SdkMessages).ConfigureAwait(false))
        {
            count += update.ContentUpdate.Count;
        }

        return count;
    }

    [Benchmark]
    public async Task<int> LlmRouter()
    {
        int count = 0;
        await foreach (ChatResponseUpdate update in _clients.Ours.GetStreamingResponseAsync(_clients.Messages).ConfigureAwait(false))
        {
            count += update.Contents.Count;
        }

        return count;
    }
}

internal sealed class WireClients : IDisposable
{
    private const string Model = "gpt-4o-mini";
    private const string Key = "sk-benchmark";

    private readonly WireServer _server;
    private readonly HttpClient _sdkHttp;

    private WireClients(WireServer server, HttpClient sdkHttp, Sdk.ChatClient sdk, IChatClient ours)
    {
        _server = server;
        _sdkHttp = sdkHttp;
        Sdk = sdk;
        Ours = ours;
    }

    public Sdk.ChatClient Sdk { get; }

    public IChatClient Ours { get; }

    public Sdk.ChatMessage[] SdkMessages { get; } = [new Sdk.SystemChatMessage("You are a helpful assistant."), new Sdk.UserChatMessage("Describe the image in three sentences.")];

    public ChatMessage[] Messages { get; } = [new(ChatRole.System, "You are a helpful assistant."), new(ChatRole.User, "Describe the image in three sentences.")];

    public static WireClients Create(bool stream)
    {
        WireServer server = WireServer.Start();
        Uri endpoint = stream ? server.StreamEndpoint : server.CompleteEndpoint;
        var sdkHttp = new HttpClient(new SocketsHttpHandler());
        var sdk = new Sdk.ChatClient(Model, new ApiKeyCredential(Key), new OpenAIClientOptions
        {
            Endpoint = endpoint,
            RetryPolicy = new ClientRetryPolicy(0),
            Transport = new HttpClientPipelineTransport(sdkHttp),
        });

        // Our client owns its HTTP client (a SocketsHttpHandler as well), as it does when created from configuration.
        IChatClient ours = ProviderClientFactory.CreateChatClient(new ProviderOptions { Type = ProviderTypes.OpenAI, Endpoint = endpoint, ApiKey = Key }, Model);
        return new WireClients(server, sdkHttp, sdk, ours);
    }

    public void Dispose()
    {
        Ours.Dispose();
        _sdkHttp.Dispose();
        _server.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
