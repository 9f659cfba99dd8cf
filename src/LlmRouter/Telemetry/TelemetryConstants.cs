namespace LlmRouter;

/// <summary>
/// Names of the router's spans, metrics and attributes. GenAI names follow the OpenTelemetry GenAI semantic conventions
/// (development status); the router's own names use the <c>llmrouter.</c> prefix and never invent <c>gen_ai.*</c> names.
/// </summary>
/// <remarks>
/// The <c>gen_ai.client.*</c> metrics and the <c>chat {model}</c> client spans describe provider calls (attempts); the
/// <c>chat {route}</c> span and the <c>llmrouter.*</c> request metrics describe what the caller asked for, fallbacks included.
/// </remarks>
internal static class TelemetryConstants
{
    /// <summary>The name of the <see cref="System.Diagnostics.ActivitySource"/> and of the <see cref="System.Diagnostics.Metrics.Meter"/>.</summary>
    public const string SourceName = "LlmRouter";

    /// <summary>The environment variable whose value <c>true</c> turns on content capture by default.</summary>
    public const string CaptureMessageContentVariable = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT";

    public const string ChatOperation = "chat";

    public const string SecondsUnit = "s";

    public const string TokensUnit = "{token}";

    /// <summary>The <c>error.type</c> value when nothing more specific is known.</summary>
    public const string OtherError = "_OTHER";

    /// <summary>Bucket boundaries the GenAI conventions recommend for durations, in seconds.</summary>
    public static readonly double[] DurationBuckets = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];

    /// <summary>Bucket boundaries the GenAI conventions recommend for token counts.</summary>
    public static readonly long[] TokenBuckets = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];

    /// <summary>Bucket boundaries for the number of attempts a request took.</summary>
    public static readonly int[] AttemptBuckets = [1, 2, 3, 4, 5, 6, 8, 10, 16];

    /// <summary>GenAI semantic-convention names.</summary>
    public static class GenAI
    {
        public const string OperationName = "gen_ai.operation.name";
        public const string ProviderName = "gen_ai.provider.name";
        public const string RequestModel = "gen_ai.request.model";
        public const string RequestMaxTokens = "gen_ai.request.max_tokens";
        public const string RequestTemperature = "gen_ai.request.temperature";
        public const string RequestTopP = "gen_ai.request.top_p";
        public const string RequestTopK = "gen_ai.request.top_k";
        public const string RequestSeed = "gen_ai.request.seed";
        public const string RequestFrequencyPenalty = "gen_ai.request.frequency_penalty";
        public const string RequestPresencePenalty = "gen_ai.request.presence_penalty";
        public const string RequestStopSequences = "gen_ai.request.stop_sequences";
        public const string ResponseModel = "gen_ai.response.model";
        public const string ResponseId = "gen_ai.response.id";
        public const string ResponseFinishReasons = "gen_ai.response.finish_reasons";
        public const string ConversationId = "gen_ai.conversation.id";
        public const string UsageInputTokens = "gen_ai.usage.input_tokens";
        public const string UsageOutputTokens = "gen_ai.usage.output_tokens";
        public const string InputMessages = "gen_ai.input.messages";
        public const string OutputMessages = "gen_ai.output.messages";
        public const string SystemInstructions = "gen_ai.system_instructions";
        public const string TokenType = "gen_ai.token.type";
        public const string TokenTypeInput = "input";
        public const string TokenTypeOutput = "output";
        public const string ResponseTimeToFirstChunk = "gen_ai.response.time_to_first_chunk";

        /// <summary>Metric: duration of one provider call (an attempt), in seconds.</summary>
        public const string OperationDuration = "gen_ai.client.operation.duration";

        /// <summary>Metric: input and output tokens of one successful provider call.</summary>
        public const string TokenUsage = "gen_ai.client.token.usage";

        /// <summary>Metric: time from the start of a streaming provider call to its first chunk, in seconds.</summary>
        public const string TimeToFirstChunk = "gen_ai.client.operation.time_to_first_chunk";
    }

    /// <summary>General OpenTelemetry attribute names.</summary>
    public static class Common
    {
        public const string ServerAddress = "server.address";
        public const string ServerPort = "server.port";
        public const string ErrorType = "error.type";
    }

    /// <summary>The router's own names.</summary>
    public static class Router
    {
        /// <summary>The router's name (<see cref="TelemetryOptions.RouterName"/>), on every measurement and span when set.</summary>
        public const string RouterName = "llmrouter.router";

        /// <summary>The route a request asked for (request span and metrics), or the route a candidate came from (attempt span).</summary>
        public const string Route = "llmrouter.route";

        /// <summary>The deployment called (attempt) or that served the request (request).</summary>
        public const string Deployment = "llmrouter.deployment";

        /// <summary>The attempt's number within the request, retries included, starting at 1.</summary>
        public const string Attempt = "llmrouter.attempt";

        /// <summary>The attempt's number on its deployment, starting at 1: above 1 for a retry.</summary>
        public const string Try = "llmrouter.try";

        /// <summary>How many attempts the request took.</summary>
        public const string Attempts = "llmrouter.attempts";

        /// <summary>Why the router moved on to this attempt's deployment: the kind of the previous deployment's failure.</summary>
        public const string FallbackReason = "llmrouter.fallback.reason";

        /// <summary>The failed attempts of a request that fell back, as on <see cref="LlmRouterProperties.FallbackReasons"/>.</summary>
        public const string FallbackReasons = "llmrouter.fallback_reasons";

        /// <summary>The selection strategy of the route the candidate came from.</summary>
        public const string Strategy = "llmrouter.strategy";

        /// <summary>The deployment's circuit state when the attempt was admitted: <c>closed</c>, or <c>half_open</c> for a probe.</summary>
        public const string CircuitState = "llmrouter.circuit.state";

        /// <summary>Whether the attempt started alongside another one (hedging).</summary>
        public const string Hedged = "llmrouter.hedged";

        /// <summary>Whether the consumer stopped reading a stream before its end.</summary>
        public const string StreamAbandoned = "llmrouter.stream.abandoned";

        /// <summary>The cost of the request in USD, when the serving deployment's price is known (response property <c>llmrouter.cost_usd</c>).</summary>
        public const string Cost = "llmrouter.cost";

        /// <summary>Whether a cache answered the request (response property <c>llmrouter.cache_hit</c>).</summary>
        public const string CacheHit = "llmrouter.cache_hit";

        /// <summary>The tier that served the request (response property <c>llmrouter.tier</c>).</summary>
        public const string Tier = "llmrouter.tier";

        /// <summary>The A/B variant that served the request (response property <c>llmrouter.variant</c>).</summary>
        public const string Variant = "llmrouter.variant";

        /// <summary>The stage of a multi-step run the request was (response property <c>llmrouter.stage</c>).</summary>
        public const string Stage = "llmrouter.stage";

        /// <summary>The complexity score the tier came from (response property <c>llmrouter.complexity</c>).</summary>
        public const string Complexity = "llmrouter.complexity";

        /// <summary>The budget that moved the request to a cheaper route (response property <c>llmrouter.downgraded_by</c>).</summary>
        public const string DowngradedBy = "llmrouter.downgraded_by";

        /// <summary>The data protection action applied to the request (response property <c>llmrouter.data_protection</c>).</summary>
        public const string DataProtectionAction = "llmrouter.data_protection.action";

        /// <summary>The kinds of sensitive data the request held, as <c>Kind=count</c> pairs separated by commas; never values.</summary>
        public const string DataProtectionFound = "llmrouter.data_protection.found";

        /// <summary>The kind of sensitive data counted (tag of <see cref="DataProtectionFindings"/>).</summary>
        public const string DataProtectionKind = "llmrouter.data_protection.kind";

        /// <summary>Metric: sensitive data found in requests, by kind and action.</summary>
        public const string DataProtectionFindings = "llmrouter.data_protection.findings";

        /// <summary>Metric: duration of a request through the router, fallbacks and retries included, in seconds.</summary>
        public const string RequestDuration = "llmrouter.request.duration";

        /// <summary>Metric: the number of attempts a request took.</summary>
        public const string AttemptsMetric = "llmrouter.attempts";

        /// <summary>Metric: moves from a failed deployment to the next candidate, by reason.</summary>
        public const string Fallbacks = "llmrouter.fallbacks";

        /// <summary>Metric: the cost of served requests, in USD.</summary>
        public const string CostMetric = "llmrouter.cost";

        /// <summary>Metric: calls in flight per deployment.</summary>
        public const string InFlight = "llmrouter.deployment.in_flight";

        /// <summary>Metric: 1 for a deployment's current circuit state, 0 for the others.</summary>
        public const string CircuitStateMetric = "llmrouter.deployment.circuit.state";

        /// <summary>Metric: sampled responses of routes that evaluate, by <see cref="EvaluationOutcome"/>.</summary>
        public const string EvaluationsMetric = "llmrouter.evaluations";

        /// <summary>Attribute of <see cref="EvaluationsMetric"/>: <c>scored</c>, <c>dropped</c> (queue full) or <c>failed</c>.</summary>
        public const string EvaluationOutcome = "llmrouter.evaluation.outcome";

        /// <summary>Metric: a deployment's quality estimate for a route (and tier, and dimension), from 0 to 1.</summary>
        public const string QualityMetric = "llmrouter.deployment.quality";

        /// <summary>Metric: a deployment's recent latency at a percentile, in seconds, by <see cref="LatencyKind"/>.</summary>
        public const string LatencyMetric = "llmrouter.deployment.latency";

        /// <summary>Metric: a deployment's median output tokens per second over its recent calls.</summary>
        public const string OutputRateMetric = "llmrouter.deployment.output_rate";

        /// <summary>Attribute of <see cref="QualityMetric"/>: what the score measures (absent for overall quality).</summary>
        public const string QualityDimension = "llmrouter.quality.dimension";

        /// <summary>Attribute of <see cref="QualityMetric"/>: <c>healthy</c>, <c>set_aside</c> or <c>probation</c>.</summary>
        public const string QualityStatus = "llmrouter.quality.status";

        /// <summary>Attribute of <see cref="LatencyMetric"/>: <c>time_to_first_token</c> or <c>total</c>.</summary>
        public const string LatencyKind = "llmrouter.latency.kind";

        /// <summary>Attribute of <see cref="LatencyMetric"/>: <c>p50</c> or <c>p90</c>.</summary>
        public const string Percentile = "llmrouter.latency.percentile";
    }

    /// <summary>The response cache's names (Caching/).</summary>
    public static class Cache
    {
        /// <summary>Metric: requests seen by the response cache, by <see cref="Result"/>.</summary>
        public const string Requests = "llmrouter.cache.requests";

        /// <summary>What the response cache did with a request: <see cref="Hit"/>, <see cref="Miss"/>, <see cref="Bypass"/> or <see cref="StoreFailed"/>.</summary>
        public const string Result = "llmrouter.cache.result";

        /// <summary>What a hit saved, in USD: the cost of the call that stored the answer.</summary>
        public const string CostSaved = "llmrouter.cost_saved";

        public const string Hit = "hit";
        public const string Miss = "miss";
        public const string Bypass = "bypass";
        public const string StoreFailed = "store_failed";
    }

    /// <summary>Response properties that other features set and telemetry reports when present.</summary>
    public static class Properties
    {
        public const string CostUsd = "llmrouter.cost_usd";
        public const string CacheHit = "llmrouter.cache_hit";
        public const string Tier = "llmrouter.tier";
        public const string Variant = "llmrouter.variant";
        public const string Stage = "llmrouter.stage";
        public const string Complexity = "llmrouter.complexity";
        public const string DowngradedBy = "llmrouter.downgraded_by";
    }

    /// <summary>Returns the low-cardinality <c>error.type</c> / fallback reason of a failure kind, such as <c>rate_limited</c>.</summary>
    public static string ErrorType(ProviderErrorKind kind) =>
        (uint)kind < (uint)ErrorTypes.Length ? ErrorTypes[(int)kind] : OtherError;

    private static readonly string[] ErrorTypes =
    [
        "unknown", "rate_limited", "overloaded", "server_error", "timeout", "transport", "invalid_response",
        "context_length_exceeded", "content_filtered", "authentication", "permission_denied", "not_found",
        "quota_exceeded", "bad_request", "cancelled",
    ];
}
