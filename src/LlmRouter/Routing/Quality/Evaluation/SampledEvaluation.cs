using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.AI.Evaluation;
using Microsoft.Extensions.Logging;

namespace LlmRouter;

/// <summary>
/// Sampled evaluation (<see cref="RouteOptions.Evaluation"/>): after a response of a route that evaluates (a stream once it
/// completed, combined as <c>ToChatResponse</c> combines updates), a
/// draw decides whether it is queued; a background worker per route evaluates its queue with the model's
/// <see cref="IEvaluator"/>, the judge calling the router through the route's <see cref="EvaluationOptions.JudgeRoute"/>, and
/// records the normalized score with <see cref="IRouterFeedback"/>. Requests never wait for it: a full queue drops the sample.
/// </summary>
/// <remarks>Thread-safe. Disposing stops the workers; samples still queued are dropped.</remarks>
internal sealed class SampledEvaluation : IDisposable
{
    private readonly IChatClient _router;
    private readonly RouterModelHost _models;
    private readonly IRouterFeedback _feedback;
    private readonly ILogger _logger;
    private readonly Counter<long> _evaluations;
    private readonly ConcurrentDictionary<string, Channel<Sample>> _queues = new(StringComparer.OrdinalIgnoreCase);
    private readonly CancellationTokenSource _stopping = new();

    public SampledEvaluation(IChatClient router, RouterModelHost models, IRouterFeedback feedback, ILogger logger, Meter meter)
    {
        _router = router;
        _models = models;
        _feedback = feedback;
        _logger = logger;
        _evaluations = meter.CreateCounter<long>(TelemetryConstants.Router.EvaluationsMetric, "{evaluation}", "Sampled responses by outcome: scored, dropped (queue full), failed.");
    }

    /// <summary>Returns a task that completes with the call's response after the response has been offered for sampling.</summary>
    public async Task<ChatResponse> ObserveAsync(Task<ChatResponse> call, IEnumerable<ChatMessage> messages)
    {
        ChatResponse response = await call.ConfigureAwait(false);
        Offer(messages, response);
        return response;
    }

    /// <summary>
    /// Passes a stream through unchanged, keeping its updates; once it has completed, the route that served it (said on its
    /// final update) draws, and a sampled stream is combined into one response and queued. A stream that fails or that the
    /// caller abandons is not sampled.
    /// </summary>
    public async IAsyncEnumerable<ChatResponseUpdate> ObserveStreamAsync(IAsyncEnumerable<ChatResponseUpdate> stream, IEnumerable<ChatMessage> messages)
    {
        List<ChatResponseUpdate> updates = [];
        string? routeName = null;
        await foreach (ChatResponseUpdate update in stream.ConfigureAwait(false))
        {
            updates.Add(update);
            if (update.AdditionalProperties?.TryGetValue(LlmRouterProperties.Route, out object? served) == true && served is string name)
            {
                routeName = name;
            }

            yield return update;
        }

        if (routeName is not null && Draw(routeName) is { } options)
        {
            Queue(messages, updates.ToChatResponse(), routeName, options);
        }
    }

    /// <summary>Queues the response for evaluation when its route evaluates and the draw says so; never blocks.</summary>
    public void Offer(IEnumerable<ChatMessage> messages, ChatResponse response)
    {
        if (response.AdditionalProperties is not { } properties || !properties.TryGetValue(LlmRouterProperties.Route, out object? served) || served is not string routeName)
        {
            return;
        }

        if (Draw(routeName) is { } options)
        {
            Queue(messages, response, routeName, options);
        }
    }

    /// <summary>The evaluation settings of <paramref name="routeName"/> when it evaluates and this response is drawn; otherwise <see langword="null"/>.</summary>
    private EvaluationOptions? Draw(string routeName)
    {
        RouterModel model = _models.Current;
        return model.FindRoute(routeName)?.Evaluation is { SampleRate: > 0 } options && model.Random() < options.SampleRate && !_stopping.IsCancellationRequested
            ? options
            : null;
    }

    private void Queue(IEnumerable<ChatMessage> messages, ChatResponse response, string routeName, EvaluationOptions options)
    {
        Channel<Sample> queue = _queues.GetOrAdd(routeName, static (_, state) => state.Self.Start(state.Capacity), (Self: this, Capacity: options.QueueCapacity));
        bool queued = queue.Writer.TryWrite(new Sample([.. messages], response, routeName));
        if (!queued)
        {
            _evaluations.Add(1, new KeyValuePair<string, object?>(TelemetryConstants.Router.Route, routeName), new KeyValuePair<string, object?>(TelemetryConstants.Router.EvaluationOutcome, "dropped"));
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        foreach (Channel<Sample> queue in _queues.Values)
        {
            queue.Writer.TryComplete();
        }

        _stopping.Dispose();
    }

    private Channel<Sample> Start(int capacity)
    {
        var queue = Channel.CreateBounded<Sample>(new BoundedChannelOptions(capacity)
        {
            // TryWrite never waits; in Wait mode it says when the queue is full (DropWrite would report a dropped item as written).
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        CancellationToken stopping = _stopping.Token;
        _ = Task.Run(() => WorkAsync(queue.Reader, stopping), CancellationToken.None);
        return queue;
    }

    private async Task WorkAsync(ChannelReader<Sample> queue, CancellationToken stopping)
    {
        try
        {
            while (await queue.WaitToReadAsync(stopping).ConfigureAwait(false))
            {
                while (queue.TryRead(out Sample? sample))
                {
                    await EvaluateAsync(sample, stopping).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The router was disposed: what is still queued is dropped.
        }
    }

    private async Task EvaluateAsync(Sample sample, CancellationToken stopping)
    {
        RouterModel model = _models.Current;
        if (model.FindRoute(sample.Route)?.Evaluation is not { } options || options.JudgeRoute is not { } judgeRoute)
        {
            return;
        }

        string outcome = "failed";
        try
        {
            using var judge = new JudgeRouteChatClient(_router, judgeRoute);
            EvaluationResult result = await model.Evaluator.EvaluateAsync(sample.Messages, sample.Response, new ChatConfiguration(judge), additionalContext: null, stopping)
                .ConfigureAwait(false);
            if (Score(result, options) is { } score)
            {
                _feedback.Record(sample.Response, score);
                outcome = "scored";
            }
            else
            {
                Log.EvaluationUnscored(_logger, sample.Route, options.Metric ?? "(first numeric)");
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception exception)
        {
            // An evaluation that fails costs a sample, never a request.
            Log.EvaluationFailed(_logger, sample.Route, exception);
        }

        _evaluations.Add(1, new KeyValuePair<string, object?>(TelemetryConstants.Router.Route, sample.Route), new KeyValuePair<string, object?>(TelemetryConstants.Router.EvaluationOutcome, outcome));
    }

    /// <summary>Reads the score off the result and maps it onto 0 to 1 by the route's scale; <see langword="null"/> when there is none.</summary>
    private static double? Score(EvaluationResult result, EvaluationOptions options)
    {
        double? value = null;
        if (options.Metric is { } name)
        {
            value = result.Metrics.TryGetValue(name, out EvaluationMetric? metric) ? (metric as NumericMetric)?.Value : null;
        }
        else
        {
            foreach (EvaluationMetric metric in result.Metrics.Values)
            {
                if (metric is NumericMetric { Value: { } found })
                {
                    value = found;
                    break;
                }
            }
        }

        return value is { } raw && double.IsFinite(raw) ? Math.Clamp((raw - options.MinScore) / (options.MaxScore - options.MinScore), 0, 1) : null;
    }

    private sealed record Sample(List<ChatMessage> Messages, ChatResponse Response, string Route);

    /// <summary>The judge's chat client: the router, with every call sent to the judge route.</summary>
    private sealed class JudgeRouteChatClient(IChatClient router, string route) : DelegatingChatClient(router)
    {
        public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            base.GetResponseAsync(messages, WithRoute(options), cancellationToken);

        public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            base.GetStreamingResponseAsync(messages, WithRoute(options), cancellationToken);

        // The router is not the judge's to dispose.
        protected override void Dispose(bool disposing)
        {
        }

        private ChatOptions WithRoute(ChatOptions? options)
        {
            ChatOptions routed = options?.Clone() ?? new ChatOptions();
            routed.ModelId = route;
            return routed;
        }
    }
}
