using LlmRouter.Testing;
using Microsoft.Extensions.AI;

namespace LlmRouter.Tests;

/// <summary>
/// Real routing models and requests for unit tests of the router's parts (cursor, dispatch, health, model host, properties,
/// attempt engine), built the way the router builds them but driven by hand.
/// </summary>
internal static class RoutingUnits
{
    /// <summary>Adds a deployment answering "ok" whose model id is <c>{name}-model</c> unless <paramref name="configure"/> sets another.</summary>
    public static LlmRouterBuilder AddUnit(this LlmRouterBuilder builder, string name, Action<DeploymentOptions>? configure = null, string provider = "scripted") =>
        builder.AddDeployment(name, new ScriptedChatClient(provider) { DefaultOutcome = ScriptedOutcome.Text("ok") }, d =>
        {
            d.Model = name + "-model";
            configure?.Invoke(d);
        });

    /// <summary>Adds one deployment per name, as <see cref="AddUnit"/> does.</summary>
    public static LlmRouterBuilder AddUnits(this LlmRouterBuilder builder, params string[] names)
    {
        foreach (string name in names)
        {
            builder.AddUnit(name);
        }

        return builder;
    }

    /// <summary>Builds the routing model alone, as the router would for its first configuration.</summary>
    public static RouterModel Model(this LlmRouterBuilder builder) => builder.BuildModel(previous: null);

    public static Deployment Deployment(this RouterModel model, string name) =>
        model.FindDeployment(name) ?? throw new ArgumentException($"The model has no deployment '{name}'.", nameof(name));

    /// <summary>Begins a request to <paramref name="route"/> (the default route when <see langword="null"/>) on a fresh request object.</summary>
    public static RouterRequest Begin(
        this RouterModel model, string? route = null, ChatOptions? options = null, IEnumerable<ChatMessage>? messages = null, long? now = null, bool streaming = false)
    {
        var request = new RouterRequest();
        request.Begin(model, model.ResolveRoute(route), messages ?? RouterCalls.Hello, options, now ?? model.Time.GetTimestamp(), streaming);
        return request;
    }

    /// <summary>Options that carry the given <c>llmrouter.*</c> (or other) request properties.</summary>
    public static ChatOptions With(params (string Key, object? Value)[] properties)
    {
        var options = new ChatOptions { AdditionalProperties = [] };
        foreach ((string key, object? value) in properties)
        {
            options.AdditionalProperties[key] = value;
        }

        return options;
    }

    /// <summary>
    /// Walks the request's candidates to the end and returns each as <c>deployment@route</c>, giving back what admitting it
    /// took (a queued candidate holds nothing and is marked <c>+queue</c>).
    /// </summary>
    public static List<string> Walk(this RouterRequest request, long now)
    {
        var walked = new List<string>();
        while (request.Cursor.TryNext(now, out Candidate candidate))
        {
            walked.Add($"{candidate.Deployment.Name}@{candidate.Route.Name}{(candidate.NeedsSlot ? "+queue" : string.Empty)}");
            candidate.Lease.Abandon();
        }

        return walked;
    }

    /// <summary>Opens <paramref name="deployment"/>'s circuit at <paramref name="now"/> (its breaker must open on one failure).</summary>
    public static void OpenCircuit(this Deployment deployment, long now)
    {
        CircuitBreaker breaker = deployment.State.Breaker ?? throw new InvalidOperationException($"Deployment '{deployment.Name}' has no circuit breaker.");
        Assert.True(breaker.OnFailure(now, probe: false), $"The circuit of '{deployment.Name}' did not open on one failure; set MinimumThroughput = 1.");
    }

    /// <summary>A circuit breaker that opens on the first failure and stays open <paramref name="breakSeconds"/>.</summary>
    public static LlmRouterBuilder BreakOnFirstFailure(this LlmRouterBuilder builder, int breakSeconds = 15, AllCircuitsOpenBehavior whenAllOpen = AllCircuitsOpenBehavior.FailFast) =>
        builder.ConfigureCircuitBreaker(c =>
        {
            c.MinimumThroughput = 1;
            c.FailureRatio = 0.5;
            c.BreakDuration = TimeSpan.FromSeconds(breakSeconds);
            c.WhenAllOpen = whenAllOpen;
        });

    /// <summary>Timestamps of <paramref name="time"/>'s clock for a duration.</summary>
    public static long Ticks(this TimeProvider time, TimeSpan duration) => Timestamps.FromTimeSpan(duration, time.TimestampFrequency);

    /// <summary>Estimates every request at a fixed number of input tokens, so context-window checks are exact.</summary>
    public sealed class FixedEstimator(int tokens) : ITokenEstimator
    {
        public string Name => "fixed";

        public int EstimateInputTokens(IEnumerable<ChatMessage> messages, ChatOptions? options) => tokens;
    }

    /// <summary>Scores every request the same, so tier dispatch is exact.</summary>
    public sealed class FixedScorer(int score, ComplexityTier tier, string name = "fixed") : IComplexityScorer
    {
        public string Name => name;

        public int Calls { get; private set; }

        public ComplexityScore Score(IEnumerable<ChatMessage> messages, ChatOptions? options)
        {
            Calls++;
            return new ComplexityScore(score, tier);
        }
    }

    /// <summary>Uniform numbers played back in order, for draws whose outcome the test states exactly.</summary>
    public sealed class Sequence(params double[] values)
    {
        private int _next;

        public double Next() => values[_next++ % values.Length];
    }

    /// <summary>A client that counts how often it is disposed; answers "ok".</summary>
    public sealed class CountingClient(string provider = "counting") : IChatClient
    {
        private readonly ChatClientMetadata _metadata = new(provider, providerUri: null, defaultModelId: provider + "-model");
        private int _disposals;

        public int Disposals => Volatile.Read(ref _disposals);

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok")));

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceKey is null && serviceType == typeof(ChatClientMetadata) ? _metadata : null;

        public void Dispose() => Interlocked.Increment(ref _disposals);
    }

    /// <summary>A pipeline step that counts how often it is disposed (and disposes its inner client, as any step does).</summary>
    public sealed class CountingStep(IChatClient inner) : DelegatingChatClient(inner)
    {
        private int _disposals;

        public int Disposals => Volatile.Read(ref _disposals);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                Interlocked.Increment(ref _disposals);
            }

            base.Dispose(disposing);
        }
    }
}
