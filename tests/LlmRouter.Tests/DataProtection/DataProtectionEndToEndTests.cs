using System.Text;
using System.Text.Json;
using LlmRouter.Tests.Configuration;
using LlmRouter.Tests.Providers;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;

namespace LlmRouter.Tests.DataProtection;

/// <summary>
/// Redaction over the wire: a route of an untrusted then a trusted OpenAI-compatible deployment, configured from JSON, each a
/// loopback server whose raw HTTP bodies are asserted on.
/// </summary>
public class DataProtectionEndToEndTests : PrimaryAndBackupServers
{
    private const string Email = "jane.doe@example.com";
    private const string Card = "4111 1111 1111 1111";

    private static readonly ChatMessage[] Sensitive = [new(ChatRole.User, $"Mail the receipt to {Email} and charge {Card}.")];

    private LoopbackServer Cloud => Primary;

    private LoopbackServer Local => Backup;

    private IConfiguration Configuration() => new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes($$"""
        {
          "LlmRouter": {
            "Providers": {
              "cloud": { "Type": "OpenAICompatible", "Endpoint": "{{Cloud.Url("/v1")}}", "ApiKey": "sk-cloud" },
              "local": { "Type": "OpenAICompatible", "Endpoint": "{{Local.Url("/v1")}}" }
            },
            "Deployments": {
              "cloud": { "Provider": "cloud", "Model": "cloud-model", "Region": "us" },
              "local": { "Provider": "local", "Model": "llama3.2", "Region": "eu", "Trusted": true }
            },
            "Routes": {
              "private": { "Deployments": [ "cloud", "local" ], "DataProtection": { "Action": "Redact", "Kinds": [ "Email", "Card" ] } }
            },
            "Retry": { "MaxAttempts": 1 }
          }
        }
        """))).Build().GetSection("LlmRouter");

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Redact_UntrustedThenTrusted_CloudSeesPlaceholdersOnlyCallerGetsOriginalsFallbackSendsOriginals(bool streaming)
    {
        EnqueueAnswer(Cloud, streaming, "Will mail [EMA", "IL_1] and charge [CARD_1].");
        Cloud.EnqueueJson("""{"error":{"message":"overloaded","type":"server_error"}}""", status: 503);
        EnqueueAnswer(Local, streaming, "Done.");
        using LlmRouterClient router = ConfigurationReaderTests.Build(Configuration());

        ChatResponse redacted = await ProviderTestClients.CallAsync(router, streaming, Sensitive);
        ChatResponse fellBack = await ProviderTestClients.CallAsync(router, streaming, Sensitive);

        Assert.Equal($"Will mail {Email} and charge {Card}.", redacted.Text);
        Assert.Equal("Done.", fellBack.Text);
        Assert.Equal(2, Cloud.Requests.Count);
        foreach (RecordedRequest request in Cloud.Requests)
        {
            Assert.DoesNotContain("jane.doe", request.Body, StringComparison.Ordinal);
            Assert.DoesNotContain("4111", request.Body, StringComparison.Ordinal);
            Assert.DoesNotContain("llmrouter", request.Body, StringComparison.Ordinal);
            Assert.Equal("Mail the receipt to [EMAIL_1] and charge [CARD_1].", UserText(request));
        }

        RecordedRequest trusted = Assert.Single(Local.Requests);
        Assert.Equal(Sensitive[0].Text, UserText(trusted));
        Assert.DoesNotContain("llmrouter", trusted.Body, StringComparison.Ordinal);
    }

    private static string UserText(RecordedRequest request) =>
        request.Json.GetProperty("messages")[0].GetProperty("content") is { ValueKind: JsonValueKind.String } content
            ? content.GetString()!
            : string.Concat(request.Json.GetProperty("messages")[0].GetProperty("content").EnumerateArray().Select(p => p.GetProperty("text").GetString()));

    private static void EnqueueAnswer(LoopbackServer server, bool streaming, params string[] chunks)
    {
        if (!streaming)
        {
            string content = JsonSerializer.Serialize(string.Concat(chunks));
            server.EnqueueJson($$$"""{"id":"c1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":{{{content}}}},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":5,"total_tokens":14}}""");
            return;
        }

        var events = new List<string>();
        foreach (string chunk in chunks)
        {
            string content = JsonSerializer.Serialize(chunk);
            events.Add(Sse.Data($$$"""{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":{{{content}}}},"finish_reason":null}]}"""));
        }

        events.Add(Sse.Data("""{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"""));
        events.Add(Sse.Done);
        server.EnqueueEvents(events);
    }
}
