using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using static LlmRouter.TelemetryConstants;

namespace LlmRouter;

/// <summary>
/// One router's spans and metrics, following the OpenTelemetry GenAI conventions: a <c>chat {route}</c> span per request,
/// a <c>chat {model}</c> client span per attempt, <c>gen_ai.client.*</c> metrics per attempt and <c>llmrouter.*</c> metrics per
/// request. Every method returns at once when nothing listens; the router calls them at fixed points of a request.
/// </summary>
/// <remarks>
/// Each router owns its <see cref="ActivitySource"/> and <see cref="Meter"/> (both named <c>LlmRouter</c>) and disposes them
/// with itself, so routers do not share state and the observable instruments report the router's own deployments.
/// Thread-safe.
/// </remarks>
internal sealed class RouterTelemetry : IDisposable
{
    /// <summary>The <c>error.type</c> of a request for which no deployment could be tried.</summary>
    private const string Unavailable = "unavailable";

    /// <summary>The <c>error.type</c> of a request a budget rejected.</summary>
    private const string BudgetExceeded = "budget_exceeded";

    private static readonly object True = true;

    private readonly ActivitySource _source;
    private readonly Meter _meter;
    private readonly Histogram<double> _operationDuration;
    private readonly Histogram<long> _tokenUsage;
    private readonly Histogram<double> _timeToFirstChunk;
    private readonly Histogram<double> _requestDuration;
    private readonly Histogram<int> _attempts;
    private readonly Counter<long> _fallbacks;
    private readonly Counter<double> _cost;
    private readonly Counter<long> _findings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private volatile bool _sensitive;
    private readonly string? _routerName;
    private readonly ConcurrentDictionary<string, string> _routeSpanNames = new(StringComparer.Ordinal);

    public RouterTelemetry(TelemetryOptions options, TimeProvider time, ILogger logger, Func<Deployment[]> deployments)
    {
        _time = time;
        _logger = logger;
        _sensitive = options.EnableSensitiveData;
        _routerName = string.IsNullOrWhiteSpace(options.RouterName) ? null : options.RouterName;
        _source = new ActivitySource(SourceName);
        _meter = new Meter(SourceName);

        _operationDuration = _meter.CreateHistogram(
            GenAI.OperationDuration, SecondsUnit, "Duration of one call of a deployment's provider (one attempt).",
            tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _tokenUsage = _meter.CreateHistogram(
            GenAI.TokenUsage, TokensUnit, "Input and output tokens of one successful provider call.",
            tags: null, new InstrumentAdvice<long> { HistogramBucketBoundaries = TokenBuckets });
        _timeToFirstChunk = _meter.CreateHistogram(
            GenAI.TimeToFirstChunk, SecondsUnit, "Time from the start of a streaming provider call to its first chunk.",
            tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _requestDuration = _meter.CreateHistogram(
            Router.RequestDuration, SecondsUnit, "Duration of a request through the router, retries and fallbacks included.",
            tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _attempts = _meter.CreateHistogram(
            Router.AttemptsMetric, "{attempt}", "Number of provider calls a request took, retries and fallbacks included.",
            tags: null, new InstrumentAdvice<int> { HistogramBucketBoundaries = AttemptBuckets });
        _fallbacks = _meter.CreateCounter<long>(Router.Fallbacks, "{fallback}", "Moves from a failed deployment to the next candidate, by reason.");
        _cost = _meter.CreateCounter<double>(Router.CostMetric, "USD", "Cost of served requests, in US dollars, when the serving deployment's price is known.");
        _findings = _meter.CreateCounter<long>(Router.DataProtectionFindings, "{finding}", "Sensitive data found in requests, by kind and data protection action.");
        DeploymentGauges.Create(_meter, deployments, _routerName);
    }

    /// <summary>Gets the router's activity source.</summary>
    public ActivitySource Source => _source;

    /// <summary>Gets the router's meter.</summary>
    public Meter Meter => _meter;

    /// <summary>Gets the name recorded as <c>llmrouter.router</c>, or <see langword="null"/> when the router has none.</summary>
    public string? RouterName => _routerName;

    /// <summary>Gets or sets whether prompts and completions are recorded; a reload may change it.</summary>
    public bool EnableSensitiveData
    {
        get => _sensitive;
        set => _sensitive = value;
    }

    /// <summary>Gets whether spans are being listened to, so the caller must keep <see cref="Activity.Current"/> as it was.</summary>
    public bool Tracing => _source.HasListeners();

    /// <summary>Starts the request's span and notes its start, when anything listens.</summary>
    public void StartRequest(RouterRequest request, IEnumerable<ChatMessage> messages, ChatOptions? options, bool streaming, long now, CancellationToken cancellationToken)
    {
        bool traced = _source.HasListeners();
        bool logContent = _sensitive && _logger.IsEnabled(LogLevel.Trace);
        DataProtectionOutcome? protection = request.DataProtection;
        if (protection is not null)
        {
            CountFindings(protection);

            // Content capture records what an untrusted deployment is sent: the redacted messages.
            messages = protection.Redaction?.Messages ?? messages;
        }
        if (!traced && !logContent && !_requestDuration.Enabled && !_attempts.Enabled && !_operationDuration.Enabled &&
            !_tokenUsage.Enabled && !_timeToFirstChunk.Enabled && !_fallbacks.Enabled && !_cost.Enabled)
        {
            return;
        }

        ref RequestTelemetry state = ref request.Telemetry;
        state.Enabled = true;
        state.Streaming = streaming;
        state.StartedAt = now;
        state.Cancellation = cancellationToken;
        state.LogContent = logContent;
        string route = request.Asked.Name;
        if (traced && _source.StartActivity(SpanName(route), ActivityKind.Internal) is { } activity)
        {
            state.Activity = activity;
            if (activity.IsAllDataRequested)
            {
                activity.SetTag(GenAI.OperationName, ChatOperation);
                activity.SetTag(GenAI.RequestModel, route);
                activity.SetTag(Router.Route, route);
                if (protection is not null)
                {
                    activity.SetTag(Router.DataProtectionAction, protection.Action.ToString());
                    activity.SetTag(Router.DataProtectionFound, FoundText(protection));
                }

                if (_routerName is not null)
                {
                    activity.SetTag(Router.RouterName, _routerName);
                }
                if (options is not null)
                {
                    SpanTags.Options(activity, options);
                }

                if (_sensitive)
                {
                    state.CaptureContent = true;
                    (string input, string? system) = MessageContent.Input(messages);
                    activity.SetTag(GenAI.InputMessages, input);
                    if (system is not null)
                    {
                        activity.SetTag(GenAI.SystemInstructions, system);
                    }
                }
            }
        }

        if (streaming && (state.CaptureContent || logContent))
        {
            state.Text = new StringBuilder();
        }

        if (logContent)
        {
            Log.RequestContent(_logger, route, MessageContent.Input(messages).Messages);
        }
    }

    /// <summary>Starts the attempt's client span, a child of the request's.</summary>
    public void StartAttempt(RouterRequest request, ref Attempt attempt, bool hedged)
    {
        if (!request.Telemetry.Enabled || !_source.HasListeners())
        {
            return;
        }

        DeploymentTelemetry deployment = attempt.Deployment.Telemetry;
        ActivityContext parent = request.Telemetry.Activity?.Context ?? default;
        Activity? activity = _source.StartActivity(deployment.SpanName, ActivityKind.Client, parent);
        if (activity is null)
        {
            return;
        }

        attempt.Activity = activity;
        if (!activity.IsAllDataRequested)
        {
            return;
        }

        activity.SetTag(GenAI.OperationName, ChatOperation);
        activity.SetTag(GenAI.RequestModel, deployment.Model);
        activity.SetTag(GenAI.ProviderName, deployment.Provider);
        if (deployment.ServerAddress is not null)
        {
            activity.SetTag(Common.ServerAddress, deployment.ServerAddress);
            activity.SetTag(Common.ServerPort, deployment.ServerPort);
        }

        activity.SetTag(Router.Deployment, deployment.Name);
        activity.SetTag(Router.Route, attempt.Route.Name);
        if (_routerName is not null)
        {
            activity.SetTag(Router.RouterName, _routerName);
        }
        activity.SetTag(Router.Strategy, attempt.Route.Strategy.Name);
        activity.SetTag(Router.Attempt, request.Attempts);
        activity.SetTag(Router.Try, attempt.Try);
        if (attempt.Deployment.State.Breaker is not null)
        {
            activity.SetTag(Router.CircuitState, attempt.Probe ? "half_open" : "closed");
        }

        if (hedged)
        {
            activity.SetTag(Router.Hedged, True);
        }

        if (attempt.Try == 1 && request.LastFailure is { } previous)
        {
            activity.SetTag(Router.FallbackReason, ErrorType(previous.Kind));
        }
    }

    /// <summary>Records a streaming attempt's first chunk.</summary>
    public void FirstChunk(in Attempt attempt)
    {
        bool metered = _timeToFirstChunk.Enabled;
        if (!metered && attempt.Activity is null)
        {
            return;
        }

        double seconds = Seconds(attempt.StartedAt, _time.GetTimestamp());
        attempt.Activity?.SetTag(GenAI.ResponseTimeToFirstChunk, seconds);
        if (metered)
        {
            var tags = default(TagBuffer);
            int count = AttemptTags(tags, attempt, responseModel: null, errorType: null);
            _timeToFirstChunk.Record(seconds, ((ReadOnlySpan<KeyValuePair<string, object?>>)tags)[..count]);
        }
    }

    /// <summary>Ends a successful attempt: its duration, token usage and span.</summary>
    /// <param name="request">The request, for what its stream said; <see langword="null"/> when <paramref name="response"/> says it all.</param>
    /// <param name="attempt">The attempt; its span is cleared.</param>
    /// <param name="response">The non-streaming response, or <see langword="null"/> for a stream.</param>
    /// <param name="now">When the attempt ended.</param>
    public void AttemptSucceeded(RouterRequest request, ref Attempt attempt, ChatResponse? response, long now)
    {
        Activity? activity = attempt.Activity;
        bool metered = _operationDuration.Enabled || _tokenUsage.Enabled;
        if (activity is null && !metered)
        {
            return;
        }

        attempt.Activity = null;
        ref RequestTelemetry state = ref request.Telemetry;
        string? responseModel;
        long? input;
        long? output;
        if (response is not null)
        {
            responseModel = response.ModelId;
            input = response.Usage?.InputTokenCount;
            output = response.Usage?.OutputTokenCount;
        }
        else
        {
            responseModel = state.ResponseModel;
            input = state.InputTokens;
            output = state.OutputTokens;
        }

        if (metered)
        {
            var tags = default(TagBuffer);
            int count = AttemptTags(tags, attempt, responseModel, errorType: null);
            ReadOnlySpan<KeyValuePair<string, object?>> span = ((ReadOnlySpan<KeyValuePair<string, object?>>)tags)[..count];
            _operationDuration.Record(Seconds(attempt.StartedAt, now), span);
            if (_tokenUsage.Enabled && (input is not null || output is not null))
            {
                tags[count] = new(GenAI.TokenType, GenAI.TokenTypeInput);
                span = ((ReadOnlySpan<KeyValuePair<string, object?>>)tags)[..(count + 1)];
                if (input is { } inputTokens)
                {
                    _tokenUsage.Record(inputTokens, span);
                }

                if (output is { } outputTokens)
                {
                    tags[count] = new(GenAI.TokenType, GenAI.TokenTypeOutput);
                    _tokenUsage.Record(outputTokens, span);
                }
            }
        }

        if (activity is not null)
        {
            if (activity.IsAllDataRequested)
            {
                SpanTags.Response(activity, responseModel, response?.ResponseId ?? state.ResponseId, input, output, FinishReason(response) ?? state.FinishReason);
                if (state.Abandoned)
                {
                    activity.SetTag(Router.StreamAbandoned, True);
                }
            }

            activity.Stop();
        }
    }

    /// <summary>Ends a failed or cancelled attempt: its duration with <c>error.type</c>, and its span with an error status.</summary>
    public void AttemptFailed(ref Attempt attempt, ProviderErrorKind kind, Exception? exception, long now)
    {
        Activity? activity = attempt.Activity;
        bool metered = _operationDuration.Enabled;
        if (activity is null && !metered)
        {
            return;
        }

        attempt.Activity = null;
        string errorType = ErrorType(kind);
        if (metered)
        {
            var tags = default(TagBuffer);
            int count = AttemptTags(tags, attempt, responseModel: null, errorType);
            _operationDuration.Record(Seconds(attempt.StartedAt, now), ((ReadOnlySpan<KeyValuePair<string, object?>>)tags)[..count]);
        }

        if (activity is not null)
        {
            SpanTags.Fail(activity, errorType, exception);
            activity.Stop();
        }
    }

    /// <summary>Counts a move from a failed deployment to the next candidate.</summary>
    public void Fallback(RouterRequest request, RouterAttempt failed)
    {
        if (_fallbacks.Enabled)
        {
            var tags = default(TagBuffer);
            int count = RouterTag(tags, 0);
            tags[count++] = new(Router.Route, request.Asked.Name);
            tags[count++] = new(Router.Deployment, failed.Deployment);
            tags[count++] = new(Router.FallbackReason, ErrorType(failed.Kind));
            _fallbacks.Add(1, ((ReadOnlySpan<KeyValuePair<string, object?>>)tags)[..count]);
        }
    }

    /// <summary>Notes what served the request: the deployment, the response or the stream's observed end, and its cost.</summary>
    public void RequestServed(RouterRequest request, in Attempt attempt, ChatResponse? response, AdditionalPropertiesDictionary? properties)
    {
        ref RequestTelemetry state = ref request.Telemetry;
        if (!state.Enabled)
        {
            return;
        }

        state.ServedBy = attempt.Deployment;
        double? cost = Number(properties, Properties.CostUsd);
        if (cost is { } usd && _cost.Enabled)
        {
            var tags = default(TagBuffer);
            int count = RouterTag(tags, 0);
            tags[count++] = new(Router.Route, request.Asked.Name);
            tags[count++] = new(Router.Deployment, attempt.Deployment.Name);
            tags[count++] = new(GenAI.ProviderName, attempt.Deployment.Provider);
            tags[count++] = new(GenAI.RequestModel, attempt.Deployment.Telemetry.Model);
            count = DispatchTags(tags, count, request);
            _cost.Add(usd, ((ReadOnlySpan<KeyValuePair<string, object?>>)tags)[..count]);
        }

        string? finishReason = FinishReason(response) ?? state.FinishReason;
        if (state.Activity is { IsAllDataRequested: true } activity)
        {
            long? input = response is not null ? response.Usage?.InputTokenCount : state.InputTokens;
            long? output = response is not null ? response.Usage?.OutputTokenCount : state.OutputTokens;
            SpanTags.Response(activity, response?.ModelId ?? state.ResponseModel ?? attempt.Deployment.Model, response?.ResponseId ?? state.ResponseId, input, output, finishReason);
            activity.SetTag(GenAI.ProviderName, attempt.Deployment.Provider);
            activity.SetTag(Router.Deployment, attempt.Deployment.Name);
            activity.SetTag(Router.Attempts, request.Attempts);
            if (request.Failures.Count > 0)
            {
                activity.SetTag(Router.FallbackReasons, request.FallbackReasons());
            }

            if (cost is not null)
            {
                activity.SetTag(Router.Cost, cost);
            }

            if (properties is not null)
            {
                SpanTags.IfPresent(activity, properties, Properties.CacheHit, Router.CacheHit);
                SpanTags.IfPresent(activity, properties, Properties.Tier, Router.Tier);
                SpanTags.IfPresent(activity, properties, Properties.Complexity, Router.Complexity);
                SpanTags.IfPresent(activity, properties, Properties.Variant, Router.Variant);
                SpanTags.IfPresent(activity, properties, Properties.Stage, Router.Stage);
                SpanTags.IfPresent(activity, properties, Properties.DowngradedBy, Router.DowngradedBy);
            }

            if (state.CaptureContent)
            {
                activity.SetTag(GenAI.OutputMessages, Redacted(request, response is not null
                    ? MessageContent.Output(response.Messages, finishReason)
                    : MessageContent.OutputText(state.Text?.ToString() ?? string.Empty, finishReason)));
            }
        }

        if (state.LogContent)
        {
            Log.ResponseContent(_logger, request.Asked.Name, attempt.Deployment.Name, Redacted(request, response is not null
                ? MessageContent.Output(response.Messages, finishReason)
                : MessageContent.OutputText(state.Text?.ToString() ?? string.Empty, finishReason)));
        }
    }

    /// <summary>Recorded content of a redacted request, with the values put back in the answer replaced by their placeholders again.</summary>
    private static string Redacted(RouterRequest request, string content) =>
        request.DataProtection?.Redaction?.Placeholders.Redact(content) ?? content;

    private void CountFindings(DataProtectionOutcome protection)
    {
        if (!_findings.Enabled)
        {
            return;
        }

        string action = protection.Action.ToString();
        foreach (KeyValuePair<string, int> count in protection.Report.Counts)
        {
            var tags = new TagList { { Router.DataProtectionKind, count.Key }, { Router.DataProtectionAction, action } };
            if (_routerName is not null)
            {
                tags.Add(Router.RouterName, _routerName);
            }

            _findings.Add(count.Value, tags);
        }
    }

    private static string FoundText(DataProtectionOutcome protection) =>
        string.Join(',', protection.Kinds.Select(kind => $"{kind}={protection.Report.Counts[kind]}"));

    /// <summary>Ends the request: its duration and attempt count, and its span. Called once, when the request ends however it ends.</summary>
    public void EndRequest(RouterRequest request)
    {
        ref RequestTelemetry state = ref request.Telemetry;
        long now = _time.GetTimestamp();
        string route = request.Asked.Name;
        string? errorType = null;
        if (state.ServedBy is null)
        {
            errorType = state.Failure switch
            {
                LlmRouterException { Attempts: [.., RouterAttempt last] } => ErrorType(last.Kind),
                LlmRouterException => Unavailable,
                BudgetExceededException => BudgetExceeded,
                ProviderException failure => ErrorType(failure.Kind),
                TimeoutException => ErrorType(ProviderErrorKind.Timeout),
                OperationCanceledException => ErrorType(ProviderErrorKind.Cancelled),
                not null => state.Failure.GetType().FullName ?? OtherError,
                null => state.Cancellation.IsCancellationRequested ? ErrorType(ProviderErrorKind.Cancelled) : OtherError,
            };
        }

        if (_requestDuration.Enabled)
        {
            var tags = default(TagBuffer);
            int count = RouterTag(tags, 0);
            tags[count++] = new(GenAI.OperationName, ChatOperation);
            tags[count++] = new(Router.Route, route);
            if (state.ServedBy is { } served)
            {
                tags[count++] = new(Router.Deployment, served.Name);
                tags[count++] = new(GenAI.ProviderName, served.Provider);
            }

            if (errorType is not null)
            {
                tags[count++] = new(Common.ErrorType, errorType);
            }

            count = DispatchTags(tags, count, request);
            _requestDuration.Record(Seconds(state.StartedAt, now), ((ReadOnlySpan<KeyValuePair<string, object?>>)tags)[..count]);
        }

        if (_attempts.Enabled)
        {
            var tags = default(TagBuffer);
            int count = RouterTag(tags, 0);
            tags[count++] = new(Router.Route, route);
            if (errorType is not null)
            {
                tags[count++] = new(Common.ErrorType, errorType);
            }

            _attempts.Record(request.Attempts, ((ReadOnlySpan<KeyValuePair<string, object?>>)tags)[..count]);
        }

        if (state.Activity is { } activity)
        {
            if (errorType is not null)
            {
                // A failed request has no response properties: its tier and variant are tagged from the request.
                if (request.Tier is not null)
                {
                    activity.SetTag(Router.Tier, request.Tier);
                }

                if (request.Stage is not null)
                {
                    activity.SetTag(Router.Stage, request.Stage);
                }

                if (request.Variant is not null)
                {
                    activity.SetTag(Router.Variant, request.Variant);
                }

                activity.SetTag(Router.Attempts, request.Attempts);
                SpanTags.Fail(activity, errorType, state.Failure);
            }
            else if (state.Abandoned)
            {
                activity.SetTag(Router.StreamAbandoned, True);
            }

            activity.Stop();
        }
    }

    /// <summary>Observes one update of the committed stream: its model, id, finish reason, usage and, when captured, text.</summary>
    public static void Observe(ref RequestTelemetry state, ChatResponseUpdate update)
    {
        state.ResponseModel = update.ModelId ?? state.ResponseModel;
        state.ResponseId = update.ResponseId ?? state.ResponseId;
        if (update.FinishReason is { } finishReason)
        {
            state.FinishReason = finishReason.Value;
        }

        IList<AIContent> contents = update.Contents;
        for (int i = 0; i < contents.Count; i++)
        {
            switch (contents[i])
            {
                case UsageContent usage:
                    state.InputTokens = usage.Details.InputTokenCount ?? state.InputTokens;
                    state.OutputTokens = usage.Details.OutputTokenCount ?? state.OutputTokens;
                    break;
                case TextContent text when state.Text is not null:
                    state.Text.Append(text.Text);
                    break;
            }
        }
    }

    public void Dispose()
    {
        _source.Dispose();
        _meter.Dispose();
    }

    private string SpanName(string route)
    {
        if (_routeSpanNames.TryGetValue(route, out string? name))
        {
            return name;
        }

        name = ChatOperation + " " + route;
        return _routeSpanNames.Count < 1024 ? _routeSpanNames.GetOrAdd(route, name) : name;
    }

    /// <summary>Adds the tier and A/B variant of a request that went through a tiered or A/B route: both low-cardinality, and what such routes are compared by.</summary>
    /// <summary>Adds <c>llmrouter.router</c> when the router has a name.</summary>
    private int RouterTag(Span<KeyValuePair<string, object?>> tags, int count)
    {
        if (_routerName is not null)
        {
            tags[count++] = new(Router.RouterName, _routerName);
        }

        return count;
    }

    private static int DispatchTags(Span<KeyValuePair<string, object?>> tags, int count, RouterRequest request)
    {
        if (request.Tier is { } tier)
        {
            tags[count++] = new(Router.Tier, tier);
        }

        if (request.Variant is { } variant)
        {
            tags[count++] = new(Router.Variant, variant);
        }

        return count;
    }

    private int AttemptTags(Span<KeyValuePair<string, object?>> tags, in Attempt attempt, string? responseModel, string? errorType)
    {
        DeploymentTelemetry deployment = attempt.Deployment.Telemetry;
        int count = RouterTag(tags, 0);
        tags[count++] = new(GenAI.OperationName, ChatOperation);
        tags[count++] = new(GenAI.ProviderName, deployment.Provider);
        tags[count++] = new(GenAI.RequestModel, deployment.Model);
        tags[count++] = new(Router.Deployment, deployment.Name);
        tags[count++] = new(Router.Route, attempt.Route.Name);
        if (deployment.ServerAddress is not null)
        {
            tags[count++] = new(Common.ServerAddress, deployment.ServerAddress);
            tags[count++] = new(Common.ServerPort, deployment.ServerPort);
        }

        if (responseModel is not null)
        {
            tags[count++] = new(GenAI.ResponseModel, responseModel);
        }

        if (errorType is not null)
        {
            tags[count++] = new(Common.ErrorType, errorType);
        }

        return count;
    }

    private static string? FinishReason(ChatResponse? response) => response?.FinishReason?.Value;

    private static double? Number(AdditionalPropertiesDictionary? properties, string key)
    {
        if (properties is null || !properties.TryGetValue(key, out object? value))
        {
            return null;
        }

        return value switch
        {
            decimal number => (double)number,
            double number => number,
            float number => number,
            long number => number,
            int number => number,
            string text when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed) => parsed,
            _ => null,
        };
    }

    private double Seconds(long start, long end) => (end - start) / (double)_time.TimestampFrequency;
}
