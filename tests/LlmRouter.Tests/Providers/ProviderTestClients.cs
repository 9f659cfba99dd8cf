using Microsoft.Extensions.AI;

namespace LlmRouter.Tests.Providers;

/// <summary>Creates provider clients against a loopback server, with a distinctive fake key and a fixed clock.</summary>
internal static class ProviderTestClients
{
    /// <summary>A key distinctive enough that finding it anywhere in an exception is certainly a leak.</summary>
    public const string ApiKey = "sk-test-LEAKCHECK-7f3a9c1e5b2d4086";

    public static readonly DateTimeOffset Now = new(2026, 1, 15, 12, 0, 0, TimeSpan.Zero);

    public static IChatClient Create(string type, Uri endpoint, string? model = "test-model", string? apiVersion = null, int? defaultMaxOutputTokens = null) =>
        ProviderClientFactory.Create(
            new ProviderOptions { Type = type, Endpoint = endpoint, ApiKey = ApiKey, ApiVersion = apiVersion, DefaultMaxOutputTokens = defaultMaxOutputTokens },
            model,
            httpClient: null,
            factory: null,
            clientName: null,
            new FixedTimeProvider(Now),
            static _ => null);

    /// <summary>Creates a client for <paramref name="options"/> (no environment variables), over <paramref name="httpClient"/> when given.</summary>
    public static IChatClient Create(ProviderOptions options, string? model = "test-model", HttpClient? httpClient = null) =>
        ProviderClientFactory.Create(options, model, httpClient, factory: null, clientName: null, new FixedTimeProvider(Now), static _ => null);

    /// <summary>The endpoint a client of <paramref name="type"/> is given for a server at <paramref name="baseUri"/>.</summary>
    public static Uri EndpointFor(string type, Uri baseUri) => type switch
    {
        ProviderTypes.Anthropic => baseUri,
        ProviderTypes.Gemini => new Uri(baseUri, "/v1beta"),
        _ => new Uri(baseUri, "/v1"),
    };

    /// <summary>A token that cancels a test that would otherwise hang; tests never wait on time for anything else.</summary>
    public static CancellationToken Guard() => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    public static async Task<List<ChatResponseUpdate>> ReadAllAsync(IAsyncEnumerable<ChatResponseUpdate> stream)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (ChatResponseUpdate update in stream)
        {
            updates.Add(update);
        }

        return updates;
    }

    /// <summary>Calls the client streaming or not, and returns the response either way (streamed updates are combined).</summary>
    public static async Task<ChatResponse> CallAsync(IChatClient client, bool streaming, IEnumerable<ChatMessage> messages, ChatOptions? options = null)
    {
        CancellationToken guard = Guard();
        return streaming
            ? (await ReadAllAsync(client.GetStreamingResponseAsync(messages, options, guard))).ToChatResponse()
            : await client.GetResponseAsync(messages, options, guard);
    }

    public static ChatMessage[] Hello { get; } = [new(ChatRole.User, "Hello")];
}

/// <summary>A clock stopped at one instant, for Retry-After dates.</summary>
internal sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
