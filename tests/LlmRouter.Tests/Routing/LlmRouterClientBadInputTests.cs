using System.Text.Json;
using LlmRouter.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace LlmRouter.Tests.Routing;

/// <summary>One caller's bad input stops its own request with a message that says what is wrong, and never opens a circuit.</summary>
public class LlmRouterClientBadInputTests
{
    private static readonly FakeTimeProvider Clock = new();

    private static (IChatClient Router, ScriptedChatClient Primary, ScriptedChatClient Backup) Router(Exception thrownOnBadInput)
    {
        // Clients that fail on the bad request the way SDK clients do (a NullReferenceException deep inside, a serializer's
        // complaint) and answer every valid one.
        var primary = new ScriptedChatClient("p", timeProvider: Clock) { DefaultOutcome = ScriptedOutcome.Text("primary") };
        var backup = new ScriptedChatClient("b", timeProvider: Clock) { DefaultOutcome = ScriptedOutcome.Text("backup") };
        IChatClient router = new LlmRouterBuilder()
            .UseTimeProvider(Clock)
            .WithoutTimeouts()
            .ConfigureCircuitBreaker(b => b.MinimumThroughput = 2)
            .AddDeployment("primary", new FailingOnBadInput(primary, thrownOnBadInput))
            .AddDeployment("backup", new FailingOnBadInput(backup, thrownOnBadInput))
            .Build();
        return (router, primary, backup);
    }

    public static TheoryData<string, Func<(IList<ChatMessage> Messages, ChatOptions? Options)>, Exception, string> BadRequests => new()
    {
        {
            "null message",
            () => ([new ChatMessage(ChatRole.User, "Hi"), null!], null),
            new NullReferenceException("Object reference not set to an instance of an object."),
            "The request is invalid: message 1 (counting from 0) is null; every message in the list must be a ChatMessage."
        },
        {
            "NaN temperature",
            () => (RouterCalls.Hello, new ChatOptions { Temperature = float.NaN }),
            new ArgumentException(".NET number values such as positive and negative infinity cannot be written as valid JSON."),
            "The request is invalid: ChatOptions.Temperature is NaN; it must be a finite number."
        },
        {
            "deep tool schema",
            () => (RouterCalls.Hello, new ChatOptions { Tools = [AIFunctionFactory.CreateDeclaration("deep", "nested", DeepSchema(2_000))] }),
            new JsonException("CurrentDepth (1000) is equal to or larger than the maximum allowed depth of 1000."),
            "The request is invalid: the tool 'deep' schema is nested deeper than 64 levels, more than a JSON request body can hold."
        },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task BadInput_StopsAtOnceSaysWhatIsWrongAndNeverOpensACircuit(string what, Func<(IList<ChatMessage> Messages, ChatOptions? Options)> request, Exception thrown, string expected)
    {
        (IChatClient router, ScriptedChatClient primary, ScriptedChatClient backup) = Router(thrown);
        (IList<ChatMessage> messages, ChatOptions? options) = request();

        var failures = new List<LlmRouterException>();
        for (int i = 0; i < 20; i++)
        {
            failures.Add(await Assert.ThrowsAsync<LlmRouterException>(() => i % 2 == 0
                ? router.GetResponseAsync(messages, options)
                : router.CallAsync(streaming: true, options, messages: messages)));
        }

        ChatResponse valid = await router.GetResponseAsync(RouterCalls.Hello);

        Assert.All(failures, f => Assert.Equal(ProviderErrorKind.BadRequest, Assert.Single(f.Attempts).Kind));
        Assert.All(failures, f => Assert.Contains(expected, f.Message, StringComparison.Ordinal));
        Assert.DoesNotContain("Object reference", failures[0].Message, StringComparison.Ordinal);
        Assert.Equal(0, backup.CallCount);
        Assert.Equal("primary", valid.Text);
        Assert.Equal(1, primary.CallCount);
        Assert.NotNull(what);
    }

    [Fact]
    public async Task UnrecognisedFailure_MovesOnWithoutRetryAndNeverOpensACircuit()
    {
        var broken = new ScriptedChatClient("x", timeProvider: Clock) { DefaultOutcome = ScriptedOutcome.Throw(new NotSupportedException("This client cannot do that.")) };
        var healthy = new ScriptedChatClient("h", timeProvider: Clock) { DefaultOutcome = ScriptedOutcome.Text("healthy") };
        var router = new LlmRouterBuilder()
            .UseTimeProvider(Clock)
            .WithoutTimeouts()
            .ConfigureCircuitBreaker(b => b.MinimumThroughput = 2)
            .AddDeployment("broken", broken)
            .AddDeployment("healthy", healthy)
            .Build();

        for (int i = 0; i < 20; i++)
        {
            Assert.Equal("healthy", (await router.GetResponseAsync(RouterCalls.Hello)).Text);
        }

        DeploymentHealth health = Assert.Single(router.GetRequiredService<IRouterHealth>().GetDeployments(), d => d.Name == "broken");
        Assert.Equal(CircuitState.Closed, health.Circuit);
        Assert.Equal(20, broken.CallCount);
    }

    private static JsonElement DeepSchema(int depth)
    {
        var json = new System.Text.StringBuilder();
        for (int i = 0; i < depth; i++)
        {
            json.Append("{\"type\":\"object\",\"properties\":{\"a\":");
        }

        json.Append("{\"type\":\"string\"}");
        for (int i = 0; i < depth; i++)
        {
            json.Append("}}");
        }

        using JsonDocument document = JsonDocument.Parse(json.ToString(), new JsonDocumentOptions { MaxDepth = (depth * 2) + 4 });
        return document.RootElement.Clone();
    }

    /// <summary>A client that throws <paramref name="thrown"/> for a request no provider could be sent, like an SDK's serializer does.</summary>
    private sealed class FailingOnBadInput(IChatClient inner, Exception thrown) : DelegatingChatClient(inner)
    {
        public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            RequestProblems.Find(messages, options) is null ? base.GetResponseAsync(messages, options, cancellationToken) : Task.FromException<ChatResponse>(thrown);

        public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            RequestProblems.Find(messages, options) is null ? base.GetStreamingResponseAsync(messages, options, cancellationToken) : Throwing();

        private async IAsyncEnumerable<ChatResponseUpdate> Throwing()
        {
            await Task.Yield();
            throw thrown;
#pragma warning disable CS0162 // Unreachable: an iterator needs a yield.
            yield break;
#pragma warning restore CS0162
        }
    }
}
