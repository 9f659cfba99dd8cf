using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using static LlmRouter.Tests.Providers.ProviderTestClients;

namespace LlmRouter.Tests.Providers;

/// <summary>
/// A request the client cannot write is the caller's mistake: a <see cref="ProviderException"/> of kind BadRequest that says
/// what is wrong, raised before anything is sent, streaming or not, for every wire format.
/// </summary>
public sealed class UnsendableRequestTests
{
    public static TheoryData<string, bool, string> Cases()
    {
        var data = new TheoryData<string, bool, string>();
        foreach (string type in new[] { ProviderTypes.OpenAI, ProviderTypes.Anthropic, ProviderTypes.Gemini })
        {
            foreach (bool streaming in new[] { false, true })
            {
                foreach (string scenario in Scenarios.Keys)
                {
                    // Anthropic has no frequency penalty, so it sends none.
                    if (!(type == ProviderTypes.Anthropic && scenario == "infinite penalty"))
                    {
                        data.Add(type, streaming, scenario);
                    }
                }
            }
        }

        return data;
    }

    /// <summary>Each scenario: the messages and options of the request, and what the message must say.</summary>
    private static readonly Dictionary<string, (ChatMessage[] Messages, ChatOptions? Options, string Expected)> Scenarios = new()
    {
        ["null message"] = ([new(ChatRole.User, "Hello"), null!, new(ChatRole.User, "again")], null, "message 1 (counting from 0) is null"),
        ["NaN temperature"] = (Hello, new ChatOptions { Temperature = float.NaN }, "ChatOptions.Temperature is NaN; it must be a finite number"),
        ["infinite top-p"] = (Hello, new ChatOptions { TopP = float.PositiveInfinity }, "ChatOptions.TopP is Infinity; it must be a finite number"),
        ["infinite penalty"] = (Hello, new ChatOptions { FrequencyPenalty = float.NegativeInfinity }, "ChatOptions.FrequencyPenalty is -Infinity; it must be a finite number"),
        ["NaN extra property"] = (Hello, new ChatOptions { AdditionalProperties = new() { ["bias"] = double.NaN } }, "ChatOptions.AdditionalProperties[\"bias\"] is NaN"),
        ["deep tool schema"] = (Hello, new ChatOptions { Tools = [AIFunctionFactory.CreateDeclaration("deep", "Too deep.", Nested(2_000))] }, "the tool 'deep' schema is nested deeper than 992 levels"),
        ["deep response schema"] = (Hello, new ChatOptions { ResponseFormat = ChatResponseFormat.ForJsonSchema(Nested(2_000), "deep") }, "the ChatOptions.ResponseFormat schema is nested deeper than 992 levels"),
        ["deep extra property"] = (Hello, new ChatOptions { AdditionalProperties = new() { ["nested"] = NestedList(100) } }, "nested more than 64 levels deep cannot be sent"),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Call_RequestThatCannotBeWritten_ThrowsBadRequestSayingWhyBeforeSending(string type, bool streaming, string scenario)
    {
        (ChatMessage[] messages, ChatOptions? options, string expected) = Scenarios[scenario];
        var handler = new InMemoryHandler(static _ => throw new InvalidOperationException("Nothing may be sent."));
        using var http = new HttpClient(handler);
        using IChatClient client = Create(new ProviderOptions { Type = type, ApiKey = ApiKey }, "model", http);

        Exception? error;
        if (streaming)
        {
            error = await Record.ExceptionAsync(() => ReadAllAsync(client.GetStreamingResponseAsync(messages, options, Guard())));
        }
        else
        {
            // The failure is the task's, as any other failure of the call, not a synchronous throw.
            Task<ChatResponse> call = client.GetResponseAsync(messages, options, Guard());
            error = await Record.ExceptionAsync(() => call);
        }

        ProviderException provider = Assert.IsType<ProviderException>(error);
        Assert.Equal(ProviderErrorKind.BadRequest, provider.Kind);
        Assert.Null(provider.StatusCode);
        Assert.Contains(expected, provider.Message, StringComparison.Ordinal);
        Assert.StartsWith(client.GetService<ChatClientMetadata>()!.ProviderName + ": the request cannot be sent: ", provider.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Object reference", provider.Message, StringComparison.Ordinal);
        Assert.Equal(0, handler.Requests);
    }

    [Fact]
    public async Task GetResponseAsync_MessagesThatThrowWhenEnumerated_ThrowsBadRequestNamingTheFailure()
    {
        var handler = new InMemoryHandler(static _ => throw new InvalidOperationException("Nothing may be sent."));
        using var http = new HttpClient(handler);
        using IChatClient client = Create(new ProviderOptions { Type = ProviderTypes.OpenAI, ApiKey = ApiKey }, "model", http);

        ProviderException error = await Assert.ThrowsAsync<ProviderException>(() => client.GetResponseAsync(Broken(), null, Guard()));

        Assert.Equal(ProviderErrorKind.BadRequest, error.Kind);
        Assert.Contains("writing the request body failed (FormatException: no messages today)", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, handler.Requests);

        static IEnumerable<ChatMessage> Broken()
        {
            yield return new ChatMessage(ChatRole.User, "Hello");
            throw new FormatException("no messages today");
        }
    }

    /// <summary>A JSON object nested <paramref name="depth"/> levels deep: <c>{"a":{"a":…}}</c>.</summary>
    private static JsonElement Nested(int depth)
    {
        var json = new StringBuilder(depth * 6);
        json.Insert(0, "{\"a\":", depth).Append('1').Append('}', depth);
        using JsonDocument document = JsonDocument.Parse(json.ToString(), new JsonDocumentOptions { MaxDepth = depth + 1 });
        return document.RootElement.Clone();
    }

    private static List<object?> NestedList(int depth)
    {
        var root = new List<object?>();
        List<object?> current = root;
        for (int i = 0; i < depth; i++)
        {
            var next = new List<object?>();
            current.Add(next);
            current = next;
        }

        return root;
    }
}
