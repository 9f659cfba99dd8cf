using System.Net;
using LlmRouter.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace LlmRouter.Tests.Composition;

/// <summary>Per-deployment pipelines: <see cref="LlmRouterBuilder.ConfigureDeploymentClients"/>.</summary>
public class DeploymentPipelineTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ConfigureDeploymentClients_Steps_SeeEachAttemptWithTheOptionsTheDeploymentReceives(bool streaming)
    {
        var primary = new ScriptedChatClient().Enqueue(ScriptedOutcome.Failure(HttpStatusCode.ServiceUnavailable));
        var backup = new ScriptedChatClient { DefaultOutcome = ScriptedOutcome.Text("from backup") };
        var seen = new List<(string Step, string Deployment, string? Model, bool RouterProperties)>();
        IChatClient router = new LlmRouterBuilder()
            .WithoutRetries()
            .AddDeployment("primary", primary, d => d.Model = "big")
            .AddDeployment("backup", backup, d => d.Model = "small")
            .ConfigureDeploymentClients((deployment, pipeline) => pipeline.Use(inner => new RecordingStep("outer", deployment.Name, inner, seen)))
            .ConfigureDeploymentClients((deployment, pipeline) => pipeline.Use(inner => new RecordingStep("inner", deployment.Name, inner, seen)))
            .Build();
        var options = new ChatOptions { AdditionalProperties = new() { [LlmRouterRequestProperties.Caller] = "team-a" } };

        ChatResponse response = await router.CallAsync(streaming, options);

        Assert.Equal("from backup", response.Text);
        Assert.Equal(
            [("outer", "primary", "big", false), ("inner", "primary", "big", false), ("outer", "backup", "small", false), ("inner", "backup", "small", false)],
            seen);
        Assert.Equal("backup", response.Property(LlmRouterProperties.Deployment));
        Assert.Equal(2, response.Property(LlmRouterProperties.Attempts));
    }

    [Fact]
    public void ConfigureDeploymentClients_Callback_GetsWhatTheDeploymentIs()
    {
        var infos = new List<DeploymentInfo>();
        using IChatClient router = new LlmRouterBuilder()
            .AddDeployment("eu-model", new ScriptedChatClient("vendor", "m"), d =>
            {
                d.Model = "mistral-large";
                d.Tags = ["eu", "zero-retention"];
                d.Region = "eu-west-1";
                d.Trusted = true;
            })
            .AddDeployment("default-model", new ScriptedChatClient("openai", "gpt-4o-mini"))
            .ConfigureDeploymentClients((deployment, _) => infos.Add(deployment))
            .Build();

        DeploymentInfo eu = infos[0];
        Assert.Equal(("eu-model", "vendor", "mistral-large", "eu-west-1", true), (eu.Name, eu.Provider, eu.Model, eu.Region, eu.Trusted));
        Assert.True(eu.Tags.SetEquals(["EU", "zero-retention"]));
        DeploymentInfo other = infos[1];
        Assert.Equal(("default-model", "openai", "gpt-4o-mini", null, false), (other.Name, other.Provider, other.Model, other.Region, other.Trusted));
        Assert.Empty(other.Tags);
        Assert.Equal("eu-model (vendor, mistral-large)", eu.ToString());
    }

    [Fact]
    public void ConfigureDeploymentClients_NoStepAdded_TheRouterCallsTheClientItself()
    {
        var client = new ScriptedChatClient();
        var router = (LlmRouterClient)new LlmRouterBuilder()
            .AddDeployment("a", client)
            .ConfigureDeploymentClients((_, _) => { })
            .Build();

        Deployment deployment = router.Model.FindDeployment("a")!;
        Assert.Same(client, deployment.Client);
        Assert.Same(client, deployment.Source);
    }

    [Fact]
    public void Dispose_Router_DisposesEveryStepAndEachSharedClientOnce()
    {
        var shared = new DisposeCountingClient();
        var steps = new List<DisposeCountingStep>();
        IChatClient router = new LlmRouterBuilder()
            .AddDeployment("a", shared)
            .AddDeployment("b", shared)
            .ConfigureDeploymentClients((_, pipeline) => pipeline.Use(inner =>
            {
                var step = new DisposeCountingStep(inner);
                steps.Add(step);
                return step;
            }))
            .Build();

        router.Dispose();

        Assert.Equal(2, steps.Count);
        Assert.All(steps, s => Assert.Equal(1, s.Disposals));
        Assert.Equal(1, shared.Disposals);
    }

    [Fact]
    public void Build_CallbackThrows_DisposesThePipelinesBuiltSoFarAndPropagates()
    {
        var steps = new List<DisposeCountingStep>();
        var client = new DisposeCountingClient();
        LlmRouterBuilder builder = new LlmRouterBuilder()
            .AddDeployment("a", client)
            .AddDeployment("b", client)
            .ConfigureDeploymentClients((deployment, pipeline) =>
            {
                if (deployment.Name == "b")
                {
                    throw new InvalidOperationException("no step for b");
                }

                pipeline.Use(inner =>
                {
                    var step = new DisposeCountingStep(inner);
                    steps.Add(step);
                    return step;
                });
            });

        InvalidOperationException exception = Assert.Throws<InvalidOperationException>(() => builder.Build());

        Assert.Equal("no step for b", exception.Message);
        Assert.Equal(1, Assert.Single(steps).Disposals);
        Assert.Equal(0, client.Disposals);
    }

    [Fact]
    public void Build_InvalidConfiguration_BuildsNoPipeline()
    {
        int built = 0;
        LlmRouterBuilder builder = new LlmRouterBuilder()
            .AddDeployment("a", new ScriptedChatClient())
            .AddRoute("r", r => r.Deployments = ["missing"])
            .ConfigureDeploymentClients((_, _) => built++);

        Assert.Throws<LlmRouterConfigurationException>(() => builder.Build());
        Assert.Equal(0, built);
    }

    [Fact]
    public async Task AddLlmRouter_ConfiguredDeployments_StepsResolveServicesAndAreRebuiltOnReload()
    {
        var values = new Dictionary<string, string?>
        {
            ["LlmRouter:Providers:local:Type"] = "OpenAICompatible",
            ["LlmRouter:Providers:local:Endpoint"] = "http://127.0.0.1:9/v1",
            ["LlmRouter:Deployments:llama:Provider"] = "local",
            ["LlmRouter:Deployments:llama:Model"] = "llama3.2",
            ["LlmRouter:Deployments:llama:Region"] = "eu",
            ["LlmRouter:Routes:main:Deployments:0"] = "custom",
        };
        var configuration = ReloadableConfiguration.Create(values);
        var built = new List<(DeploymentInfo Deployment, DisposeCountingStep Step)>();
        var logs = new FakeLogCollector();
        var services = new ServiceCollection();
        services.AddSingleton<ILoggerFactory>(new LoggerFactory([new FakeLoggerProvider(logs)]));
        services.AddLlmRouter(configuration.Section, (_, router) => router
            .AddDeployment("custom", new ScriptedChatClient { DefaultOutcome = ScriptedOutcome.Text("custom") })
            .ConfigureDeploymentClients((deployment, pipeline) => pipeline
                .UseLogging()
                .Use(inner =>
                {
                    var step = new DisposeCountingStep(inner);
                    lock (built)
                    {
                        built.Add((deployment, step));
                    }

                    return step;
                })));
        await using ServiceProvider provider = services.BuildServiceProvider();
        IChatClient chat = provider.GetRequiredService<IChatClient>();

        Assert.Equal("custom", (await chat.GetResponseAsync(RouterCalls.Hello)).Text);
        Assert.Equal(["llama", "custom"], built.Select(b => b.Deployment.Name));
        Assert.Equal("eu", built[0].Deployment.Region);
        Assert.Contains(logs.GetSnapshot(), r => r.Category == typeof(LoggingChatClient).FullName);

        values["LlmRouter:Deployments:llama:Model"] = "llama3.3";
        configuration.Replace(values);

        Assert.Equal(4, built.Count);
        Assert.Equal("llama3.3", built[2].Deployment.Model);

        // No request was in flight on the replaced model, so its pipelines went at once; the new ones are live.
        Assert.All(built.Take(2), b => Assert.Equal(1, b.Step.Disposals));
        Assert.All(built.Skip(2), b => Assert.Equal(0, b.Step.Disposals));
        Assert.Equal("custom", (await chat.GetResponseAsync(RouterCalls.Hello)).Text);
    }

    /// <summary>Notes each call it passes on: which step, which deployment, the model sent, and whether router properties leaked.</summary>
    private sealed class RecordingStep(string step, string deployment, IChatClient inner, List<(string, string, string?, bool)> seen) : DelegatingChatClient(inner)
    {
        public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Record(options);
            return base.GetResponseAsync(messages, options, cancellationToken);
        }

        public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Record(options);
            return base.GetStreamingResponseAsync(messages, options, cancellationToken);
        }

        private void Record(ChatOptions? options)
        {
            bool routerProperties = options?.AdditionalProperties?.Keys.Any(k => k.StartsWith("llmrouter.", StringComparison.OrdinalIgnoreCase)) == true;
            lock (seen)
            {
                seen.Add((step, deployment, options?.ModelId, routerProperties));
            }
        }
    }

    private sealed class DisposeCountingStep(IChatClient inner) : DelegatingChatClient(inner)
    {
        public int Disposals { get; private set; }

        protected override void Dispose(bool disposing)
        {
            Disposals++;
            base.Dispose(disposing);
        }
    }

    private sealed class DisposeCountingClient : IChatClient
    {
        public int Disposals { get; private set; }

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok")));

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose() => Disposals++;
    }
}
