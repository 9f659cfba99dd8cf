using System.Diagnostics;
using System.Text;
using LlmRouter.Tests.Configuration;
using LlmRouter.Tests.Providers;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace LlmRouter.Tests.Telemetry;

/// <summary>
/// A distinctive fake key in provider configuration never appears in a log line, a span (name, tags, status, events),
/// a metric tag or an exception, whatever happens: success, fallback, and every failure the provider can answer with —
/// with content capture and Trace logging on, and a provider that echoes the key back in its error messages.
/// </summary>
public class ApiKeyLeakTests
{
    private const string Key = ProviderTestClients.ApiKey;

    public static TheoryData<string, string, bool> Scenarios()
    {
        var data = new TheoryData<string, string, bool>();
        foreach (string type in new[] { ProviderTypes.OpenAICompatible, ProviderTypes.Anthropic, ProviderTypes.Gemini })
        {
            foreach (string scenario in new[] { "unauthorized", "forbidden", "rate-limited", "server-error", "bad-request", "malformed", "cut-short", "all-fail" })
            {
                data.Add(type, scenario, false);
                data.Add(type, scenario, true);
            }
        }

        data.Add(ProviderTypes.OpenAICompatible, "success", false);
        data.Add(ProviderTypes.OpenAICompatible, "success", true);
        return data;
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task Call_AnyOutcome_KeyAppearsNowhere(string type, string scenario, bool streaming)
    {
        await using LoopbackServer primaryServer = await LoopbackServer.StartAsync();
        await using LoopbackServer backupServer = await LoopbackServer.StartAsync();
        IConfiguration section = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LlmRouter:Providers:primary:Type"] = type,
            ["LlmRouter:Providers:primary:Endpoint"] = primaryServer.BaseUri + (type == ProviderTypes.Gemini ? "v1beta" : type == ProviderTypes.Anthropic ? string.Empty : "v1"),
            ["LlmRouter:Providers:primary:ApiKey"] = Key,
            ["LlmRouter:Providers:backup:Type"] = ProviderTypes.OpenAICompatible,
            ["LlmRouter:Providers:backup:Endpoint"] = backupServer.BaseUri + "v1",
            ["LlmRouter:Providers:backup:ApiKey"] = Key,
            ["LlmRouter:Deployments:first:Provider"] = "primary",
            ["LlmRouter:Deployments:first:Model"] = "model-a",
            ["LlmRouter:Deployments:second:Provider"] = "backup",
            ["LlmRouter:Deployments:second:Model"] = "model-b",
            ["LlmRouter:Routes:main:Deployments:0"] = scenario == "success" ? "second" : "first",
            ["LlmRouter:Routes:main:Deployments:1"] = scenario == "success" ? "first" : "second",
            ["LlmRouter:Retry:MaxAttempts"] = "1",
            ["LlmRouter:Telemetry:EnableSensitiveData"] = "true",
        }).Build().GetSection("LlmRouter");
        IServiceProvider services = new ServiceCollection().AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddFakeLogging()).BuildServiceProvider();
        FakeLogCollector logs = services.GetFakeLogCollector();
        using LlmRouterClient router = ConfigurationReaderTests.Build(section, services: services);
        using var capture = new TelemetryCapture(router);

        if (scenario != "success")
        {
            primaryServer.Enqueue(Failure(type, scenario));
        }

        if (scenario == "all-fail")
        {
            backupServer.Enqueue(Failure(ProviderTypes.OpenAICompatible, "unauthorized"));
        }
        else
        {
            backupServer.Enqueue(Success(streaming));
        }

        Exception? thrown = null;
        string answer = string.Empty;
        try
        {
            answer = (await router.CallAsync(streaming, cancellationToken: ProviderTestClients.Guard())).Text;
        }
#pragma warning disable CA1031 // Every outcome is inspected, failures included.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            thrown = exception;
        }

        Assert.True(primaryServer.Requests.Count + backupServer.Requests.Count > 0);
        var everything = new StringBuilder(answer);
        everything.AppendLine(thrown?.ToString());
        foreach (FakeLogRecord entry in logs.GetSnapshot())
        {
            everything.AppendLine(entry.Message).AppendLine(entry.Exception?.ToString());
        }

        foreach (Activity span in capture.Spans)
        {
            everything.AppendLine(span.DisplayName).AppendLine(span.StatusDescription);
            foreach (KeyValuePair<string, object?> tag in span.TagObjects)
            {
                everything.AppendLine(tag.Key).AppendLine(tag.Value is string[] values ? string.Join(",", values) : tag.Value?.ToString());
            }

            foreach (ActivityEvent activityEvent in span.Events)
            {
                everything.AppendLine(activityEvent.Name);
                foreach (KeyValuePair<string, object?> tag in activityEvent.Tags)
                {
                    everything.AppendLine(tag.Value?.ToString());
                }
            }
        }

        foreach ((string _, IReadOnlyDictionary<string, object?> tags) in capture.Measurements)
        {
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                everything.AppendLine(tag.Key).AppendLine(tag.Value?.ToString());
            }
        }

        Assert.NotEmpty(capture.Spans);
        Assert.NotEmpty(logs.GetSnapshot());
        Assert.DoesNotContain(Key, everything.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("LEAKCHECK", everything.ToString(), StringComparison.Ordinal);
    }

    private static ScriptedResponse Success(bool streaming) => streaming
        ? new ScriptedResponse
        {
            ContentType = "text/event-stream",
            Events =
            [
                Sse.Data("""{"id":"c1","model":"model-b","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"}}]}"""),
                Sse.Data("""{"id":"c1","model":"model-b","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1}}"""),
                Sse.Done,
            ],
        }
        : new ScriptedResponse
        {
            Body = """{"id":"c1","model":"model-b","choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1}}""",
        };

    /// <summary>A failure whose body repeats the key, as some providers do for an invalid key.</summary>
    private static ScriptedResponse Failure(string type, string scenario)
    {
        (int status, string kind) = scenario switch
        {
            "unauthorized" or "all-fail" => (401, "authentication_error"),
            "forbidden" => (403, "permission_error"),
            "rate-limited" => (429, "rate_limit_error"),
            "server-error" => (500, "api_error"),
            "bad-request" => (400, "invalid_request_error"),
            _ => (200, string.Empty),
        };
        string message = $"Incorrect API key provided: {Key}. Header was Bearer {Key}.";
        if (scenario == "malformed")
        {
            return new ScriptedResponse { Body = "{\"id\": \"" + Key + "\", \"choices\": [" };
        }

        if (scenario == "cut-short")
        {
            return new ScriptedResponse { Body = "{\"id\":\"" + Key + "\",", AbortAfterBody = true };
        }

        string body = type switch
        {
            ProviderTypes.Anthropic => $$$"""{"type":"error","error":{"type":"{{{kind}}}","message":"{{{message}}}"}}""",
            ProviderTypes.Gemini => $$$"""{"error":{"code":{{{status}}},"message":"{{{message}}}","status":"{{{kind}}}"}}""",
            _ => $$$"""{"error":{"message":"{{{message}}}","type":"{{{kind}}}","code":"{{{Key}}}"}}""",
        };
        return new ScriptedResponse { Status = status, Body = body, Headers = [("x-request-id", Key)] };
    }
}
